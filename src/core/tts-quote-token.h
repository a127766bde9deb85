/* tts-quote-token.h: what GET /api-quote-tokens returns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_TYPE_QUOTE_TOKEN (tts_quote_token_get_type ())

typedef struct
{
  char *token;        /* a credential for 24 hours: wiped, never logged or saved */
  char *dxlink_url;   /* where to stream from: never a host of our own */
  char *level;        /* "api", "demo", …: text to show; NULL when absent or unfit */
} TtsQuoteToken;

GType          tts_quote_token_get_type      (void) G_GNUC_CONST;
/* Parses a 200 answer {"data":{"token":…,"dxlink-url":…,"level":…}}. Fails with
 * TTS_ERROR_PROTOCOL when the token or the URL is missing. */
TtsQuoteToken *tts_quote_token_new_from_json (const char           *data,
                                              gsize                 length,
                                              GError              **error);
TtsQuoteToken *tts_quote_token_copy          (const TtsQuoteToken  *self);
void           tts_quote_token_free          (TtsQuoteToken        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsQuoteToken, tts_quote_token_free)

G_END_DECLS

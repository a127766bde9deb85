/* tts-tokens.h: what the token endpoint returns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_TYPE_TOKENS (tts_tokens_get_type ())

typedef struct
{
  char   *access_token;
  char   *refresh_token;   /* NULL when the answer carried none */
  char   *token_type;
  gint64  expires_in;      /* seconds; 0 when absent */
} TtsTokens;

GType      tts_tokens_get_type  (void) G_GNUC_CONST;
/* Parses a 200 answer: a bare JSON object; unknown members are ignored.
 * Fails with TTS_ERROR_PROTOCOL when it is not JSON or lacks access_token. */
TtsTokens *tts_tokens_new_from_json (const char  *data,
                                     gsize        length,
                                     GError     **error);
TtsTokens *tts_tokens_copy      (const TtsTokens *self);
/* Wipes every token before freeing it. */
void       tts_tokens_free      (TtsTokens *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsTokens, tts_tokens_free)

G_END_DECLS

/* tts-quote.h: the first quote that came over DXLink
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_TYPE_QUOTE (tts_quote_get_type ())

typedef struct
{
  char   *symbol;
  double  bid_price;     /* NAN when the service sent none */
  double  ask_price;     /* NAN when the service sent none */
  gint64  received_at;   /* g_get_real_time() when it arrived */
  char   *level;         /* the quote token's entitlement level, or NULL */
} TtsQuote;

GType     tts_quote_get_type (void) G_GNUC_CONST;
TtsQuote *tts_quote_new      (const char     *symbol,
                              double          bid_price,
                              double          ask_price);
TtsQuote *tts_quote_copy     (const TtsQuote *self);
void      tts_quote_free     (TtsQuote       *self);
/* One translated line: "SPX 5,910.10 / 5,911.30 at 14:03 (level api)", in the user's
 * number format and local time. */
char     *tts_quote_describe (const TtsQuote *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsQuote, tts_quote_free)

G_END_DECLS

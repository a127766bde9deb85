/* tts-quote.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "tts-quote.h"

G_DEFINE_BOXED_TYPE (TtsQuote, tts_quote, tts_quote_copy, tts_quote_free)

TtsQuote *
tts_quote_new (const char *symbol,
               double      bid_price,
               double      ask_price)
{
  TtsQuote *quote;

  g_return_val_if_fail (symbol != NULL, NULL);

  quote = g_new0 (TtsQuote, 1);
  quote->symbol = g_strdup (symbol);
  quote->bid_price = bid_price;
  quote->ask_price = ask_price;
  quote->received_at = g_get_real_time ();

  return quote;
}

TtsQuote *
tts_quote_copy (const TtsQuote *self)
{
  TtsQuote *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = tts_quote_new (self->symbol, self->bid_price, self->ask_price);
  copy->received_at = self->received_at;
  copy->level = g_strdup (self->level);

  return copy;
}

void
tts_quote_free (TtsQuote *self)
{
  if (self == NULL)
    return;

  g_free (self->symbol);
  g_free (self->level);
  g_free (self);
}

/* With the locale's grouping and decimal point ("5,910.10", "5.910,10"). */
static char *
format_price (double price)
{
  /* No index is quoted in the billions: such a value is not shown, nor is its length. */
  if (!isfinite (price) || fabs (price) >= 1e9)
    /* TRANSLATORS: in place of a price the quote did not carry. */
    return g_strdup (C_("price", "–"));

  return g_strdup_printf ("%'.2f", price);
}

char *
tts_quote_describe (const TtsQuote *self)
{
  g_autofree char *bid = NULL;
  g_autofree char *ask = NULL;
  g_autofree char *time = NULL;
  g_autoptr(GDateTime) when = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  bid = format_price (self->bid_price);
  ask = format_price (self->ask_price);
  when = g_date_time_new_from_unix_local (self->received_at / G_USEC_PER_SEC);
  /* TRANSLATORS: the time of day a quote arrived, as g_date_time_format() takes it. */
  time = when != NULL ? g_date_time_format (when, _("%H:%M")) : NULL;

  if (self->level != NULL)
    /* TRANSLATORS: "SPX 5,910.10 / 5,911.30 at 14:03 (level api)": symbol, bid, ask, the time
     * it arrived and tastytrade's market-data level (a word such as "api" or "demo"). */
    return g_strdup_printf (_("%s %s / %s at %s (level %s)"),
                            self->symbol, bid, ask, time != NULL ? time : "", self->level);

  /* TRANSLATORS: "SPX 5,910.10 / 5,911.30 at 14:03": symbol, bid, ask and the time it arrived. */
  return g_strdup_printf (_("%s %s / %s at %s"), self->symbol, bid, ask, time != NULL ? time : "");
}

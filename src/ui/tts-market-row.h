/* tts-market-row.h: one check of what the fetcher needs, with its result or why it failed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tts-market-check.h"

G_BEGIN_DECLS

typedef enum
{
  TTS_MARKET_ROW_OPTION_CHAINS,   /* SPX's option chain, over REST */
  TTS_MARKET_ROW_LIVE_QUOTES,     /* the first SPX quote, over DXLink */
} TtsMarketRowKind;

#define TTS_TYPE_MARKET_ROW (tts_market_row_get_type ())

G_DECLARE_FINAL_TYPE (TtsMarketRow, tts_market_row, TTS, MARKET_ROW, AdwActionRow)

/* Properties "running" and "failed" say what the row shows. */
GtkWidget *tts_market_row_new         (TtsMarketRowKind  kind);
/* "Checking…" with a spinner, for a check about to start. */
void       tts_market_row_set_waiting (TtsMarketRow     *self);
/* Runs the row's check with @check, which it keeps for Try Again; NULL stops a check that
 * runs. The result, or the reason and the next step, shows as text. */
void       tts_market_row_run         (TtsMarketRow     *self,
                                       TtsMarketCheck   *check);

G_END_DECLS

/* tts-market-row.h: one check of what the fetcher needs, with its result or why it failed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTS_TYPE_MARKET_ROW (tts_market_row_get_type ())

G_DECLARE_FINAL_TYPE (TtsMarketRow, tts_market_row, TTS, MARKET_ROW, AdwActionRow)

/* @retry_label names the Try Again button for screen readers ("Check Option Chains Again").
 * Its "retry" signal says the user asked for the check again. Properties "running" and
 * "failed" say what it shows. */
GtkWidget *tts_market_row_new         (const char   *title,
                                       const char   *retry_label);
void       tts_market_row_set_running (TtsMarketRow *self);
/* @text: the result, shown as text. */
void       tts_market_row_set_result  (TtsMarketRow *self,
                                       const char   *text);
/* The reason and the next step; TTS_ERROR_SANDBOX_MARKET_DATA is a notice, not a warning. */
void       tts_market_row_set_error   (TtsMarketRow *self,
                                       const GError *error);

G_END_DECLS

/* tts-info-row.h: a row with a title, a wrapping subtitle, prefixes and suffixes
 *
 * It looks and behaves like AdwActionRow, for what the pages need of it. AdwActionRow's
 * title box, asked for its width at a given height inside GTK 4.8's boxes, searches for it
 * with tens of layouts of each wrapping label; this row's title sits in a TtsReflowBin. A
 * GTK 4.8 workaround kept on every toolkit (one .ui for all), like TtsReflowBin itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTS_TYPE_INFO_ROW (tts_info_row_get_type ())

G_DECLARE_FINAL_TYPE (TtsInfoRow, tts_info_row, TTS, INFO_ROW, AdwPreferencesRow)

/* In GtkBuilder, <child type="prefix"> goes before the title, other children after it.
 * "activatable-widget": activated with the row (a click, Return, the title's mnemonic). */
const char *tts_info_row_get_subtitle (TtsInfoRow *self);
void        tts_info_row_set_subtitle (TtsInfoRow *self,
                                       const char *subtitle);

G_END_DECLS

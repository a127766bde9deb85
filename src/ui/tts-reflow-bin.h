/* tts-reflow-bin.h: a bin whose minimum width does not depend on its height, for
 * scrolled pages of wrapping text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTS_TYPE_REFLOW_BIN (tts_reflow_bin_get_type ())

G_DECLARE_FINAL_TYPE (TtsReflowBin, tts_reflow_bin, TTS, REFLOW_BIN, AdwBin)

G_END_DECLS

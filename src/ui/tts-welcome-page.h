/* tts-welcome-page.h: what the assistant does, the first thing drawn
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-page.h"

G_BEGIN_DECLS

#define TTS_TYPE_WELCOME_PAGE (tts_welcome_page_get_type ())

G_DECLARE_FINAL_TYPE (TtsWelcomePage, tts_welcome_page, TTS, WELCOME_PAGE, TtsPage)

G_END_DECLS

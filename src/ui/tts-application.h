/* tts-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTS_TYPE_APPLICATION (tts_application_get_type ())

G_DECLARE_FINAL_TYPE (TtsApplication, tts_application, TTS, APPLICATION, AdwApplication)

TtsApplication *tts_application_new (void);

G_END_DECLS

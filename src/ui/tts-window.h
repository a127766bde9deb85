/* tts-window.h: the wizard's window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tts-environment.h"

G_BEGIN_DECLS

#define TTS_TYPE_WINDOW (tts_window_get_type ())

G_DECLARE_FINAL_TYPE (TtsWindow, tts_window, TTS, WINDOW, AdwApplicationWindow)

/* @sandbox picks the sandbox, else the service used last time. @auth_uri, @api_uri and
 * @redirect_uri override the service (tests and demos) and may be NULL; @folder
 * preselects the project folder and may be NULL. */
TtsWindow *tts_window_new (GtkApplication     *application,
                           gboolean            sandbox,
                           const char         *auth_uri,
                           const char         *api_uri,
                           const char         *redirect_uri,
                           GFile              *folder);

G_END_DECLS

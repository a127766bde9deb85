/* tts-window-private.h: for the tests that drive the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-check-dialog.h"
#include "tts-credentials-page.h"
#include "tts-done-page.h"
#include "tts-flow.h"
#include "tts-progress-page.h"
#include "tts-signin-page.h"
#include "tts-start-page.h"
#include "tts-welcome-page.h"
#include "tts-window.h"

G_BEGIN_DECLS

/* The window's pages are private: tests find them in the widget tree (tests/tts-test-pages.h). */
TtsFlow            *tts_window_get_flow             (TtsWindow *self);
/* The "Check It" dialog while it is open, else NULL. */
TtsCheckDialog     *tts_window_get_check_dialog     (TtsWindow *self);

G_END_DECLS

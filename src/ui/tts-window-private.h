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

TtsFlow            *tts_window_get_flow             (TtsWindow *self);
TtsWelcomePage     *tts_window_get_welcome_page     (TtsWindow *self);
TtsStartPage       *tts_window_get_start_page       (TtsWindow *self);
TtsCredentialsPage *tts_window_get_credentials_page (TtsWindow *self);
TtsSigninPage      *tts_window_get_signin_page      (TtsWindow *self);
TtsProgressPage    *tts_window_get_progress_page    (TtsWindow *self);
TtsDonePage        *tts_window_get_done_page        (TtsWindow *self);
TtsPage            *tts_window_get_visible_page     (TtsWindow *self);
/* The "Check It" dialog while it is open, else NULL. */
TtsCheckDialog     *tts_window_get_check_dialog     (TtsWindow *self);

G_END_DECLS

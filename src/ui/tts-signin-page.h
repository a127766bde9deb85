/* tts-signin-page.h: tastytrade's sign-in, inside the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-flow.h"
#include "tts-page.h"

G_BEGIN_DECLS

#define TTS_TYPE_SIGNIN_PAGE (tts_signin_page_get_type ())

G_DECLARE_FINAL_TYPE (TtsSigninPage, tts_signin_page, TTS, SIGNIN_PAGE, TtsPage)

/* Every navigation of the view is first shown to @flow, which takes the redirect. */
void tts_signin_page_set_flow (TtsSigninPage *self,
                               TtsFlow       *flow);
void tts_signin_page_load     (TtsSigninPage *self,
                               const char    *uri);
/* Leaves the page: nothing stays loaded, nothing of the session is kept. */
void tts_signin_page_unload   (TtsSigninPage *self);

G_END_DECLS

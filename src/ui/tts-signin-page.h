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

/* The page is made with its "flow" (construct-only), which it follows: while the flow
 * authorizes it shows the flow's authorization page, otherwise about:blank. It lives in the
 * sign-in module (tts-signin-loader.h), so the window knows it only as a TtsPage. */

G_END_DECLS

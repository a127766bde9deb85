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
 * sign-in module (tts-signin-loader.h), so the window knows it only as a TtsPage.
 *
 * Properties: "load-timeout", how long a page may take to start showing before the sign-in
 * fails, in milliseconds (30 s by default; a load on its way gets the new time from now);
 * "prepared" (read-only), whether the view's web process is up, from loading about:blank
 * once when the page is made. */

G_END_DECLS

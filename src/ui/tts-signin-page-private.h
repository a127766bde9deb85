/* tts-signin-page-private.h: for the tests that drive the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <webkit/webkit.h>

#include "tts-signin-page.h"

G_BEGIN_DECLS

WebKitWebView *tts_signin_page_get_web_view (TtsSigninPage *self);
/* The host the page shows the user, e.g. "my.tastytrade.com". */
const char    *tts_signin_page_get_host     (TtsSigninPage *self);

G_END_DECLS

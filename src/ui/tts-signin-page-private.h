/* tts-signin-page-private.h: for the tests that drive the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <webkit/webkit.h>

#include "tts-signin-page.h"

G_BEGIN_DECLS

/* Where pages meant for the user's browser go (https links that leave the sign-in,
 * target=_blank, window.open(), and the sign-in itself with Use My Web Browser):
 * tts_page_launch_uri() unless a test watches instead.
 *
 * Everything else the tests need, they find as a user's tools do: the view, the buttons
 * and the labels in the widget tree, and the page's properties ("prepared", "load-timeout"). */
typedef void (*TtsSigninPageOpenFunc) (TtsSigninPage *self,
                                       const char    *uri,
                                       gpointer       user_data);

void tts_signin_page_set_open_func (TtsSigninPage         *self,
                                    TtsSigninPageOpenFunc  func,
                                    gpointer               user_data);

G_END_DECLS

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

/* Where pages meant for the user's browser go (https links that leave the sign-in,
 * target=_blank, window.open(), and the sign-in itself with Use My Web Browser):
 * tts_page_launch_uri() unless a test watches instead. */
typedef void (*TtsSigninPageOpenFunc) (TtsSigninPage *self,
                                       const char    *uri,
                                       gpointer       user_data);

void           tts_signin_page_set_open_func          (TtsSigninPage         *self,
                                                       TtsSigninPageOpenFunc  func,
                                                       gpointer               user_data);
/* How long a page may take to start showing before the sign-in fails (30 s by default).
 * A load already on its way gets the new time from now. */
void           tts_signin_page_set_load_timeout       (TtsSigninPage         *self,
                                                       guint                  milliseconds);
/* Whether the load timeout is armed: only while a page is on its way. */
gboolean       tts_signin_page_get_load_timeout_armed (TtsSigninPage         *self);
/* Whether the web process is up: about:blank, loaded when the page is made, finished. */
gboolean       tts_signin_page_get_prepared           (TtsSigninPage         *self);
/* How many navigations the view refused to load, since it was made. */
guint          tts_signin_page_get_refused_count      (TtsSigninPage         *self);
/* How many downloads the view refused (answers to save rather than show, and downloads
 * that started anyway), and how many permission requests it denied, since it was made. */
guint          tts_signin_page_get_downloads_refused  (TtsSigninPage         *self);
guint          tts_signin_page_get_permissions_denied (TtsSigninPage         *self);

/* The other ways in, beside the view: the user's browser, the copied link, paste-back. */
GtkButton     *tts_signin_page_get_browser_button     (TtsSigninPage         *self);
GtkButton     *tts_signin_page_get_copy_button        (TtsSigninPage         *self);
GtkButton     *tts_signin_page_get_more_time_button   (TtsSigninPage         *self);
/* "Waiting until 14:05", from the flow's "wait-deadline". */
const char    *tts_signin_page_get_deadline_text      (TtsSigninPage         *self);
gboolean       tts_signin_page_get_paste_revealed     (TtsSigninPage         *self);
GtkEditable   *tts_signin_page_get_paste_entry        (TtsSigninPage         *self);
GtkButton     *tts_signin_page_get_continue_button    (TtsSigninPage         *self);
/* What the page says under the pasted address, or NULL when it says nothing. */
const char    *tts_signin_page_get_paste_error        (TtsSigninPage         *self);
/* Why the browser cannot return by itself, as the page says it, or NULL when it can. */
const char    *tts_signin_page_get_listener_problem   (TtsSigninPage         *self);
/* How many times an answer from a browser outside brought the window to the front. */
guint          tts_signin_page_get_presented_count    (TtsSigninPage         *self);

G_END_DECLS

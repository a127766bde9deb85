/* tts-test-browser.h: a scripted web browser for the "Use my web browser" path
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Plays the user's browser over real HTTP, with a session of its own: opens
 * @authorize_uri, then on each page with a form fills it as a person would (the username,
 * password and two-factor code go into the fields made for them, hidden inputs are kept)
 * and submits it, clicking Authorize when @allow, else Deny, and follows every redirect,
 * wherever it leads (the redirect listener on this computer included). It stops on the
 * first page without a form, or when a form it already sent comes back (a refused
 * password or code): that page is the result. Any URI may be given, not only an
 * authorization page: a URI without forms is just loaded. */
void   tts_test_browser_follow_async  (const char           *authorize_uri,
                                       const char           *username,
                                       const char           *password,
                                       const char           *otp,
                                       gboolean              allow,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
/* The last page's body (NUL-terminated), its status and its URI. Fails only when the
 * journey could not go on: a network error, too many redirects or forms, or a page with
 * a form it cannot submit. */
char  *tts_test_browser_follow_finish (GAsyncResult         *result,
                                       guint                *out_status,
                                       char                **out_final_uri,
                                       GError              **error);

G_END_DECLS

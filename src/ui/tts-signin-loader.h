/* tts-signin-loader.h: the sign-in page, loaded with WebKit once the window shows
 *
 * WebKit and the hundred-odd libraries it needs take longer to load than the rest of the
 * program to start. The sign-in page therefore lives in a module of its own, which a worker
 * thread loads while the user reads the first page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The directory of the module, for running from the build tree. */
#define TTS_SIGNIN_MODULE_DIR_VARIABLE "TASTYTRADE_SETUP_MODULE_DIR"

/* Finishes with the GType of the page (a TtsPage with a "flow" property); the module is
 * loaded once per process. On failure, a TTS_ERROR_INSTALLATION error. */
void  tts_signin_loader_load_async  (GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
GType tts_signin_loader_load_finish (GAsyncResult         *result,
                                     GError              **error);

/* For tests that link the page in: @type is used and no module is loaded. */
void  tts_signin_loader_set_builtin_type (GType type);

G_END_DECLS

/* tts-credentials-page-private.h: for the tests that drive the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-credentials-page.h"

G_BEGIN_DECLS

GtkEditable *tts_credentials_page_get_client_id_row     (TtsCredentialsPage *self);
GtkEditable *tts_credentials_page_get_client_secret_row (TtsCredentialsPage *self);
GtkEditable *tts_credentials_page_get_refresh_token_row (TtsCredentialsPage *self);
/* The sentence that says why the page is not complete, or NULL. */
const char  *tts_credentials_page_get_problem           (TtsCredentialsPage *self);
gboolean     tts_credentials_page_get_secrets_exist     (TtsCredentialsPage *self);
/* Whether the folder chooser is open (until the page has its answer). */
gboolean     tts_credentials_page_get_choosing          (TtsCredentialsPage *self);

G_END_DECLS

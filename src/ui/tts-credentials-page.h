/* tts-credentials-page.h: Client ID, Client Secret, refresh token and project folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-key-set.h"
#include "tts-page.h"

G_BEGIN_DECLS

#define TTS_TYPE_CREDENTIALS_PAGE (tts_credentials_page_get_type ())

G_DECLARE_FINAL_TYPE (TtsCredentialsPage, tts_credentials_page, TTS, CREDENTIALS_PAGE, TtsPage)

void        tts_credentials_page_set_use_refresh_token (TtsCredentialsPage *self,
                                                        gboolean            use_refresh_token);
gboolean    tts_credentials_page_get_use_refresh_token (TtsCredentialsPage *self);
GFile      *tts_credentials_page_get_folder            (TtsCredentialsPage *self);
void        tts_credentials_page_set_folder            (TtsCredentialsPage *self,
                                                        GFile              *folder);
/* The texts as typed; the flow trims and checks them again. */
const char *tts_credentials_page_get_client_id         (TtsCredentialsPage *self);
const char *tts_credentials_page_get_client_secret     (TtsCredentialsPage *self);
const char *tts_credentials_page_get_refresh_token     (TtsCredentialsPage *self);
/* The names and file the user's scripts read. The file name is NULL while the one typed
 * cannot be used (the page is then not complete). */
TtsKeySet   tts_credentials_page_get_key_set           (TtsCredentialsPage *self);
void        tts_credentials_page_set_key_set           (TtsCredentialsPage *self,
                                                        TtsKeySet           key_set);
const char *tts_credentials_page_get_file_name         (TtsCredentialsPage *self);
/* NULL, "" or .secrets: .secrets, with the other name off. */
void        tts_credentials_page_set_file_name         (TtsCredentialsPage *self,
                                                        const char         *file_name);
/* Empties the secret fields once they are no longer needed. */
void        tts_credentials_page_clear_secrets         (TtsCredentialsPage *self);

/* The sign-in view cannot be loaded (@error says why): said at the top of the page, for as
 * long as the window lasts, with the way in that is left. */
void         tts_credentials_page_set_signin_unavailable (TtsCredentialsPage *self,
                                                          const GError       *error);

G_END_DECLS

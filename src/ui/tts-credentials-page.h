/* tts-credentials-page.h: Client ID, Client Secret, refresh token and project folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

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
/* Empties the secret fields once they are no longer needed. */
void        tts_credentials_page_clear_secrets         (TtsCredentialsPage *self);

G_END_DECLS

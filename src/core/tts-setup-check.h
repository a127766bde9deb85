/* tts-setup-check.h: whether the credentials saved in a .secrets file still work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-key-set.h"
#include "tts-market-check.h"
#include "tts-secrets-file.h"

G_BEGIN_DECLS

#define TTS_TYPE_SETUP_CHECK (tts_setup_check_get_type ())

G_DECLARE_FINAL_TYPE (TtsSetupCheck, tts_setup_check, TTS, SETUP_CHECK, GObject)

/* api_uri: the API base of a test or mock service, or NULL for production or the sandbox
 * as the file's TT_SANDBOX says. user_agent: the program's is tts_user_agent(). */
TtsSetupCheck  *tts_setup_check_new                  (TtsSecretsFile       *file,
                                                      const char           *api_uri,
                                                      const char           *user_agent);
/* Checks against the sandbox even when the file has no TT_SANDBOX=true (default FALSE).
 * Set before a run starts. */
void            tts_setup_check_set_force_sandbox    (TtsSetupCheck        *self,
                                                      gboolean              force_sandbox);
/* "timeout" and "retry-delay": the token client's (see tts-token-client.h). */

/* Loads the file, gets an access token with its refresh token, then reads the account list.
 * When tastytrade hands out a new refresh token on the way, it is saved into the file first
 * (the file's key set and sandbox are set to what was found in it; the previous content
 * becomes its backup). Fails with a TtsError whose message says why, naming the file; see
 * tts_setup_check_exit_status(). One run at a time: a second one while the first runs fails
 * with TTS_ERROR_FAILED. Never logs a secret. */
void            tts_setup_check_run_async            (TtsSetupCheck        *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean        tts_setup_check_run_finish           (TtsSetupCheck        *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* (transfer none) */
TtsSecretsFile *tts_setup_check_get_file             (TtsSetupCheck        *self);

/* Results, valid after a successful run. The accounts hold TtsAccount (transfer none). */
GListModel     *tts_setup_check_get_accounts         (TtsSetupCheck        *self);
/* Whether the credentials were checked against the sandbox. */
gboolean        tts_setup_check_get_sandbox          (TtsSetupCheck        *self);
/* The names the credentials were found under. */
TtsKeySet       tts_setup_check_get_key_set          (TtsSetupCheck        *self);
/* TRUE when tastytrade handed out a new refresh token and it was saved into the file; also
 * after a run that failed later, on reading the accounts. */
gboolean        tts_setup_check_get_token_renewed    (TtsSetupCheck        *self);

/* What the checked token reads of market data, after a successful run: it starts with the
 * run's access token. */
TtsMarketCheck *tts_setup_check_new_market_check     (TtsSetupCheck        *self);

/* For a command line: 0 when @error is NULL, 1 when tastytrade rejected the credentials
 * (TTS_ERROR_INVALID_GRANT, _INVALID_CLIENT, _FORBIDDEN), 2 for anything else. */
int             tts_setup_check_exit_status          (const GError         *error);

G_END_DECLS

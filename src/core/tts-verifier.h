/* tts-verifier.h: proves a refresh token by reading the accounts, and saves it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-secrets-file.h"
#include "tts-token-client.h"

G_BEGIN_DECLS

/* When the file is written. */
typedef enum
{
  /* The wizard: once the accounts are read, never before, with the refresh token that
   * works now. */
  TTS_VERIFIER_SAVE_VERIFIED,
  /* A saved setup: only a refresh token tastytrade hands out in place of the given one,
   * at once, before the accounts are read (the old one may stop working). */
  TTS_VERIFIER_SAVE_RENEWED,
} TtsVerifierSave;

typedef enum
{
  TTS_VERIFIER_STEP_IDLE,
  TTS_VERIFIER_STEP_REFRESHING,     /* refresh token → access token */
  TTS_VERIFIER_STEP_LISTING,        /* access token → accounts */
  TTS_VERIFIER_STEP_SAVING,         /* writing the file */
  TTS_VERIFIER_STEP_DONE,
} TtsVerifierStep;

#define TTS_TYPE_VERIFIER (tts_verifier_get_type ())

G_DECLARE_FINAL_TYPE (TtsVerifier, tts_verifier, TTS, VERIFIER, GObject)

/* Calls go through @client. @file is where a save goes, with its key set and sandbox
 * already set (tts_secrets_file_set_key_set(), _set_sandbox()). */
TtsVerifier     *tts_verifier_new               (TtsTokenClient       *client,
                                                 TtsSecretsFile       *file,
                                                 TtsVerifierSave       save);
/* Refreshes, reads the account list and saves as the verifier's TtsVerifierSave says.
 * @client_id may be NULL (tastyware's names have none): it is then neither sent nor
 * written. A verifier runs once. Never logs a secret. */
void             tts_verifier_run_async         (TtsVerifier          *self,
                                                 const char           *client_id,
                                                 const char           *client_secret,
                                                 const char           *refresh_token,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
/* The accounts the token reads (TtsAccount), or NULL with the error of the step that
 * failed, which tts_verifier_get_step() still says. */
GPtrArray       *tts_verifier_run_finish        (TtsVerifier          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* The step under way, or the one the run ended in ("step" notifies). */
TtsVerifierStep  tts_verifier_get_step          (TtsVerifier          *self);
/* The refresh token that works now: the one given, or the one tastytrade handed out in
 * its place. NULL before the run. */
const char      *tts_verifier_get_refresh_token (TtsVerifier          *self);
/* TRUE once tastytrade handed out a new refresh token and the file holds it; also when a
 * later step failed. */
gboolean         tts_verifier_get_token_renewed (TtsVerifier          *self);
/* The access token that read the accounts, for the calls that follow (TtsMarketCheck), and
 * in *@expires_at when it runs out (g_get_monotonic_time(), 0 when tastytrade did not say).
 * NULL until the accounts were read. */
const char      *tts_verifier_get_access_token  (TtsVerifier          *self,
                                                 gint64               *expires_at);

G_END_DECLS

/* tts-flow.h: the state machine from credentials to a verified, saved refresh token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-environment.h"
#include "tts-key-set.h"
#include "tts-market-check.h"

G_BEGIN_DECLS

/* How long the flow waits for the redirect before it gives up, unless extended. */
#define TTS_FLOW_WAIT_SECONDS (5 * 60)

typedef enum
{
  TTS_FLOW_STATE_IDLE,          /* collecting credentials */
  TTS_FLOW_STATE_AUTHORIZING,   /* the sign-in page is up; waiting for the redirect */
  TTS_FLOW_STATE_EXCHANGING,    /* code → tokens */
  TTS_FLOW_STATE_VERIFYING,     /* refresh → access token → accounts */
  TTS_FLOW_STATE_SAVING,        /* writing .secrets */
  TTS_FLOW_STATE_DONE,
  TTS_FLOW_STATE_FAILED,        /* see tts_flow_get_error() */
} TtsFlowState;

#define TTS_TYPE_FLOW (tts_flow_get_type ())

G_DECLARE_FINAL_TYPE (TtsFlow, tts_flow, TTS, FLOW, GObject)

/* user_agent: the program's is tts_user_agent(). */
TtsFlow         *tts_flow_new                     (TtsEnvironment  *environment,
                                                   const char      *user_agent);
TtsFlowState     tts_flow_get_state               (TtsFlow         *self);
/* The reason of TTS_FLOW_STATE_FAILED, else NULL. */
const GError    *tts_flow_get_error               (TtsFlow         *self);
TtsEnvironment  *tts_flow_get_environment         (TtsFlow         *self);
/* Only while no sign-in is under way (idle, done or failed). */
void             tts_flow_set_environment         (TtsFlow         *self,
                                                   TtsEnvironment  *environment);

/* The names and file a save writes (default: the fetcher's names in .secrets). Only while no
 * sign-in is under way. @file_name must pass tts_secrets_file_name_is_valid(). */
void             tts_flow_set_file_format         (TtsFlow         *self,
                                                   TtsKeySet        key_set,
                                                   const char      *file_name);
TtsKeySet        tts_flow_get_key_set             (TtsFlow         *self);
const char      *tts_flow_get_file_name           (TtsFlow         *self);

/* Checks the values, opens the redirect listener and moves to AUTHORIZING, where
 * "authorize-uri" is the page to show. The listener failing is not fatal: the embedded
 * view still hands the redirect over with tts_flow_handle_navigation(). */
gboolean         tts_flow_begin_authorization     (TtsFlow         *self,
                                                   const char      *client_id,
                                                   const char      *client_secret,
                                                   GFile           *folder,
                                                   GError         **error);
/* The second way in: a refresh token made with Create Grant goes straight to VERIFYING. */
gboolean         tts_flow_begin_with_refresh_token (TtsFlow        *self,
                                                    const char     *client_id,
                                                    const char     *client_secret,
                                                    const char     *refresh_token,
                                                    GFile          *folder,
                                                    GError        **error);
const char      *tts_flow_get_authorize_uri       (TtsFlow         *self);
/* For the embedded view's decide-policy: TRUE when @uri is the redirect URI, which the view
 * never loads (even when the listener holds the port, and between attempts). While AUTHORIZING, only an answer
 * with this attempt's state counts: its code starts the exchange, its error (access_denied
 * and the like) fails the attempt. Any other (another state, none, a malformed query) is
 * ignored and the wait goes on, as on the listener: WebKitGTK does not say which frame
 * navigates, and any frame of the sign-in page can make such a navigation. */
gboolean         tts_flow_handle_navigation       (TtsFlow         *self,
                                                   const char      *uri);
/* Whether the listener alone owns the redirect port. The embedded view takes the redirect
 * itself either way (tts_flow_handle_navigation()). */
gboolean         tts_flow_get_listener_owns_port  (TtsFlow         *self);
/* Why a browser outside this window cannot hand the redirect back by itself, or NULL when
 * it can (only while AUTHORIZING): the port is taken, or shared with another program, and
 * then the message names that program where the system tells (TTS_ERROR_PORT_IN_USE); or
 * the listener failed otherwise. The embedded view and paste-back still work. */
const GError    *tts_flow_get_listener_error      (TtsFlow         *self);
/* The third way in: what the user pasted from a browser, perhaps on another computer (see
 * tts_auth_request_parse_pasted()). TRUE when the exchange started. A refusal by tastytrade
 * in it fails the flow; any other error leaves the flow waiting. Only in AUTHORIZING. */
gboolean         tts_flow_submit_pasted           (TtsFlow         *self,
                                                   const char      *text,
                                                   GError         **error);

/* While AUTHORIZING the flow waits "wait-timeout" (TTS_FLOW_WAIT_SECONDS) for the redirect,
 * then fails with TTS_ERROR_SIGN_IN_EXPIRED. "wait-deadline" is when, in g_get_real_time() microseconds
 * (0 when not waiting); extending starts the full wait again from now. */
gint64           tts_flow_get_wait_deadline       (TtsFlow         *self);
void             tts_flow_extend_wait             (TtsFlow         *self);

/* The embedded page could not be shown. */
void             tts_flow_fail                    (TtsFlow         *self,
                                                   const GError    *error);

/* Stops whatever runs, closes the listener, forgets the secrets and returns to IDLE.
 * No file is changed after this returns, unless the final rename had already happened. */
void             tts_flow_cancel                  (TtsFlow         *self);

/* Results, valid in DONE. */
GListModel      *tts_flow_get_accounts            (TtsFlow         *self);
const char      *tts_flow_get_refresh_token       (TtsFlow         *self);
GFile           *tts_flow_get_secrets_file        (TtsFlow         *self);
gboolean         tts_flow_get_backup_made         (TtsFlow         *self);
/* See tts_secrets_file_get_git_may_add(). */
gboolean         tts_flow_get_git_may_add         (TtsFlow         *self);
/* What the saved token reads of market data (only in DONE): it starts with the access token
 * that read the accounts, and checks against the flow's environment. */
TtsMarketCheck  *tts_flow_new_market_check        (TtsFlow         *self);

G_END_DECLS

/* tts-flow.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "tts-account.h"
#include "tts-auth-request.h"
#include "tts-core-enums.h"
#include "tts-credential.h"
#include "tts-error.h"
#include "tts-flow.h"
#include "tts-navigation-policy.h"
#include "tts-port-holder.h"
#include "tts-redirect-server.h"
#include "tts-timing.h"
#include "tts-secrets-file.h"
#include "tts-token-client.h"
#include "tts-verifier.h"
#include "tts-wipe.h"

struct _TtsFlow
{
  GObject            parent_instance;

  TtsEnvironment    *environment;
  char              *user_agent;
  TtsFlowState       state;
  GError            *error;

  /* One sign-in attempt; all of it goes away in reset(). */
  GCancellable      *cancellable;
  TtsAuthRequest    *request;
  TtsRedirectServer *server;
  /* Why a browser cannot hand the redirect back by itself; NULL when it can. */
  GError            *listener_error;
  TtsTokenClient    *client;
  TtsVerifier       *verifier;
  GFile             *folder;
  /* The wait for the redirect: one timer for the deadline, never a tick. */
  guint              wait_timeout_id;
  gint64             wait_deadline;   /* g_get_real_time () µs, for display; 0 when none */
  char              *client_id;
  char              *client_secret;
  char              *refresh_token;
  /* Kept into DONE for the market check, which the done page starts. */
  char              *access_token;
  gint64             access_expires_at;

  /* Results */
  GListStore        *accounts;
  TtsSecretsFile    *file;            /* what the save wrote, and how */

  /* What a save writes; fixed for the length of an attempt. */
  TtsKeySet          key_set;
  char              *file_name;

  guint              timeout_seconds;
  guint              retry_delay_ms;
  guint              wait_seconds;
};

G_DEFINE_FINAL_TYPE (TtsFlow, tts_flow, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENVIRONMENT,
  PROP_STATE,
  PROP_ERROR,
  PROP_AUTHORIZE_URI,
  PROP_WAIT_DEADLINE,
  PROP_WAIT_TIMEOUT,
  PROP_TIMEOUT,
  PROP_RETRY_DELAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (TtsFlow      *self,
           TtsFlowState  state)
{
  g_autofree char *name = NULL;

  if (self->state == state)
    return;

  /* g_enum_to_string() gives a new string each time. */
  name = g_enum_to_string (TTS_TYPE_FLOW_STATE, state);
  g_debug ("Flow state: %s", name);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
stop_listening (TtsFlow *self)
{
  if (self->server != NULL)
    tts_redirect_server_stop (self->server);
}

static void
stop_waiting (TtsFlow *self)
{
  g_clear_handle_id (&self->wait_timeout_id, g_source_remove);
  if (self->wait_deadline != 0)
    {
      self->wait_deadline = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_DEADLINE]);
    }
}

/* The verifier's copies of the secrets go with it; a run it still has ends cancelled. */
static void
drop_verifier (TtsFlow *self)
{
  if (self->verifier != NULL)
    g_signal_handlers_disconnect_by_data (self->verifier, self);
  g_clear_object (&self->verifier);
}

/* Forgets the attempt: cancels what runs, closes the listener, wipes the secrets. */
static void
reset (TtsFlow *self)
{
  gboolean had_request = self->request != NULL;

  stop_waiting (self);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->server != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->server, self);
      tts_redirect_server_stop (self->server);
      g_clear_object (&self->server);
    }

  g_clear_error (&self->listener_error);
  g_clear_object (&self->request);
  drop_verifier (self);
  g_clear_object (&self->client);
  g_clear_object (&self->folder);
  g_clear_object (&self->file);
  g_clear_pointer (&self->client_id, tts_wipe_free);
  g_clear_pointer (&self->client_secret, tts_wipe_free);
  g_clear_pointer (&self->refresh_token, tts_wipe_free);
  g_clear_pointer (&self->access_token, tts_wipe_free);
  g_clear_error (&self->error);
  g_list_store_remove_all (self->accounts);

  if (had_request)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHORIZE_URI]);
}

static void
fail (TtsFlow      *self,
      const GError *error)
{
  g_autofree char *state_name = NULL;

  g_assert (error != NULL);

  /* A cancelled step belongs to an attempt that reset() already ended. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  state_name = g_enum_to_string (TTS_TYPE_FLOW_STATE, self->state);
  g_debug ("Flow failed in state %s: %s", state_name, error->message);

  g_cancellable_cancel (self->cancellable);
  stop_listening (self);
  stop_waiting (self);
  drop_verifier (self);
  g_clear_pointer (&self->refresh_token, tts_wipe_free);

  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, TTS_FLOW_STATE_FAILED);
}

static void
tts_flow_dispose (GObject *object)
{
  TtsFlow *self = (TtsFlow *) object;

  reset (self);

  G_OBJECT_CLASS (tts_flow_parent_class)->dispose (object);
}

static void
tts_flow_finalize (GObject *object)
{
  TtsFlow *self = (TtsFlow *) object;

  g_clear_object (&self->environment);
  g_clear_object (&self->accounts);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_pointer (&self->file_name, g_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (tts_flow_parent_class)->finalize (object);
}

static void
tts_flow_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TtsFlow *self = TTS_FLOW (object);

  switch (prop_id)
    {
    case PROP_ENVIRONMENT:
      g_value_set_object (value, self->environment);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    case PROP_AUTHORIZE_URI:
      g_value_set_string (value, tts_flow_get_authorize_uri (self));
      break;

    case PROP_WAIT_DEADLINE:
      g_value_set_int64 (value, self->wait_deadline);
      break;

    case PROP_WAIT_TIMEOUT:
      g_value_set_uint (value, self->wait_seconds);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_seconds);
      break;

    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_flow_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TtsFlow *self = TTS_FLOW (object);

  switch (prop_id)
    {
    case PROP_ENVIRONMENT:
      tts_flow_set_environment (self, g_value_get_object (value));
      break;

    /* Taken by the next attempt. */
    case PROP_WAIT_TIMEOUT:
      self->wait_seconds = g_value_get_uint (value);
      break;

    case PROP_TIMEOUT:
      self->timeout_seconds = g_value_get_uint (value);
      break;

    case PROP_RETRY_DELAY:
      self->retry_delay_ms = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_flow_class_init (TtsFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tts_flow_dispose;
  object_class->finalize = tts_flow_finalize;
  object_class->get_property = tts_flow_get_property;
  object_class->set_property = tts_flow_set_property;

  properties[PROP_ENVIRONMENT] =
    g_param_spec_object ("environment", NULL, NULL,
                         TTS_TYPE_ENVIRONMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       TTS_TYPE_FLOW_STATE, TTS_FLOW_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTHORIZE_URI] =
    g_param_spec_string ("authorize-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WAIT_DEADLINE] =
    g_param_spec_int64 ("wait-deadline", NULL, NULL,
                        0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How long the sign-in is waited for, in seconds. */
  properties[PROP_WAIT_TIMEOUT] =
    g_param_spec_uint ("wait-timeout", NULL, NULL, 1, G_MAXUINT, TTS_FLOW_WAIT_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* The token client's: a request's time limit in seconds, and the pause before its one
   * retry in milliseconds. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, TTS_TOKEN_CLIENT_TIMEOUT_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, G_MAXUINT, TTS_TOKEN_CLIENT_RETRY_DELAY_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_flow_init (TtsFlow *self)
{
  self->accounts = g_list_store_new (TTS_TYPE_ACCOUNT);
  self->timeout_seconds = TTS_TOKEN_CLIENT_TIMEOUT_SECONDS;
  self->retry_delay_ms = TTS_TOKEN_CLIENT_RETRY_DELAY_MS;
  self->wait_seconds = TTS_FLOW_WAIT_SECONDS;
  self->key_set = TTS_KEY_SET_FETCHER;
  self->file_name = g_strdup (TTS_SECRETS_FILE_NAME);
}

TtsFlow *
tts_flow_new (TtsEnvironment *environment,
              const char     *user_agent)
{
  TtsFlow *self;

  g_return_val_if_fail (TTS_IS_ENVIRONMENT (environment), NULL);
  g_return_val_if_fail (user_agent != NULL, NULL);

  self = g_object_new (TTS_TYPE_FLOW, "environment", environment, NULL);
  self->user_agent = g_strdup (user_agent);

  return self;
}

TtsFlowState
tts_flow_get_state (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), TTS_FLOW_STATE_IDLE);

  return self->state;
}

const GError *
tts_flow_get_error (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->error;
}

TtsEnvironment *
tts_flow_get_environment (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->environment;
}

static gboolean
is_busy (TtsFlow *self)
{
  return self->state != TTS_FLOW_STATE_IDLE &&
         self->state != TTS_FLOW_STATE_DONE &&
         self->state != TTS_FLOW_STATE_FAILED;
}

void
tts_flow_set_environment (TtsFlow        *self,
                          TtsEnvironment *environment)
{
  g_return_if_fail (TTS_IS_FLOW (self));
  g_return_if_fail (TTS_IS_ENVIRONMENT (environment));
  g_return_if_fail (!is_busy (self));

  if (g_set_object (&self->environment, environment))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENVIRONMENT]);
}

void
tts_flow_set_file_format (TtsFlow    *self,
                          TtsKeySet   key_set,
                          const char *file_name)
{
  g_return_if_fail (TTS_IS_FLOW (self));
  g_return_if_fail (key_set < TTS_KEY_SET_N_SETS);
  g_return_if_fail (tts_secrets_file_name_is_valid (file_name, NULL));
  g_return_if_fail (!is_busy (self));

  self->key_set = key_set;
  g_free (self->file_name);
  self->file_name = g_strdup (file_name);
}

TtsKeySet
tts_flow_get_key_set (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), TTS_KEY_SET_FETCHER);

  return self->key_set;
}

const char *
tts_flow_get_file_name (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->file_name;
}

gint64
tts_flow_get_wait_deadline (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), 0);

  return self->wait_deadline;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  TtsFlow *self = user_data;
  g_autoptr(GError) error = NULL;
  guint minutes = (self->wait_seconds + 59) / 60;

  self->wait_timeout_id = 0;
  g_set_error (&error, TTS_ERROR, TTS_ERROR_SIGN_IN_EXPIRED,
               g_dngettext (GETTEXT_PACKAGE,
                            "The sign-in was not finished within %u minute, so the wait ended.",
                            "The sign-in was not finished within %u minutes, so the wait ended.",
                            minutes),
               minutes);
  fail (self, error);

  return G_SOURCE_REMOVE;
}

/* Starts, or starts over, the wait of wait_seconds from now. */
static void
wait_from_now (TtsFlow *self)
{
  g_clear_handle_id (&self->wait_timeout_id, g_source_remove);
  self->wait_timeout_id = g_timeout_add_seconds (self->wait_seconds, wait_timeout_cb, self);
  g_source_set_name_by_id (self->wait_timeout_id, "[tastytrade-setup] sign-in wait");
  self->wait_deadline = g_get_real_time () + (gint64) self->wait_seconds * G_USEC_PER_SEC;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_DEADLINE]);
}

void
tts_flow_extend_wait (TtsFlow *self)
{
  g_return_if_fail (TTS_IS_FLOW (self));

  if (self->state == TTS_FLOW_STATE_AUTHORIZING)
    wait_from_now (self);
}

/* Common start of both ways in: checks the values and prepares a fresh attempt. */
static gboolean
prepare_attempt (TtsFlow     *self,
                 const char  *client_id,
                 const char  *client_secret,
                 GFile       *folder,
                 GError     **error)
{
  g_autofree char *id = NULL;
  g_autoptr(TtsSecret) secret = NULL;

  if (is_busy (self))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_FAILED,
                           _("A sign-in is already under way."));
      return FALSE;
    }

  id = tts_credential_normalize (TTS_CREDENTIAL_CLIENT_ID, client_id, error);
  if (id == NULL)
    return FALSE;
  secret = tts_credential_normalize (TTS_CREDENTIAL_CLIENT_SECRET, client_secret, error);
  if (secret == NULL)
    return FALSE;
  if (folder == NULL)
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                           _("Choose the folder where the .secrets file goes."));
      return FALSE;
    }

  reset (self);

  self->cancellable = g_cancellable_new ();
  self->client_id = g_steal_pointer (&id);
  self->client_secret = g_steal_pointer (&secret);
  self->folder = g_object_ref (folder);
  self->client = tts_token_client_new (tts_environment_get_api_uri (self->environment),
                                       self->user_agent);
  tts_token_client_set_timeout (self->client, self->timeout_seconds);
  tts_token_client_set_retry_delay (self->client, self->retry_delay_ms);

  return TRUE;
}

static void
verify_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TtsFlow) self = user_data;
  TtsVerifier *verifier = TTS_VERIFIER (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  accounts = tts_verifier_run_finish (verifier, result, &error);

  /* The attempt was given up (reset() or fail()) while this ran. */
  if (verifier != self->verifier)
    return;

  if (accounts == NULL)
    {
      fail (self, error);
      return;
    }

  g_list_store_splice (self->accounts, 0, 0, accounts->pdata, accounts->len);
  /* Should the service ever rotate refresh tokens, the saved one is the one to show. */
  g_clear_pointer (&self->refresh_token, tts_wipe_free);
  self->refresh_token = g_strdup (tts_verifier_get_refresh_token (verifier));
  g_clear_pointer (&self->access_token, tts_wipe_free);
  self->access_token = g_strdup (tts_verifier_get_access_token (verifier, &self->access_expires_at));
  /* The secrets are now in the file; keep only what the done page shows and checks with. */
  drop_verifier (self);
  g_clear_pointer (&self->client_secret, tts_wipe_free);
  set_state (self, TTS_FLOW_STATE_DONE);
}

static void
verifier_step_cb (TtsVerifier *verifier,
                  GParamSpec  *pspec,
                  TtsFlow     *self)
{
  if (tts_verifier_get_step (verifier) == TTS_VERIFIER_STEP_SAVING)
    set_state (self, TTS_FLOW_STATE_SAVING);
}

/* Proves the refresh token (refresh, then read the accounts) before anything is written,
 * then saves it. */
static void
verify (TtsFlow *self)
{
  set_state (self, TTS_FLOW_STATE_VERIFYING);

  self->file = tts_secrets_file_new_for_name (self->folder, self->file_name);
  tts_secrets_file_set_key_set (self->file, self->key_set);
  tts_secrets_file_set_sandbox (self->file,
                                tts_environment_get_kind (self->environment) == TTS_ENVIRONMENT_SANDBOX);

  self->verifier = tts_verifier_new (self->client, self->file, TTS_VERIFIER_SAVE_VERIFIED);
  g_signal_connect (self->verifier, "notify::step", G_CALLBACK (verifier_step_cb), self);
  tts_verifier_run_async (self->verifier,
                          self->client_id,
                          self->client_secret,
                          self->refresh_token,
                          self->cancellable,
                          verify_cb,
                          g_object_ref (self));
}

static void
exchange_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TtsFlow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tokens = tts_token_client_exchange_code_finish (TTS_TOKEN_CLIENT (object), result, &error);
  if (tokens == NULL)
    {
      fail (self, error);
      return;
    }

  g_clear_pointer (&self->refresh_token, tts_wipe_free);
  self->refresh_token = g_steal_pointer (&tokens->refresh_token);
  verify (self);
}

static void
exchange (TtsFlow    *self,
          const char *code)
{
  tts_timing_mark ("redirect-received");
  /* Nothing more is expected on the port. */
  stop_listening (self);
  stop_waiting (self);
  set_state (self, TTS_FLOW_STATE_EXCHANGING);

  /* The code is short-lived and single-use: exchange it at once. */
  tts_token_client_exchange_code_async (self->client,
                                        self->client_id,
                                        self->client_secret,
                                        code,
                                        tts_auth_request_get_redirect_uri (self->request),
                                        self->cancellable,
                                        exchange_cb,
                                        g_object_ref (self));
}

static gboolean
redirect_cb (TtsRedirectServer *server,
             const char        *query,
             TtsFlow           *self)
{
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) error = NULL;

  if (self->state != TTS_FLOW_STATE_AUTHORIZING)
    return FALSE;

  switch (tts_auth_request_parse_query (self->request, query, &code, &error))
    {
    case TTS_REDIRECT_CODE:
      exchange (self, code);
      return TRUE;

    case TTS_REDIRECT_REJECTED:
      /* Anyone on this computer can knock on the port: only a redirect that carries our
       * state may end the wait. */
      if (g_error_matches (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH))
        {
          g_debug ("Ignored a request on the redirect port: %s", error->message);
          return FALSE;
        }
      fail (self, error);
      return FALSE;

    case TTS_REDIRECT_NOT_OURS:
    default:
      return FALSE;
    }
}

/* Names the program on the port where the system tells (same user, no sandbox between). */
static GError *
describe_listener_error (TtsFlow *self,
                         GError  *error)
{
  guint port = tts_environment_get_redirect_port (self->environment);
  g_autoptr(TtsPortHolder) holder = NULL;

  if (error != NULL && !g_error_matches (error, TTS_ERROR, TTS_ERROR_PORT_IN_USE))
    return error;

  /* Sharing the port, the listener would find itself. */
  holder = tts_port_holder_find (port, (guint) getpid ());
  g_clear_error (&error);
  if (holder != NULL && holder->name != NULL)
    /* Translators: %u is a port number, %s a program's name, %u its process ID */
    return g_error_new (TTS_ERROR, TTS_ERROR_PORT_IN_USE,
                        _("Port %u of this computer is in use by %s (process %u)."),
                        port, holder->name, holder->pid);

  return g_error_new (TTS_ERROR, TTS_ERROR_PORT_IN_USE,
                      _("Another program on this computer is using port %u."), port);
}

gboolean
tts_flow_begin_authorization (TtsFlow     *self,
                              const char  *client_id,
                              const char  *client_secret,
                              GFile       *folder,
                              GError     **error)
{
  g_autoptr(GError) listen_error = NULL;

  g_return_val_if_fail (TTS_IS_FLOW (self), FALSE);

  if (!prepare_attempt (self, client_id, client_secret, folder, error))
    return FALSE;

  self->request = tts_auth_request_new (self->environment, self->client_id, error);
  if (self->request == NULL)
    {
      reset (self);
      return FALSE;
    }

  self->server = tts_redirect_server_new (tts_environment_get_redirect_port (self->environment));
  g_signal_connect (self->server, "redirect", G_CALLBACK (redirect_cb), self);
  if (!tts_redirect_server_start (self->server, &listen_error))
    {
      g_debug ("The embedded view will catch the redirect itself: %s", listen_error->message);
      self->listener_error = describe_listener_error (self, g_steal_pointer (&listen_error));
    }
  else if (!tts_redirect_server_get_owns_port (self->server))
    {
      /* A browser may reach the other program on the other loopback address. */
      self->listener_error = describe_listener_error (self, NULL);
    }

  set_state (self, TTS_FLOW_STATE_AUTHORIZING);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHORIZE_URI]);
  wait_from_now (self);

  return TRUE;
}

gboolean
tts_flow_begin_with_refresh_token (TtsFlow     *self,
                                   const char  *client_id,
                                   const char  *client_secret,
                                   const char  *refresh_token,
                                   GFile       *folder,
                                   GError     **error)
{
  g_autoptr(TtsSecret) token = NULL;

  g_return_val_if_fail (TTS_IS_FLOW (self), FALSE);

  token = tts_credential_normalize (TTS_CREDENTIAL_REFRESH_TOKEN, refresh_token, error);
  if (token == NULL)
    return FALSE;

  if (!prepare_attempt (self, client_id, client_secret, folder, error))
    return FALSE;

  self->refresh_token = g_steal_pointer (&token);
  verify (self);

  return TRUE;
}

const char *
tts_flow_get_authorize_uri (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->request != NULL ? tts_auth_request_get_uri (self->request) : NULL;
}

const GError *
tts_flow_get_listener_error (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->state == TTS_FLOW_STATE_AUTHORIZING ? self->listener_error : NULL;
}

gboolean
tts_flow_get_listener_owns_port (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), FALSE);

  return self->server != NULL &&
         tts_redirect_server_is_listening (self->server) &&
         tts_redirect_server_get_owns_port (self->server);
}

gboolean
tts_flow_handle_navigation (TtsFlow    *self,
                            const char *uri)
{
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (TTS_IS_FLOW (self), TRUE);

  /* Between attempts there is no request, but the redirect URI is the environment's all the
   * same: a late navigation there (a script or a frame of the page still on screen) must not
   * reach whatever else listens on the port. */
  if (self->request == NULL)
    {
      g_autoptr(GUri) redirect = g_uri_parse (tts_environment_get_redirect_uri (self->environment),
                                              G_URI_FLAGS_NONE, NULL);

      return redirect != NULL && tts_navigation_policy_is_redirect (redirect, uri);
    }

  if (!tts_auth_request_is_redirect (self->request, uri))
    return FALSE;

  /* Once the code is in hand nothing needs to load the redirect URI again. */
  if (self->state != TTS_FLOW_STATE_AUTHORIZING)
    return TRUE;

  /* The view hands the code over itself, whoever holds the port: another program must
   * never get it, and the code need not travel through a socket (nor the window repaint for
   * the listener's page) before the exchange. */
  switch (tts_auth_request_parse_redirect (self->request, uri, &code, &error))
    {
    case TTS_REDIRECT_CODE:
      exchange (self, code);
      break;

    case TTS_REDIRECT_REJECTED:
      /* WebKitGTK does not say which frame navigates: a frame of another site on the
       * sign-in page can send its own answer here. Only one carrying our state may end the
       * attempt (tastytrade's refusal, or a broken answer); the rest is ignored, as the
       * listener ignores it. */
      if (g_error_matches (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH))
        g_debug ("Ignored a navigation to the redirect URI: %s", error->message);
      else
        fail (self, error);
      break;

    case TTS_REDIRECT_NOT_OURS:
    default:
      g_assert_not_reached ();
    }

  return TRUE;
}

gboolean
tts_flow_submit_pasted (TtsFlow     *self,
                        const char  *text,
                        GError     **error)
{
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (TTS_IS_FLOW (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state != TTS_FLOW_STATE_AUTHORIZING)
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_FAILED,
                           _("No sign-in is waiting for an address now."));
      return FALSE;
    }

  if (tts_auth_request_parse_pasted (self->request, text, &code, &local_error) == TTS_REDIRECT_CODE)
    {
      exchange (self, code);
      return TRUE;
    }

  /* tastytrade's own refusal ends the attempt, as from the browser; a typo or another
   * sign-in's address leaves the wait as it was. */
  if (g_error_matches (local_error, TTS_ERROR, TTS_ERROR_ACCESS_DENIED) ||
      g_error_matches (local_error, TTS_ERROR, TTS_ERROR_AUTHORIZATION_FAILED))
    fail (self, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));

  return FALSE;
}

void
tts_flow_fail (TtsFlow      *self,
               const GError *error)
{
  g_return_if_fail (TTS_IS_FLOW (self));
  g_return_if_fail (error != NULL);

  if (is_busy (self))
    fail (self, error);
}

void
tts_flow_cancel (TtsFlow *self)
{
  g_return_if_fail (TTS_IS_FLOW (self));

  reset (self);
  set_state (self, TTS_FLOW_STATE_IDLE);
}

GListModel *
tts_flow_get_accounts (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return G_LIST_MODEL (self->accounts);
}

const char *
tts_flow_get_refresh_token (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->state == TTS_FLOW_STATE_DONE ? self->refresh_token : NULL;
}

GFile *
tts_flow_get_secrets_file (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);

  return self->state == TTS_FLOW_STATE_DONE ? tts_secrets_file_get_file (self->file) : NULL;
}

gboolean
tts_flow_get_backup_made (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), FALSE);

  return self->state == TTS_FLOW_STATE_DONE && tts_secrets_file_get_backup_made (self->file);
}

gboolean
tts_flow_get_git_may_add (TtsFlow *self)
{
  g_return_val_if_fail (TTS_IS_FLOW (self), FALSE);

  return self->state == TTS_FLOW_STATE_DONE && tts_secrets_file_get_git_may_add (self->file);
}

TtsMarketCheck *
tts_flow_new_market_check (TtsFlow *self)
{
  TtsEnvironmentKind kind;
  TtsMarketCheck *check;

  g_return_val_if_fail (TTS_IS_FLOW (self), NULL);
  g_return_val_if_fail (self->state == TTS_FLOW_STATE_DONE, NULL);

  kind = tts_environment_get_kind (self->environment);
  check = tts_market_check_new (self->file,
                                tts_environment_get_api_uri (self->environment),
                                self->user_agent,
                                kind == TTS_ENVIRONMENT_SANDBOX);
  /* Within the market check's ranges, which are the token client's. */
  g_object_set (check,
                "timeout", MIN (self->timeout_seconds, G_MAXUINT / 1000),
                "retry-delay", MIN (self->retry_delay_ms, G_MAXUINT >> 2),
                NULL);
  tts_market_check_set_access_token (check, self->access_token, self->access_expires_at);

  return check;
}

/* tts-setup-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tts-account.h"
#include "tts-environment.h"
#include "tts-error.h"
#include "tts-market-check.h"
#include "tts-setup-check-private.h"
#include "tts-token-client.h"
#include "tts-verifier.h"
#include "tts-wipe.h"

struct _TtsSetupCheck
{
  GObject         parent_instance;

  TtsSecretsFile *file;
  char           *api_uri;
  char           *user_agent;
  gboolean        force_sandbox;
  guint           timeout_seconds;
  guint           retry_delay_ms;
  gboolean        running;

  /* Results */
  GListStore     *accounts;
  gboolean        sandbox;
  TtsKeySet       key_set;
  gboolean        token_renewed;
  char           *checked_api_uri;
  char           *access_token;      /* wiped */
  gint64          access_expires_at;
};

G_DEFINE_FINAL_TYPE (TtsSetupCheck, tts_setup_check, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_API_URI,
  PROP_USER_AGENT,
  PROP_TIMEOUT,
  PROP_RETRY_DELAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One run, from the file to the accounts. */
typedef struct
{
  TtsStoredCredentials *credentials;      /* wipes itself */
  gboolean              sandbox;
  char                 *api_uri;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->credentials, tts_stored_credentials_free);
  g_free (run->api_uri);
  g_free (run);
}

/* Messages */

/* The file as the user named it, for sentences. */
static char *
dup_file_name (TtsSetupCheck *self)
{
  return g_file_get_parse_name (tts_secrets_file_get_file (self->file));
}

/* The token client's sentences are written for the wizard, where the user just typed or
 * pasted the values. Here they come from a file the user's scripts read: say so. */
static GError *
describe_refresh_error (TtsSetupCheck *self,
                        Run           *run,
                        GError        *error)
{
  g_autofree char *name = NULL;
  GError *described;

  if (error->domain != TTS_ERROR)
    return error;

  name = dup_file_name (self);

  switch ((TtsErrorCode) error->code)
    {
    case TTS_ERROR_INVALID_GRANT:
      described = g_error_new (TTS_ERROR, TTS_ERROR_INVALID_GRANT,
                               /* Translators: %s is a file, such as /home/me/project/.secrets */
                               _("tastytrade no longer accepts the refresh token in %s: its grant "
                                 "was deleted, or the client secret was regenerated."),
                               name);
      break;

    case TTS_ERROR_INVALID_CLIENT:
      if (!run->sandbox)
        described = g_error_new (TTS_ERROR, TTS_ERROR_INVALID_CLIENT,
                                 /* Translators: %s is a file, such as /home/me/project/.secrets */
                                 _("tastytrade’s production service did not accept the client ID "
                                   "or client secret in %s. They may be mistyped or out of date, "
                                   "or made for the sandbox: the file has no TT_SANDBOX=true, so "
                                   "production was checked."),
                                 name);
      else if (run->credentials->sandbox)
        described = g_error_new (TTS_ERROR, TTS_ERROR_INVALID_CLIENT,
                                 /* Translators: %s is a file, such as /home/me/project/.secrets */
                                 _("tastytrade’s sandbox did not accept the client ID or client "
                                   "secret in %s. They may be mistyped or out of date, or made "
                                   "for production: the file says TT_SANDBOX=true, so the sandbox "
                                   "was checked."),
                                 name);
      else
        /* Checked against the sandbox because the caller said so. */
        described = g_error_new (TTS_ERROR, TTS_ERROR_INVALID_CLIENT,
                                 /* Translators: %s is a file, such as /home/me/project/.secrets */
                                 _("tastytrade’s sandbox did not accept the client ID or client "
                                   "secret in %s. They may be mistyped or out of date, or made "
                                   "for production."),
                                 name);
      break;

    default:
      return error;
    }

  g_error_free (error);
  return described;
}

static GError *
describe_save_error (TtsSetupCheck *self,
                     GError        *error)
{
  g_autofree char *name = NULL;
  GError *described;

  if (error->domain != TTS_ERROR)
    return error;

  name = dup_file_name (self);
  described = g_error_new (TTS_ERROR, error->code,
                           /* Translators: %s is a file, such as /home/me/project/.secrets;
                            * the last %s, a sentence, says why it could not be written. */
                           _("tastytrade handed out a new refresh token, but it could not be "
                             "saved, so the one in %s may no longer work. %s"),
                           name, error->message);
  g_error_free (error);

  return described;
}

/* Steps */

static void
fail (GTask  *task,
      GError *error)
{
  TtsSetupCheck *self = g_task_get_source_object (task);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Setup check failed: %s", error->message);

  self->running = FALSE;
  g_task_return_error (task, error);
}

static void
verify_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TtsSetupCheck *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  TtsVerifier *verifier = TTS_VERIFIER (object);
  g_autoptr(GPtrArray) accounts = NULL;
  GError *error = NULL;

  accounts = tts_verifier_run_finish (verifier, result, &error);
  /* A new token in the file stays there, whatever came after. */
  self->token_renewed = tts_verifier_get_token_renewed (verifier);
  if (accounts == NULL)
    {
      if (tts_verifier_get_step (verifier) == TTS_VERIFIER_STEP_REFRESHING)
        error = describe_refresh_error (self, run, error);
      else if (tts_verifier_get_step (verifier) == TTS_VERIFIER_STEP_SAVING)
        error = describe_save_error (self, error);
      fail (task, error);
      return;
    }

  g_debug ("The saved setup reads %u account(s)", accounts->len);

  g_list_store_splice (self->accounts, 0, g_list_model_get_n_items (G_LIST_MODEL (self->accounts)),
                       accounts->pdata, accounts->len);
  self->sandbox = run->sandbox;
  self->key_set = run->credentials->key_set;
  g_free (self->checked_api_uri);
  self->checked_api_uri = g_strdup (run->api_uri);
  g_clear_pointer (&self->access_token, tts_wipe_free);
  self->access_token = g_strdup (tts_verifier_get_access_token (verifier, &self->access_expires_at));
  self->running = FALSE;

  g_task_return_boolean (task, TRUE);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TtsSetupCheck *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(TtsTokenClient) client = NULL;
  g_autoptr(TtsVerifier) verifier = NULL;
  TtsStoredCredentials *credentials;
  GError *error = NULL;

  run->credentials = tts_secrets_file_load_finish (TTS_SECRETS_FILE (object), result, &error);
  if (run->credentials == NULL)
    {
      fail (task, error);
      return;
    }
  credentials = run->credentials;

  run->sandbox = credentials->sandbox || self->force_sandbox;
  environment = tts_environment_new (run->sandbox ? TTS_ENVIRONMENT_SANDBOX
                                                  : TTS_ENVIRONMENT_PRODUCTION,
                                     NULL, self->api_uri, NULL, &error);
  if (environment == NULL)
    {
      fail (task, error);
      return;
    }

  g_debug ("Checking the saved setup (%s names, %s)",
           tts_key_set_to_string (credentials->key_set), run->sandbox ? "sandbox" : "production");

  run->api_uri = g_strdup (tts_environment_get_api_uri (environment));
  client = tts_token_client_new (run->api_uri, self->user_agent);
  tts_token_client_set_timeout (client, self->timeout_seconds);
  tts_token_client_set_retry_delay (client, self->retry_delay_ms);

  /* The old token may stop working once a new one is out: the new one goes back into the
   * file at once, under the names and with the marker the file had. */
  tts_secrets_file_set_key_set (self->file, credentials->key_set);
  tts_secrets_file_set_sandbox (self->file, credentials->sandbox);
  verifier = tts_verifier_new (client, self->file, TTS_VERIFIER_SAVE_RENEWED);

  /* tastyware's names have no client ID; it is optional on a refresh. */
  tts_verifier_run_async (verifier,
                          credentials->client_id,
                          credentials->client_secret,
                          credentials->refresh_token,
                          g_task_get_cancellable (task),
                          verify_cb,
                          g_object_ref (task));
}

/* GObject */

static void
tts_setup_check_finalize (GObject *object)
{
  TtsSetupCheck *self = (TtsSetupCheck *) object;

  g_clear_object (&self->file);
  g_clear_object (&self->accounts);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_pointer (&self->checked_api_uri, g_free);
  g_clear_pointer (&self->access_token, tts_wipe_free);

  G_OBJECT_CLASS (tts_setup_check_parent_class)->finalize (object);
}

static void
tts_setup_check_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TtsSetupCheck *self = TTS_SETUP_CHECK (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    case PROP_API_URI:
      g_value_set_string (value, self->api_uri);
      break;

    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
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
tts_setup_check_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TtsSetupCheck *self = TTS_SETUP_CHECK (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;

    case PROP_API_URI:
      self->api_uri = g_value_dup_string (value);
      break;

    case PROP_USER_AGENT:
      self->user_agent = g_value_dup_string (value);
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
tts_setup_check_class_init (TtsSetupCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_setup_check_finalize;
  object_class->get_property = tts_setup_check_get_property;
  object_class->set_property = tts_setup_check_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         TTS_TYPE_SECRETS_FILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_API_URI] =
    g_param_spec_string ("api-uri", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

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
tts_setup_check_init (TtsSetupCheck *self)
{
  self->accounts = g_list_store_new (TTS_TYPE_ACCOUNT);
  self->timeout_seconds = TTS_TOKEN_CLIENT_TIMEOUT_SECONDS;
  self->retry_delay_ms = TTS_TOKEN_CLIENT_RETRY_DELAY_MS;
  self->key_set = TTS_KEY_SET_FETCHER;
}

TtsSetupCheck *
tts_setup_check_new (TtsSecretsFile *file,
                     const char     *api_uri,
                     const char     *user_agent)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (file), NULL);
  g_return_val_if_fail (user_agent != NULL, NULL);

  return g_object_new (TTS_TYPE_SETUP_CHECK,
                       "file", file,
                       "api-uri", api_uri,
                       "user-agent", user_agent,
                       NULL);
}

void
tts_setup_check_set_force_sandbox (TtsSetupCheck *self,
                                   gboolean       force_sandbox)
{
  g_return_if_fail (TTS_IS_SETUP_CHECK (self));

  self->force_sandbox = !!force_sandbox;
}

void
tts_setup_check_run_async (TtsSetupCheck       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TTS_IS_SETUP_CHECK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tts_setup_check_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, TTS_ERROR, TTS_ERROR_FAILED, "%s",
                               _("A check is already under way."));
      return;
    }

  /* Results of an earlier run do not outlive the start of the next one. */
  g_list_store_remove_all (self->accounts);
  self->sandbox = FALSE;
  self->key_set = TTS_KEY_SET_FETCHER;
  self->token_renewed = FALSE;

  self->running = TRUE;
  g_task_set_task_data (task, g_new0 (Run, 1), (GDestroyNotify) run_free);
  tts_secrets_file_load_async (self->file, cancellable, load_cb, g_object_ref (task));
}

gboolean
tts_setup_check_run_finish (TtsSetupCheck  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tts_setup_check_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

TtsSecretsFile *
tts_setup_check_get_file (TtsSetupCheck *self)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), NULL);

  return self->file;
}

GListModel *
tts_setup_check_get_accounts (TtsSetupCheck *self)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), NULL);

  return G_LIST_MODEL (self->accounts);
}

gboolean
tts_setup_check_get_sandbox (TtsSetupCheck *self)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), FALSE);

  return self->sandbox;
}

TtsKeySet
tts_setup_check_get_key_set (TtsSetupCheck *self)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), TTS_KEY_SET_FETCHER);

  return self->key_set;
}

gboolean
tts_setup_check_get_token_renewed (TtsSetupCheck *self)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), FALSE);

  return self->token_renewed;
}

int
tts_setup_check_exit_status (const GError *error)
{
  if (error == NULL)
    return 0;

  if (g_error_matches (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT)
      || g_error_matches (error, TTS_ERROR, TTS_ERROR_INVALID_CLIENT)
      || g_error_matches (error, TTS_ERROR, TTS_ERROR_FORBIDDEN))
    return 1;

  return 2;
}

const char *
tts_setup_check_get_access_token (TtsSetupCheck *self,
                                  gint64        *expires_at)
{
  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), NULL);

  if (expires_at != NULL)
    *expires_at = self->access_expires_at;

  return self->access_token;
}

TtsMarketCheck *
tts_setup_check_new_market_check (TtsSetupCheck *self)
{
  TtsMarketCheck *check;

  g_return_val_if_fail (TTS_IS_SETUP_CHECK (self), NULL);
  g_return_val_if_fail (self->access_token != NULL, NULL);

  check = tts_market_check_new (self->file, self->checked_api_uri, self->user_agent, self->sandbox);
  /* Within the market check's ranges, which are the token client's. */
  g_object_set (check,
                "timeout", MIN (self->timeout_seconds, G_MAXUINT / 1000),
                "retry-delay", MIN (self->retry_delay_ms, G_MAXUINT >> 2),
                NULL);
  tts_market_check_set_access_token (check, self->access_token, self->access_expires_at);

  return check;
}

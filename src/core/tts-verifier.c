/* tts-verifier.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-core-enums.h"
#include "tts-verifier.h"
#include "tts-wipe.h"

struct _TtsVerifier
{
  GObject          parent_instance;

  TtsTokenClient  *client;
  TtsSecretsFile  *file;
  TtsVerifierSave  save;
  TtsVerifierStep  step;

  /* Results */
  char            *refresh_token;   /* wiped */
  gboolean         token_renewed;
  char            *access_token;    /* wiped; the one that read the accounts */
  gint64           access_expires_at;
};

G_DEFINE_FINAL_TYPE (TtsVerifier, tts_verifier, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STEP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What the steps of the run hand on. */
typedef struct
{
  char      *client_id;       /* wiped, as everywhere else */
  char      *client_secret;   /* wiped */
  char      *access_token;    /* wiped */
  gint64     expires_at;      /* of the access token, monotonic; 0 when not said */
  gboolean   renewed;         /* tastytrade handed out a new refresh token */
  GPtrArray *accounts;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->client_id, tts_wipe_free);
  g_clear_pointer (&run->client_secret, tts_wipe_free);
  g_clear_pointer (&run->access_token, tts_wipe_free);
  g_clear_pointer (&run->accounts, g_ptr_array_unref);
  g_free (run);
}

static void
set_step (TtsVerifier     *self,
          TtsVerifierStep  step)
{
  if (self->step == step)
    return;

  self->step = step;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
}

static void
finish (GTask *task)
{
  TtsVerifier *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  set_step (self, TTS_VERIFIER_STEP_DONE);
  g_task_return_pointer (task, g_steal_pointer (&run->accounts), (GDestroyNotify) g_ptr_array_unref);
}

static void list_accounts (GTask *task);

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TtsVerifier *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tts_secrets_file_save_finish (TTS_SECRETS_FILE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("Saved the refresh token");
  /* True from here, whatever a later step says. */
  self->token_renewed = run->renewed;

  if (self->save == TTS_VERIFIER_SAVE_RENEWED)
    list_accounts (task);
  else
    finish (task);
}

static void
save (GTask *task)
{
  TtsVerifier *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  set_step (self, TTS_VERIFIER_STEP_SAVING);

  /* A key set without a client ID key does not write it; the save wants a string all the
   * same. */
  tts_secrets_file_save_async (self->file,
                               run->client_id != NULL ? run->client_id : "",
                               run->client_secret,
                               self->refresh_token,
                               /* A renewed token is saved whatever happens: the one it
                                * replaced may no longer work. Otherwise, past its last
                                * cancellation point a save runs to its end. */
                               self->save == TTS_VERIFIER_SAVE_RENEWED ?
                               NULL : g_task_get_cancellable (task),
                               save_cb,
                               g_object_ref (task));
}

static void
list_accounts_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TtsVerifier *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->accounts = tts_token_client_list_accounts_finish (TTS_TOKEN_CLIENT (object), result, &error);
  if (run->accounts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("The token reads %u account(s)", run->accounts->len);
  g_clear_pointer (&self->access_token, tts_wipe_free);
  self->access_token = g_steal_pointer (&run->access_token);
  self->access_expires_at = run->expires_at;

  if (self->save == TTS_VERIFIER_SAVE_VERIFIED)
    save (task);
  else
    finish (task);
}

static void
list_accounts (GTask *task)
{
  TtsVerifier *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  set_step (self, TTS_VERIFIER_STEP_LISTING);
  tts_token_client_list_accounts_async (self->client,
                                        run->access_token,
                                        g_task_get_cancellable (task),
                                        list_accounts_cb,
                                        g_object_ref (task));
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TtsVerifier *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(TtsTokens) tokens = NULL;
  GError *error = NULL;

  tokens = tts_token_client_refresh_finish (TTS_TOKEN_CLIENT (object), result, &error);
  if (tokens == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  run->access_token = g_steal_pointer (&tokens->access_token);
  if (tokens->expires_in > 0 && tokens->expires_in < G_MAXINT32)
    run->expires_at = g_get_monotonic_time () + tokens->expires_in * G_USEC_PER_SEC;

  /* Should the service rotate refresh tokens, the new one is the one to keep. */
  if (tokens->refresh_token != NULL && strcmp (tokens->refresh_token, self->refresh_token) != 0)
    {
      g_debug ("tastytrade handed out a new refresh token");
      g_clear_pointer (&self->refresh_token, tts_wipe_free);
      self->refresh_token = g_steal_pointer (&tokens->refresh_token);
      run->renewed = TRUE;
    }

  if (self->save == TTS_VERIFIER_SAVE_RENEWED && run->renewed)
    save (task);
  else
    list_accounts (task);
}

/* GObject */

static void
tts_verifier_finalize (GObject *object)
{
  TtsVerifier *self = (TtsVerifier *) object;

  g_clear_object (&self->client);
  g_clear_object (&self->file);
  g_clear_pointer (&self->refresh_token, tts_wipe_free);
  g_clear_pointer (&self->access_token, tts_wipe_free);

  G_OBJECT_CLASS (tts_verifier_parent_class)->finalize (object);
}

static void
tts_verifier_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TtsVerifier *self = TTS_VERIFIER (object);

  switch (prop_id)
    {
    case PROP_STEP:
      g_value_set_enum (value, self->step);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_verifier_class_init (TtsVerifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_verifier_finalize;
  object_class->get_property = tts_verifier_get_property;

  properties[PROP_STEP] =
    g_param_spec_enum ("step", NULL, NULL,
                       TTS_TYPE_VERIFIER_STEP, TTS_VERIFIER_STEP_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_verifier_init (TtsVerifier *self)
{
}

TtsVerifier *
tts_verifier_new (TtsTokenClient  *client,
                  TtsSecretsFile  *file,
                  TtsVerifierSave  save)
{
  TtsVerifier *self;

  g_return_val_if_fail (TTS_IS_TOKEN_CLIENT (client), NULL);
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (file), NULL);

  self = g_object_new (TTS_TYPE_VERIFIER, NULL);
  self->client = g_object_ref (client);
  self->file = g_object_ref (file);
  self->save = save;

  return self;
}

void
tts_verifier_run_async (TtsVerifier         *self,
                        const char          *client_id,
                        const char          *client_secret,
                        const char          *refresh_token,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (TTS_IS_VERIFIER (self));
  g_return_if_fail (self->step == TTS_VERIFIER_STEP_IDLE);
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (refresh_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tts_verifier_run_async);
  /* A cancel after the file was written must not report the run as cancelled. */
  g_task_set_check_cancellable (task, FALSE);

  run = g_new0 (Run, 1);
  run->client_id = g_strdup (client_id);
  run->client_secret = g_strdup (client_secret);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  self->refresh_token = g_strdup (refresh_token);

  set_step (self, TTS_VERIFIER_STEP_REFRESHING);
  tts_token_client_refresh_async (self->client,
                                  client_id,
                                  client_secret,
                                  refresh_token,
                                  cancellable,
                                  refresh_cb,
                                  g_object_ref (task));
}

GPtrArray *
tts_verifier_run_finish (TtsVerifier   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (TTS_IS_VERIFIER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tts_verifier_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

TtsVerifierStep
tts_verifier_get_step (TtsVerifier *self)
{
  g_return_val_if_fail (TTS_IS_VERIFIER (self), TTS_VERIFIER_STEP_IDLE);

  return self->step;
}

const char *
tts_verifier_get_refresh_token (TtsVerifier *self)
{
  g_return_val_if_fail (TTS_IS_VERIFIER (self), NULL);

  return self->refresh_token;
}

gboolean
tts_verifier_get_token_renewed (TtsVerifier *self)
{
  g_return_val_if_fail (TTS_IS_VERIFIER (self), FALSE);

  return self->token_renewed;
}

const char *
tts_verifier_get_access_token (TtsVerifier *self,
                               gint64      *expires_at)
{
  g_return_val_if_fail (TTS_IS_VERIFIER (self), NULL);

  if (expires_at != NULL)
    *expires_at = self->access_expires_at;

  return self->access_token;
}

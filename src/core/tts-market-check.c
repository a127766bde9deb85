/* tts-market-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tts-dxlink-client.h"
#include "tts-error.h"
#include "tts-market-check.h"
#include "tts-setup-check-private.h"
#include "tts-token-client.h"
#include "tts-wipe.h"

/* An access token this close to its end is not used for a new call. */
#define EXPIRY_MARGIN_USEC (60 * G_USEC_PER_SEC)

struct _TtsMarketCheck
{
  GObject          parent_instance;

  TtsSecretsFile  *file;
  char            *api_uri;
  char            *user_agent;
  gboolean         sandbox;
  guint            timeout;
  guint            retry_delay;
  guint            quote_timeout;

  char            *access_token;        /* wiped */
  gint64           access_expires_at;

  /* A new access token being fetched, and the calls waiting for it (Call). */
  TtsSetupCheck   *renewal;
  GCancellable    *renewal_cancellable;
  GPtrArray       *waiting;
};

G_DEFINE_FINAL_TYPE (TtsMarketCheck, tts_market_check, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TIMEOUT,
  PROP_RETRY_DELAY,
  PROP_QUOTE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  CALL_CHAIN,
  CALL_QUOTE,
} CallKind;

/* One check, from the access token to its result. */
typedef struct
{
  CallKind  kind;
  gboolean  renewed;        /* the access token was fetched for this call: no second time */
  char     *access_token;   /* wiped; the one this call uses */
  char     *level;          /* the quote token's */
  GTask    *task;           /* weak: the task owns the call */
  GSource  *cancel_source;  /* while waiting for a renewal */
} Call;

static void
call_clear_wait (Call *call)
{
  if (call->cancel_source != NULL)
    g_source_destroy (call->cancel_source);
  g_clear_pointer (&call->cancel_source, g_source_unref);
}

static void
call_free (Call *call)
{
  call_clear_wait (call);
  g_clear_pointer (&call->access_token, tts_wipe_free);
  g_clear_pointer (&call->level, g_free);
  g_free (call);
}

/* Errors */

/* In the sandbox, a missing part of market data is what tastytrade-market-data.md expects:
 * say so instead of alarming. Network trouble stays what it is. */
static GError *
describe_error (TtsMarketCheck *self,
                GError         *error)
{
  if (!self->sandbox || error->domain != TTS_ERROR)
    return error;

  switch ((TtsErrorCode) error->code)
    {
    case TTS_ERROR_NOT_A_CUSTOMER:
    case TTS_ERROR_MARKET_DATA_NOT_GRANTED:
    case TTS_ERROR_QUOTE_TOKEN_REJECTED:
    case TTS_ERROR_NO_QUOTE:
    case TTS_ERROR_FORBIDDEN:
    case TTS_ERROR_PROTOCOL:
      g_error_free (error);
      return g_error_new_literal (TTS_ERROR, TTS_ERROR_SANDBOX_MARKET_DATA,
                                  _("tastytrade’s sandbox may have no market data, and it gave "
                                    "none here."));
    default:
      return error;
    }
}

static void
return_error (GTask  *task,
              GError *error)
{
  TtsMarketCheck *self = g_task_get_source_object (task);

  g_task_return_error (task, describe_error (self, error));
}

/* The access token */

static void start_call (GTask *task);

static gboolean
has_fresh_token (TtsMarketCheck *self)
{
  return self->access_token != NULL
         && (self->access_expires_at == 0
             || g_get_monotonic_time () < self->access_expires_at - EXPIRY_MARGIN_USEC);
}

/* Ends the wait of @call's task, which goes on (or ends) from there. */
static void
resume (Call         *call,
        const GError *error)
{
  GTask *task = call->task;

  call_clear_wait (call);

  if (g_task_return_error_if_cancelled (task))
    ;
  else if (error != NULL)
    return_error (task, g_error_copy (error));
  else
    start_call (task);

  g_object_unref (task);
}

static void
renewal_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TtsMarketCheck) self = user_data;
  TtsSetupCheck *check = TTS_SETUP_CHECK (object);
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GError) error = NULL;
  guint i;

  if (tts_setup_check_run_finish (check, result, &error))
    {
      gint64 expires_at = 0;
      const char *token = tts_setup_check_get_access_token (check, &expires_at);

      g_debug ("Market check: a new access token");
      tts_market_check_set_access_token (self, token, expires_at);
    }

  if (check != self->renewal)
    return;

  g_clear_object (&self->renewal);
  g_clear_object (&self->renewal_cancellable);
  waiting = g_steal_pointer (&self->waiting);
  self->waiting = g_ptr_array_new ();

  for (i = 0; i < waiting->len; i++)
    resume (g_ptr_array_index (waiting, i), error);
}

/* A waiting call that is cancelled returns at once; the last one stops the renewal. */
static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Call *call = user_data;
  TtsMarketCheck *self = g_task_get_source_object (call->task);

  g_clear_pointer (&call->cancel_source, g_source_unref);
  g_ptr_array_remove (self->waiting, call);
  /* Let go of it entirely: a call that comes next starts a fetch of its own, rather than
   * wait for this one's cancellation. */
  if (self->waiting->len == 0 && self->renewal != NULL)
    {
      g_cancellable_cancel (self->renewal_cancellable);
      g_clear_object (&self->renewal);
      g_clear_object (&self->renewal_cancellable);
    }

  resume (call, NULL);

  return G_SOURCE_REMOVE;
}

/* Fetches a new access token with the file's refresh token, as a check of the saved setup
 * does: it also saves a refresh token tastytrade may hand out in its place. */
static void
renew (GTask *task)
{
  TtsMarketCheck *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  call->renewed = TRUE;
  g_ptr_array_add (self->waiting, call);
  g_object_ref (task);

  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (wait_cancelled_cb), call, NULL);
      g_source_set_static_name (call->cancel_source, "[tts] market check cancel");
      g_source_attach (call->cancel_source, g_task_get_context (task));
    }

  if (self->renewal != NULL)
    return;

  g_debug ("Market check: fetching an access token");
  self->renewal = tts_setup_check_new (self->file, self->api_uri, self->user_agent);
  tts_setup_check_set_force_sandbox (self->renewal, self->sandbox);
  g_object_set (self->renewal, "timeout", self->timeout, "retry-delay", self->retry_delay, NULL);
  self->renewal_cancellable = g_cancellable_new ();
  tts_setup_check_run_async (self->renewal, self->renewal_cancellable, renewal_cb,
                             g_object_ref (self));
}

/* A refused access token is fetched anew once: it may have run out since it was checked. */
static gboolean
renew_if_refused (GTask        *task,
                  const GError *error)
{
  TtsMarketCheck *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  if (call->renewed || !g_error_matches (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT))
    return FALSE;

  /* Another call has fetched a new one since: that one is tried, without a fetch. */
  if (self->access_token != NULL && g_strcmp0 (self->access_token, call->access_token) != 0)
    {
      call->renewed = TRUE;
      start_call (task);
      return TRUE;
    }

  g_clear_pointer (&self->access_token, tts_wipe_free);
  g_clear_pointer (&call->access_token, tts_wipe_free);
  renew (task);
  return TRUE;
}

/* The calls */

static TtsTokenClient *
new_token_client (TtsMarketCheck *self)
{
  TtsTokenClient *client = tts_token_client_new (self->api_uri, self->user_agent);

  tts_token_client_set_timeout (client, self->timeout);
  tts_token_client_set_retry_delay (client, self->retry_delay);

  return client;
}

static void
chain_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(TtsOptionChain) chain = NULL;
  GError *error = NULL;

  chain = tts_token_client_get_option_chain_finish (TTS_TOKEN_CLIENT (object), result, &error);
  if (chain == NULL)
    {
      if (!renew_if_refused (task, error))
        return_error (task, error);
      else
        g_error_free (error);
      return;
    }

  g_debug ("Market check: the option chain has %u expirations", chain->n_expirations);
  g_task_return_pointer (task, g_steal_pointer (&chain), (GDestroyNotify) tts_option_chain_free);
}

static void
quote_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(TtsQuote) quote = NULL;
  GError *error = NULL;

  quote = tts_dxlink_client_get_quote_finish (TTS_DXLINK_CLIENT (object), result, &error);
  if (quote == NULL)
    {
      return_error (task, error);
      return;
    }

  quote->level = g_strdup (call->level);
  g_task_return_pointer (task, g_steal_pointer (&quote), (GDestroyNotify) tts_quote_free);
}

static void
quote_token_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TtsMarketCheck *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(TtsQuoteToken) quote_token = NULL;
  g_autoptr(TtsDxlinkClient) dxlink = NULL;
  GError *error = NULL;

  quote_token = tts_token_client_get_quote_token_finish (TTS_TOKEN_CLIENT (object), result, &error);
  if (quote_token == NULL)
    {
      if (!renew_if_refused (task, error))
        return_error (task, error);
      else
        g_error_free (error);
      return;
    }

  g_debug ("Market check: a quote token (level %s)",
           quote_token->level != NULL ? quote_token->level : "not given");
  call->level = g_strdup (quote_token->level);

  dxlink = tts_dxlink_client_new (self->user_agent);
  g_object_set (dxlink, "timeout", self->timeout, "quote-timeout", self->quote_timeout, NULL);
  tts_dxlink_client_get_quote_async (dxlink,
                                     quote_token->dxlink_url,
                                     quote_token->token,
                                     TTS_MARKET_CHECK_SYMBOL,
                                     g_task_get_cancellable (task),
                                     quote_cb,
                                     g_object_ref (task));
}

static void
start_call (GTask *task)
{
  TtsMarketCheck *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(TtsTokenClient) client = NULL;

  /* Once fetched for this call, a token is used however short it lasts. */
  if (!has_fresh_token (self) && !(call->renewed && self->access_token != NULL))
    {
      if (call->renewed)
        {
          /* The fetch gave none: nothing more to try. */
          return_error (task,
                        g_error_new_literal (TTS_ERROR, TTS_ERROR_INVALID_GRANT,
                                             _("tastytrade did not accept the access token.")));
          return;
        }

      renew (task);
      return;
    }

  g_clear_pointer (&call->access_token, tts_wipe_free);
  call->access_token = g_strdup (self->access_token);
  client = new_token_client (self);

  if (call->kind == CALL_CHAIN)
    tts_token_client_get_option_chain_async (client, call->access_token, TTS_MARKET_CHECK_SYMBOL,
                                             g_task_get_cancellable (task), chain_cb,
                                             g_object_ref (task));
  else
    tts_token_client_get_quote_token_async (client, call->access_token,
                                            g_task_get_cancellable (task), quote_token_cb,
                                            g_object_ref (task));
}

static void
run_call (TtsMarketCheck      *self,
          CallKind             kind,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->task = task;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  start_call (task);
}

void
tts_market_check_read_chain_async (TtsMarketCheck      *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TTS_IS_MARKET_CHECK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  run_call (self, CALL_CHAIN, tts_market_check_read_chain_async, cancellable, callback, user_data);
}

TtsOptionChain *
tts_market_check_read_chain_finish (TtsMarketCheck  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (TTS_IS_MARKET_CHECK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_market_check_read_chain_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tts_market_check_read_quote_async (TtsMarketCheck      *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TTS_IS_MARKET_CHECK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  run_call (self, CALL_QUOTE, tts_market_check_read_quote_async, cancellable, callback, user_data);
}

TtsQuote *
tts_market_check_read_quote_finish (TtsMarketCheck  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (TTS_IS_MARKET_CHECK (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_market_check_read_quote_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tts_market_check_set_access_token (TtsMarketCheck *self,
                                   const char     *access_token,
                                   gint64          expires_at)
{
  g_return_if_fail (TTS_IS_MARKET_CHECK (self));

  g_clear_pointer (&self->access_token, tts_wipe_free);
  self->access_token = g_strdup (access_token);
  self->access_expires_at = expires_at;
}

gboolean
tts_market_check_get_sandbox (TtsMarketCheck *self)
{
  g_return_val_if_fail (TTS_IS_MARKET_CHECK (self), FALSE);

  return self->sandbox;
}

/* GObject */

static void
tts_market_check_finalize (GObject *object)
{
  TtsMarketCheck *self = (TtsMarketCheck *) object;

  /* Every waiting call holds its task, and each task holds this object. */
  g_assert (self->waiting->len == 0);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_object (&self->renewal);
  g_clear_object (&self->renewal_cancellable);
  g_clear_object (&self->file);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_pointer (&self->access_token, tts_wipe_free);

  G_OBJECT_CLASS (tts_market_check_parent_class)->finalize (object);
}

static void
tts_market_check_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TtsMarketCheck *self = TTS_MARKET_CHECK (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay);
      break;

    case PROP_QUOTE_TIMEOUT:
      g_value_set_uint (value, self->quote_timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_market_check_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TtsMarketCheck *self = TTS_MARKET_CHECK (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint (value);
      break;

    case PROP_RETRY_DELAY:
      self->retry_delay = g_value_get_uint (value);
      break;

    case PROP_QUOTE_TIMEOUT:
      self->quote_timeout = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_market_check_class_init (TtsMarketCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_market_check_finalize;
  object_class->get_property = tts_market_check_get_property;
  object_class->set_property = tts_market_check_set_property;

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT / 1000, TTS_TOKEN_CLIENT_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL,
                       0, G_MAXUINT >> 2, TTS_TOKEN_CLIENT_RETRY_DELAY_MS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  properties[PROP_QUOTE_TIMEOUT] =
    g_param_spec_uint ("quote-timeout", NULL, NULL,
                       1, G_MAXUINT / 1000, TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_market_check_init (TtsMarketCheck *self)
{
  self->timeout = TTS_TOKEN_CLIENT_TIMEOUT_SECONDS;
  self->retry_delay = TTS_TOKEN_CLIENT_RETRY_DELAY_MS;
  self->quote_timeout = TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS;
  self->waiting = g_ptr_array_new ();
}

TtsMarketCheck *
tts_market_check_new (TtsSecretsFile *file,
                      const char     *api_uri,
                      const char     *user_agent,
                      gboolean        sandbox)
{
  TtsMarketCheck *self;

  g_return_val_if_fail (TTS_IS_SECRETS_FILE (file), NULL);
  g_return_val_if_fail (api_uri != NULL, NULL);
  g_return_val_if_fail (user_agent != NULL && user_agent[0] != '\0', NULL);

  self = g_object_new (TTS_TYPE_MARKET_CHECK, NULL);
  self->file = g_object_ref (file);
  self->api_uri = g_strdup (api_uri);
  self->user_agent = g_strdup (user_agent);
  self->sandbox = sandbox;

  return self;
}

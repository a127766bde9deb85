/* tts-token-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tts-account.h"
#include "tts-error.h"
#include "tts-json.h"
#include "tts-option-chain.h"
#include "tts-quote-token.h"
#include "tts-token-client.h"
#include "tts-wipe.h"

#define MAX_RETRIES              2
/* Pooled connections are dropped well before a server's keep-alive ends, so that a POST
 * is not written onto a connection the other side is closing. */
#define IDLE_TIMEOUT_SECONDS     10
#define MAX_DESCRIPTION_CHARS    200
/* A run of this many token-like characters in a server message may be a token or code. */
#define SECRET_LIKE_RUN          24

typedef enum
{
  REQUEST_ANY,       /* tts_token_client_error_from_response(): no call known */
  REQUEST_EXCHANGE,
  REQUEST_REFRESH,
  REQUEST_ACCOUNTS,
  REQUEST_OPTION_CHAIN,
  REQUEST_QUOTE_TOKEN,
} RequestKind;

struct _TtsTokenClient
{
  GObject      parent_instance;

  char        *api_uri;
  char        *user_agent;
  SoupSession *session;
  guint        timeout;
  guint        retry_delay;
};

G_DEFINE_FINAL_TYPE (TtsTokenClient, tts_token_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_API_URI,
  PROP_USER_AGENT,
  PROP_TIMEOUT,
  PROP_RETRY_DELAY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One call, across its attempts. */
typedef struct
{
  RequestKind   kind;
  gsize         max_size;       /* of the answer's body */
  const char   *method;
  char         *path;
  GBytes       *body;           /* wiped when the last reference goes */
  GBytes       *chain_answer;   /* an option chain, while a worker thread parses it */
  char         *authorization;  /* wiped */
  GPtrArray    *secrets;        /* wiped; kept out of any message we build */

  guint         attempt;
  gboolean      may_have_arrived; /* an earlier attempt may have reached the server */
  SoupMessage  *msg;
  GCancellable *attempt_cancellable;
  gulong        cancelled_id;
  GSource      *deadline_source;
  gboolean      timed_out;
  GInputStream *stream;         /* the answer's body while it is read */
  GByteArray   *answer;         /* what was read of it; wiped */
  GSource      *retry_source;
  GSource      *retry_cancel_source;
} Request;

/* tastytrade's answers are a few kilobytes: a larger one is not read to its end, into memory. */
#define MAX_ANSWER_SIZE (1024 * 1024)
/* Except a nested option chain: SPX's lists every strike of some 80 expirations, a few
 * megabytes. */
#define MAX_CHAIN_ANSWER_SIZE (32 * 1024 * 1024)
#define READ_CHUNK_SIZE (64 * 1024)

static void send_attempt (GTask *task);

static void
request_clear_attempt (Request      *request,
                       GCancellable *cancellable)
{
  if (request->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, request->cancelled_id);
  request->cancelled_id = 0;

  if (request->deadline_source != NULL)
    g_source_destroy (request->deadline_source);
  g_clear_pointer (&request->deadline_source, g_source_unref);

  g_clear_object (&request->attempt_cancellable);
  g_clear_object (&request->stream);
  if (request->answer != NULL)
    tts_wipe (request->answer->data, request->answer->len);
  g_clear_pointer (&request->answer, g_byte_array_unref);
  g_clear_object (&request->msg);
}

static void
request_clear_retry (Request *request)
{
  if (request->retry_source != NULL)
    g_source_destroy (request->retry_source);
  g_clear_pointer (&request->retry_source, g_source_unref);

  if (request->retry_cancel_source != NULL)
    g_source_destroy (request->retry_cancel_source);
  g_clear_pointer (&request->retry_cancel_source, g_source_unref);
}

static void
request_free (Request *request)
{
  request_clear_attempt (request, NULL);
  request_clear_retry (request);
  g_clear_pointer (&request->path, g_free);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_pointer (&request->chain_answer, g_bytes_unref);
  g_clear_pointer (&request->authorization, tts_wipe_free);
  g_clear_pointer (&request->secrets, g_ptr_array_unref);
  g_free (request);
}

static Request *
request_new (RequestKind  kind,
             const char  *method,
             const char  *path)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->max_size = kind == REQUEST_OPTION_CHAIN ? MAX_CHAIN_ANSWER_SIZE : MAX_ANSWER_SIZE;
  request->method = method;
  request->path = g_strdup (path);
  request->secrets = g_ptr_array_new_null_terminated (2, (GDestroyNotify) tts_wipe_free, TRUE);

  return request;
}

static void
request_add_secret (Request    *request,
                    const char *secret)
{
  if (secret != NULL && secret[0] != '\0')
    g_ptr_array_add (request->secrets, g_strdup (secret));
}

/* A GET of the REST API with the access token. */
static Request *
bearer_request_new (RequestKind  kind,
                    const char  *path,
                    const char  *access_token)
{
  Request *request = request_new (kind, SOUP_METHOD_GET, path);

  request->authorization = g_strconcat ("Bearer ", access_token, NULL);
  request_add_secret (request, access_token);

  return request;
}

/* Error messages */

static gboolean
is_token_char (gunichar c)
{
  return g_ascii_isalnum (c) || strchr ("-_.~+/=%", (int) c) != NULL;
}

/* Returns @description fit to show: printable, one line, at most MAX_DESCRIPTION_CHARS,
 * or NULL when it is empty or might hold a secret. */
static char *
sanitize_description (const char         *description,
                      const char * const *secrets)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) clean = NULL;
  guint n_chars = 0;
  guint run = 0;
  const char *p;

  if (description == NULL)
    return NULL;

  /* Tags are a web page's, not a sentence; and labels that read Pango markup would
   * interpret them (or fail on a stray "&"). */
  if (strpbrk (description, "<>&") != NULL)
    return NULL;

  for (; secrets != NULL && *secrets != NULL; secrets++)
    {
      if (strstr (description, *secrets) != NULL)
        return NULL;
    }

  valid = g_utf8_make_valid (description, -1);
  clean = g_string_new (NULL);
  for (p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      run = is_token_char (c) ? run + 1 : 0;
      if (run >= SECRET_LIKE_RUN)
        return NULL;

      if (n_chars == MAX_DESCRIPTION_CHARS)
        {
          g_string_append (clean, "…");
          break;
        }

      if (!g_unichar_isprint (c))
        c = ' ';
      if (c == ' ' && (clean->len == 0 || clean->str[clean->len - 1] == ' '))
        continue;

      g_string_append_unichar (clean, c);
      n_chars++;
    }

  while (clean->len > 0 && clean->str[clean->len - 1] == ' ')
    g_string_truncate (clean, clean->len - 1);

  if (clean->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&clean), FALSE);
}

static GError *
new_error (TtsErrorCode        code,
           const char         *sentence,
           const char         *description,
           const char * const *secrets)
{
  g_autofree char *clean = sanitize_description (description, secrets);

  if (clean == NULL)
    return g_error_new_literal (TTS_ERROR, code, sentence);

  /* TRANSLATORS: the first %s is a sentence, the second what tastytrade's server said
   * (in English). */
  return g_error_new (TTS_ERROR, code, _("%s tastytrade said: “%s”"), sentence, clean);
}

static const char *
invalid_grant_sentence (RequestKind kind)
{
  switch (kind)
    {
    case REQUEST_EXCHANGE:
      return _("tastytrade did not accept the sign-in code. It may have expired or "
               "been used already.");
    case REQUEST_REFRESH:
      return _("tastytrade did not accept the refresh token. Its grant may have been "
               "deleted, or it belongs to the other environment.");
    case REQUEST_ACCOUNTS:
    case REQUEST_OPTION_CHAIN:
    case REQUEST_QUOTE_TOKEN:
      return _("tastytrade did not accept the access token.");
    case REQUEST_ANY:
    default:
      return _("tastytrade did not accept the code or token.");
    }
}

/* Reads the error code and description of the three shapes tastytrade is known to use.
 * Returns FALSE when @body is not a JSON object. */
static gboolean
parse_error_body (const char  *content_type,
                  const char  *body,
                  gsize        length,
                  char       **code,
                  char       **description)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  JsonNode *node;

  *code = NULL;
  *description = NULL;

  if (body == NULL || length == 0 || length > G_MAXSSIZE)
    return FALSE;
  /* nginx's own pages are HTML whatever they contain. */
  if (content_type != NULL && g_str_has_prefix (content_type, "text/html"))
    return FALSE;

  root = tts_json_parse_object (body, length);
  if (root == NULL)
    return FALSE;
  object = json_node_get_object (root);

#define STRING_NODE(n) ((n) != NULL && JSON_NODE_HOLDS_VALUE (n) \
                        && json_node_get_value_type (n) == G_TYPE_STRING)

  node = json_object_get_member (object, "error_code");
  if (STRING_NODE (node))
    *code = g_strdup (json_node_get_string (node));

  node = json_object_get_member (object, "error");
  if (*code == NULL && STRING_NODE (node))
    *code = g_strdup (json_node_get_string (node));
  else if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *rest = json_node_get_object (node);
      JsonNode *member;

      member = json_object_get_member (rest, "code");
      if (*code == NULL && STRING_NODE (member))
        *code = g_strdup (json_node_get_string (member));
      member = json_object_get_member (rest, "message");
      if (STRING_NODE (member))
        *description = g_strdup (json_node_get_string (member));
    }

  node = json_object_get_member (object, "error_description");
  if (*description == NULL && STRING_NODE (node))
    *description = g_strdup (json_node_get_string (node));

#undef STRING_NODE

  return TRUE;
}

/* Classifies a non-2xx answer by its error code first and its status second.
 * *transient says whether trying again later may help. */
static GError *
classify_response (RequestKind         kind,
                   guint               status,
                   const char         *content_type,
                   const char         *body,
                   gsize               length,
                   const char * const *secrets,
                   gboolean           *transient)
{
  g_autofree char *code = NULL;
  g_autofree char *description = NULL;
  gboolean is_json;

  *transient = FALSE;
  is_json = parse_error_body (content_type, body, length, &code, &description);

  if (g_strcmp0 (code, "invalid_grant") == 0)
    return new_error (TTS_ERROR_INVALID_GRANT, invalid_grant_sentence (kind),
                      description, secrets);

  if (g_strcmp0 (code, "invalid_client") == 0 || g_strcmp0 (code, "unauthorized_client") == 0)
    return new_error (TTS_ERROR_INVALID_CLIENT,
                      _("tastytrade did not accept the client ID or client secret."),
                      description, secrets);

  /* tastytrade-market-data.md: the quote stream's refusals, whatever their status. */
  if (g_strcmp0 (code, "quote_streamer.customer_not_found_error") == 0)
    return new_error (TTS_ERROR_NOT_A_CUSTOMER,
                      _("tastytrade streams quotes only to customers with an opened account, "
                        "and this login has none."),
                      NULL, secrets);

  if (g_strcmp0 (code, "quote_streamer.api_access_entitlement_not_granted") == 0)
    return new_error (TTS_ERROR_MARKET_DATA_NOT_GRANTED,
                      _("tastytrade has not granted market data for API use to this login."),
                      NULL, secrets);

  if (g_strcmp0 (code, "invalid_request") == 0)
    {
      /* The sandbox says this for a while after an account is made. */
      g_autofree char *folded = description != NULL ? g_ascii_strdown (description, -1) : NULL;

      if (folded != NULL && strstr (folded, "not a tastytrade customer") != NULL)
        {
          *transient = TRUE;
          return new_error (TTS_ERROR_SERVICE_UNAVAILABLE,
                            _("tastytrade does not recognize the account as a customer yet."),
                            NULL, secrets);
        }

      return new_error (TTS_ERROR_PROTOCOL,
                        _("tastytrade rejected the request as malformed."),
                        description, secrets);
    }

  if (status == SOUP_STATUS_FORBIDDEN)
    return new_error (TTS_ERROR_FORBIDDEN,
                      kind == REQUEST_OPTION_CHAIN || kind == REQUEST_QUOTE_TOKEN ?
                      _("tastytrade does not allow this token to read market data.") :
                      _("tastytrade does not allow this token to read account data."),
                      description, secrets);

  if (status >= 500 && status <= 599)
    {
      g_autofree char *sentence = NULL;

      *transient = TRUE;
      sentence = g_strdup_printf (_("tastytrade could not answer (server error %u)."), status);
      return new_error (TTS_ERROR_SERVICE_UNAVAILABLE, sentence, NULL, secrets);
    }

  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      if (!is_json)
        return new_error (TTS_ERROR_PROTOCOL,
                          _("tastytrade refused the request without saying why."),
                          NULL, secrets);

      /* A JSON 401 from the REST API means the bearer token was not accepted. */
      if (kind != REQUEST_EXCHANGE && kind != REQUEST_REFRESH)
        return new_error (TTS_ERROR_INVALID_GRANT, invalid_grant_sentence (REQUEST_ACCOUNTS),
                          description, secrets);
    }

  {
    g_autofree char *sentence = NULL;

    sentence = g_strdup_printf (_("tastytrade answered with an unexpected error (HTTP status %u)."),
                                status);
    return new_error (TTS_ERROR_PROTOCOL, sentence, description, secrets);
  }
}

GError *
tts_token_client_error_from_response (guint       status,
                                      const char *content_type,
                                      const char *body,
                                      gsize       length)
{
  gboolean transient;

  g_return_val_if_fail (body != NULL || length == 0, NULL);

  return classify_response (REQUEST_ANY, status, content_type, body, length, NULL, &transient);
}

/* Maps an error of the transport (no HTTP answer at all). *transient says whether trying
 * again may help; *may_have_arrived whether the server may have seen the request. */
static GError *
classify_transport_error (const GError *error,
                          gboolean     *transient,
                          gboolean     *may_have_arrived)
{
  *transient = FALSE;
  *may_have_arrived = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      *transient = TRUE;
      *may_have_arrived = TRUE;
      return g_error_new_literal (TTS_ERROR, TTS_ERROR_TIMEOUT,
                                  _("tastytrade did not answer in time."));
    }

  if (error->domain == G_TLS_ERROR)
    return g_error_new_literal (TTS_ERROR, TTS_ERROR_TLS,
                                _("The secure connection to tastytrade could not be "
                                  "established or its certificate is not valid."));

  if (error->domain == SOUP_SESSION_ERROR)
    return g_error_new_literal (TTS_ERROR, TTS_ERROR_PROTOCOL,
                                _("tastytrade sent an answer this program could not read."));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      /* Nothing was sent: always safe to try again. */
      *transient = TRUE;
      return g_error_new_literal (TTS_ERROR, TTS_ERROR_NETWORK,
                                  _("tastytrade refused the connection."));
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
    {
      *transient = TRUE;
      *may_have_arrived = TRUE;
      return g_error_new_literal (TTS_ERROR, TTS_ERROR_NETWORK,
                                  _("The connection to tastytrade broke off."));
    }

  return g_error_new_literal (TTS_ERROR, TTS_ERROR_NETWORK,
                              _("Could not connect to tastytrade. This computer may be "
                                "offline, or the address could not be found."));
}

/* GObject */

static void
tts_token_client_finalize (GObject *object)
{
  TtsTokenClient *self = (TtsTokenClient *) object;

  g_clear_object (&self->session);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->user_agent, g_free);

  G_OBJECT_CLASS (tts_token_client_parent_class)->finalize (object);
}

static void
tts_token_client_constructed (GObject *object)
{
  TtsTokenClient *self = (TtsTokenClient *) object;
  gsize length;

  G_OBJECT_CLASS (tts_token_client_parent_class)->constructed (object);

  /* "{api}/oauth/token" whether or not the base ends in a slash. */
  length = self->api_uri != NULL ? strlen (self->api_uri) : 0;
  while (length > 0 && self->api_uri[length - 1] == '/')
    self->api_uri[--length] = '\0';

  soup_session_set_user_agent (self->session, self->user_agent);
}

static void
tts_token_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TtsTokenClient *self = TTS_TOKEN_CLIENT (object);

  switch (prop_id)
    {
    case PROP_API_URI:
      g_value_set_string (value, self->api_uri);
      break;

    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_token_client_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TtsTokenClient *self = TTS_TOKEN_CLIENT (object);

  switch (prop_id)
    {
    case PROP_API_URI:
      self->api_uri = g_value_dup_string (value);
      break;

    case PROP_USER_AGENT:
      self->user_agent = g_value_dup_string (value);
      break;

    case PROP_TIMEOUT:
      tts_token_client_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_RETRY_DELAY:
      tts_token_client_set_retry_delay (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_token_client_class_init (TtsTokenClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tts_token_client_constructed;
  object_class->finalize = tts_token_client_finalize;
  object_class->get_property = tts_token_client_get_property;
  object_class->set_property = tts_token_client_set_property;

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

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       0, G_MAXUINT / 1000, TTS_TOKEN_CLIENT_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL,
                       0, G_MAXUINT >> MAX_RETRIES, TTS_TOKEN_CLIENT_RETRY_DELAY_MS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_token_client_init (TtsTokenClient *self)
{
  self->timeout = TTS_TOKEN_CLIENT_TIMEOUT_SECONDS;
  self->retry_delay = TTS_TOKEN_CLIENT_RETRY_DELAY_MS;
  /* No cookie jar and no cache: the session keeps nothing between requests. */
  self->session = soup_session_new_with_options ("timeout", TTS_TOKEN_CLIENT_TIMEOUT_SECONDS,
                                                 "idle-timeout", IDLE_TIMEOUT_SECONDS,
                                                 NULL);
}

const char *
tts_user_agent (void)
{
  return "tastytrade-setup/" PACKAGE_VERSION;
}

TtsTokenClient *
tts_token_client_new (const char *api_uri,
                      const char *user_agent)
{
  g_return_val_if_fail (api_uri != NULL, NULL);
  g_return_val_if_fail (user_agent != NULL && user_agent[0] != '\0', NULL);

  return g_object_new (TTS_TYPE_TOKEN_CLIENT,
                       "api-uri", api_uri,
                       "user-agent", user_agent,
                       NULL);
}

void
tts_token_client_set_timeout (TtsTokenClient *self,
                              guint           seconds)
{
  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (seconds <= G_MAXUINT / 1000);

  if (self->timeout == seconds)
    return;

  self->timeout = seconds;
  soup_session_set_timeout (self->session, seconds);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

void
tts_token_client_set_retry_delay (TtsTokenClient *self,
                                  guint           milliseconds)
{
  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (milliseconds <= G_MAXUINT >> MAX_RETRIES);

  if (self->retry_delay == milliseconds)
    return;

  self->retry_delay = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
}

/* Sending */

static void
wipe_body_free (gpointer data)
{
  tts_wipe_free (data);
}

/* The JSON text of @builder in bytes that are wiped when released. */
static GBytes *
builder_to_secret_bytes (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  return g_bytes_new_with_free_func (text, length, wipe_body_free, text);
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* @status is 0 when no answer came. */
static gboolean
is_retry_allowed (Request  *request,
                  guint     status,
                  gboolean  transient)
{
  if (!transient || request->attempt > MAX_RETRIES)
    return FALSE;

  /* A code is single-use: once the server answered anything but a 5xx, asking again
   * can only fail. */
  if (request->kind == REQUEST_EXCHANGE && status != 0 && status < 500)
    return FALSE;

  return TRUE;
}

static gboolean
retry_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request_clear_retry (request);
  send_attempt (task);

  return G_SOURCE_REMOVE;
}

static gboolean
retry_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request_clear_retry (request);
  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

static void
schedule_retry (GTask *task)
{
  TtsTokenClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GMainContext *context = g_task_get_context (task);
  guint delay = self->retry_delay << (request->attempt - 1);

  g_debug ("%s %s: retrying in %u ms", request->method, request->path, delay);

  request->retry_source = g_timeout_source_new (delay);
  g_source_set_callback (request->retry_source, retry_timeout_cb,
                         g_object_ref (task), g_object_unref);
  g_source_set_static_name (request->retry_source, "[tts] token client retry");
  g_source_attach (request->retry_source, context);

  /* Cancelling ends the wait at once, not when the delay is over. */
  if (cancellable != NULL)
    {
      request->retry_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (request->retry_cancel_source, G_SOURCE_FUNC (retry_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_set_static_name (request->retry_cancel_source, "[tts] token client cancel");
      g_source_attach (request->retry_cancel_source, context);
    }
}

/* A chain is megabytes of JSON: some 150 ms of parsing, which the window's frames would
 * wait for on the main thread. It holds no secret, so the copy needs no wiping. */
static void
parse_chain_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Request *request = task_data;
  GError *error = NULL;
  const char *data;
  gsize length = 0;
  TtsOptionChain *chain;

  data = g_bytes_get_data (request->chain_answer, &length);
  chain = tts_option_chain_new_from_json (data, length, &error);
  if (chain == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, chain, (GDestroyNotify) tts_option_chain_free);
}

static void
return_success (GTask  *task,
                GBytes *bytes)
{
  Request *request = g_task_get_task_data (task);
  GError *error = NULL;
  const char *data;
  gsize length = 0;

  data = g_bytes_get_data (bytes, &length);

  if (request->kind == REQUEST_OPTION_CHAIN)
    {
      /* The caller wipes @bytes once this returns. */
      request->chain_answer = g_bytes_new (data, length);
      g_task_run_in_thread (task, parse_chain_thread);
      return;
    }

  if (request->kind == REQUEST_QUOTE_TOKEN)
    {
      TtsQuoteToken *quote_token = tts_quote_token_new_from_json (data, length, &error);

      if (quote_token == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, quote_token, (GDestroyNotify) tts_quote_token_free);
      return;
    }

  if (request->kind == REQUEST_ACCOUNTS)
    {
      GPtrArray *accounts = tts_account_list_new_from_json (data, length, &error);

      if (accounts == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, accounts, (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  {
    g_autoptr(TtsTokens) tokens = tts_tokens_new_from_json (data, length, &error);

    if (tokens == NULL)
      {
        g_task_return_error (task, error);
        return;
      }

    if (request->kind == REQUEST_EXCHANGE && tokens->refresh_token == NULL)
      {
        g_task_return_new_error (task, TTS_ERROR, TTS_ERROR_PROTOCOL, "%s",
                                 _("tastytrade did not return a refresh token."));
        return;
      }

    g_task_return_pointer (task, g_steal_pointer (&tokens), (GDestroyNotify) tts_tokens_free);
  }
}

/* The whole answer (@bytes), or why there is none (@transport_error): the call succeeds, is
 * tried again, or fails. Takes @task. */
static void
handle_answer (GTask        *task_in,
               GBytes       *bytes,
               const GError *transport_error)
{
  g_autoptr(GTask) task = task_in;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) timed_out = NULL;
  gboolean transient = FALSE;
  gboolean may_have_arrived = TRUE;
  guint status = 0;

  if (bytes == NULL)
    {
      g_debug ("%s %s: no answer (attempt %u)", request->method, request->path, request->attempt);

      if (request->timed_out
          && g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "");
          transport_error = timed_out;
        }

      error = classify_transport_error (transport_error, &transient, &may_have_arrived);
    }
  else
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (request->msg);
      const char *data;
      gsize length = 0;

      status = soup_message_get_status (request->msg);
      g_debug ("%s %s: %u (attempt %u)", request->method, request->path, status, request->attempt);

      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          request_clear_attempt (request, g_task_get_cancellable (task));
          return_success (task, bytes);
          return;
        }

      data = g_bytes_get_data (bytes, &length);
      error = classify_response (request->kind,
                                 status,
                                 soup_message_headers_get_content_type (headers, NULL),
                                 data, length,
                                 (const char * const *) request->secrets->pdata,
                                 &transient);
    }

  if (is_retry_allowed (request, status, transient))
    {
      request->may_have_arrived |= may_have_arrived;
      request_clear_attempt (request, g_task_get_cancellable (task));
      schedule_retry (task);
      return;
    }

  request_clear_attempt (request, g_task_get_cancellable (task));

  /* An earlier try may have used up the code: say so rather than blame the code. */
  if (request->kind == REQUEST_EXCHANGE
      && request->may_have_arrived
      && g_error_matches (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT))
    {
      g_clear_error (&error);
      error = g_error_new_literal (TTS_ERROR, TTS_ERROR_INVALID_GRANT,
                                   _("The first attempt to exchange the sign-in code failed, "
                                     "and a code works only once."));
    }

  g_task_return_error (task, g_steal_pointer (&error));
}

/* Ends the call on an answer too large to read; takes @task. Not a passing fault: no retry. */
static void
refuse_answer (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  g_debug ("%s %s: answer over %" G_GSIZE_FORMAT " bytes, not read", request->method,
           request->path, request->max_size);
  request_clear_attempt (request, g_task_get_cancellable (task));
  g_task_return_new_error (task, TTS_ERROR, TTS_ERROR_PROTOCOL, "%s",
                           _("tastytrade’s answer was far larger than any it gives, "
                             "so it was not read."));
  g_object_unref (task);
}

static void read_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

static void
read_more (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (request->stream, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   request->attempt_cancellable, read_cb, task);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  g_autoptr(GBytes) answer = NULL;
  const guint8 *data;
  gsize length = 0;

  if (chunk == NULL)
    {
      handle_answer (task, NULL, error);
      return;
    }

  if (g_bytes_get_size (chunk) > 0)
    {
      data = g_bytes_get_data (chunk, &length);

      if (request->answer->len + length > request->max_size)
        {
          refuse_answer (task);
          return;
        }
      g_byte_array_append (request->answer, data, length);
      tts_wipe ((gpointer) data, length);
      read_more (task);
      return;
    }

  /* The end: the answer takes the bytes read. They may hold tokens, or an error body that
   * repeats what was sent: wiped once read, whatever the answer was. */
  answer = g_byte_array_free_to_bytes (g_steal_pointer (&request->answer));
  handle_answer (task, answer, NULL);
  data = g_bytes_get_data (answer, &length);
  tts_wipe ((gpointer) data, length);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;

  request->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (request->stream == NULL)
    {
      handle_answer (task, NULL, error);
      return;
    }

  headers = soup_message_get_response_headers (request->msg);
  if (soup_message_headers_get_content_length (headers) > (goffset) request->max_size)
    {
      refuse_answer (task);
      return;
    }

  request->answer = g_byte_array_new ();
  read_more (task);
}

static void
forward_cancel_cb (GCancellable *cancellable,
                   GCancellable *attempt_cancellable)
{
  g_cancellable_cancel (attempt_cancellable);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Request *request = user_data;

  request->timed_out = TRUE;
  g_cancellable_cancel (request->attempt_cancellable);
  g_clear_pointer (&request->deadline_source, g_source_unref);

  return G_SOURCE_REMOVE;
}

static void
send_attempt (GTask *task)
{
  TtsTokenClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *uri = g_strconcat (self->api_uri, request->path, NULL);
  SoupMessageHeaders *headers;

  g_assert (request->msg == NULL);

  request->attempt++;
  request->timed_out = FALSE;
  request->msg = soup_message_new (request->method, uri);
  if (request->msg == NULL)
    {
      g_task_return_new_error (task, TTS_ERROR, TTS_ERROR_INVALID_INPUT, "%s",
                               _("The address of the tastytrade service is not valid."));
      return;
    }

  /* A redirect could carry the bearer token or the body elsewhere: treat it as an error. */
  soup_message_add_flags (request->msg, SOUP_MESSAGE_NO_REDIRECT);

  headers = soup_message_get_request_headers (request->msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (request->authorization != NULL)
    soup_message_headers_replace (headers, "Authorization", request->authorization);
  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (request->msg, "application/json", request->body);

  /* The session's timeout covers each read and write; this one the whole exchange. */
  request->attempt_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    request->cancelled_id = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (forward_cancel_cb),
                                                   g_object_ref (request->attempt_cancellable),
                                                   g_object_unref);
  if (self->timeout > 0)
    {
      request->deadline_source = g_timeout_source_new (self->timeout * 1000);
      g_source_set_callback (request->deadline_source, deadline_cb, request, NULL);
      g_source_set_static_name (request->deadline_source, "[tts] token client deadline");
      g_source_attach (request->deadline_source, g_task_get_context (task));
    }

  g_debug ("%s %s (attempt %u)", request->method, request->path, request->attempt);

  soup_session_send_async (self->session,
                           request->msg,
                           G_PRIORITY_DEFAULT,
                           request->attempt_cancellable,
                           sent_cb,
                           g_object_ref (task));
}

static void
start_request (TtsTokenClient      *self,
               Request             *request,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  send_attempt (task);
}

void
tts_token_client_exchange_code_async (TtsTokenClient      *self,
                                      const char          *client_id,
                                      const char          *client_secret,
                                      const char          *code,
                                      const char          *redirect_uri,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  Request *request;

  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (code != NULL);
  g_return_if_fail (redirect_uri != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_member (builder, "grant_type", "authorization_code");
  add_member (builder, "code", code);
  add_member (builder, "client_id", client_id);
  add_member (builder, "client_secret", client_secret);
  add_member (builder, "redirect_uri", redirect_uri);
  json_builder_end_object (builder);

  request = request_new (REQUEST_EXCHANGE, SOUP_METHOD_POST, "/oauth/token");
  request->body = builder_to_secret_bytes (builder);
  request_add_secret (request, client_secret);
  request_add_secret (request, code);

  start_request (self, request, tts_token_client_exchange_code_async,
                 cancellable, callback, user_data);
}

TtsTokens *
tts_token_client_exchange_code_finish (TtsTokenClient  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  g_return_val_if_fail (TTS_IS_TOKEN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_token_client_exchange_code_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tts_token_client_refresh_async (TtsTokenClient      *self,
                                const char          *client_id,
                                const char          *client_secret,
                                const char          *refresh_token,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  Request *request;

  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (refresh_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_member (builder, "grant_type", "refresh_token");
  add_member (builder, "refresh_token", refresh_token);
  add_member (builder, "client_secret", client_secret);
  /* Optional, but the service checks it when present. */
  if (client_id != NULL)
    add_member (builder, "client_id", client_id);
  json_builder_end_object (builder);

  request = request_new (REQUEST_REFRESH, SOUP_METHOD_POST, "/oauth/token");
  request->body = builder_to_secret_bytes (builder);
  request_add_secret (request, client_secret);
  request_add_secret (request, refresh_token);

  start_request (self, request, tts_token_client_refresh_async,
                 cancellable, callback, user_data);
}

TtsTokens *
tts_token_client_refresh_finish (TtsTokenClient  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (TTS_IS_TOKEN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_token_client_refresh_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tts_token_client_list_accounts_async (TtsTokenClient      *self,
                                      const char          *access_token,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Request *request;

  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (access_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request = bearer_request_new (REQUEST_ACCOUNTS, "/customers/me/accounts", access_token);

  start_request (self, request, tts_token_client_list_accounts_async,
                 cancellable, callback, user_data);
}

GPtrArray *
tts_token_client_list_accounts_finish (TtsTokenClient  *self,
                                       GAsyncResult    *result,
                                       GError         **error)
{
  g_return_val_if_fail (TTS_IS_TOKEN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_token_client_list_accounts_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tts_token_client_get_option_chain_async (TtsTokenClient      *self,
                                         const char          *access_token,
                                         const char          *symbol,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  Request *request;

  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (access_token != NULL);
  g_return_if_fail (symbol != NULL && symbol[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  escaped = g_uri_escape_string (symbol, NULL, FALSE);
  path = g_strdup_printf ("/option-chains/%s/nested", escaped);
  request = bearer_request_new (REQUEST_OPTION_CHAIN, path, access_token);

  start_request (self, request, tts_token_client_get_option_chain_async,
                 cancellable, callback, user_data);
}

TtsOptionChain *
tts_token_client_get_option_chain_finish (TtsTokenClient  *self,
                                          GAsyncResult    *result,
                                          GError         **error)
{
  g_return_val_if_fail (TTS_IS_TOKEN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_token_client_get_option_chain_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tts_token_client_get_quote_token_async (TtsTokenClient      *self,
                                        const char          *access_token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Request *request;

  g_return_if_fail (TTS_IS_TOKEN_CLIENT (self));
  g_return_if_fail (access_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request = bearer_request_new (REQUEST_QUOTE_TOKEN, "/api-quote-tokens", access_token);

  start_request (self, request, tts_token_client_get_quote_token_async,
                 cancellable, callback, user_data);
}

TtsQuoteToken *
tts_token_client_get_quote_token_finish (TtsTokenClient  *self,
                                         GAsyncResult    *result,
                                         GError         **error)
{
  g_return_val_if_fail (TTS_IS_TOKEN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_token_client_get_quote_token_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* tts-dxlink-client.c
 *
 * The DXLink steps are those of tastytrade-market-data.md: SETUP, AUTH, CHANNEL_REQUEST,
 * FEED_SETUP, FEED_SUBSCRIPTION, then FEED_DATA. Everything the service sends is parsed
 * defensively and bounded (a message split into endless fragments only with libsoup 3.8 and
 * later); none of its text is shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tts-dxlink-client.h"
#include "tts-error.h"
#include "tts-json.h"
#include "tts-token-client.h"
#include "tts-wipe.h"

#define FEED_CHANNEL          1
/* DXLink's messages before a quote are a handful, each well under a kilobyte. */
#define MAX_MESSAGE_SIZE      (256 * 1024)
#define MAX_MESSAGES          1000
#define MAX_FIELDS            64
#define MAX_EVENT_VALUES      100000
/* How long a clean close may take before the connection is dropped. */
#define CLOSE_TIMEOUT_MS      2000

static const char * const quote_fields[] = {
  "eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize", NULL
};

struct _TtsDxlinkClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *user_agent;
  guint        timeout;
  guint        quote_timeout;
};

G_DEFINE_FINAL_TYPE (TtsDxlinkClient, tts_dxlink_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USER_AGENT,
  PROP_TIMEOUT,
  PROP_QUOTE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  PHASE_CONNECTING,
  PHASE_AUTHORIZING,   /* SETUP sent; AUTH once the service asks */
  PHASE_OPENING,       /* authorized; the feed channel requested */
  PHASE_WAITING,       /* subscribed; waiting for the first quote */
  PHASE_CLOSING,       /* a result is in; closing cleanly */
} Phase;

typedef struct
{
  char                    *url;
  char                    *token;              /* wiped */
  char                    *symbol;
  Phase                    phase;
  gboolean                 auth_sent;
  gboolean                 timed_out;
  guint                    n_messages;
  GStrv                    fields;             /* Quote's fields in FEED_DATA, in order */

  GCancellable            *connect_cancellable;
  SoupWebsocketConnection *connection;
  GSource                 *timeout_source;
  GSource                 *cancel_source;

  TtsQuote                *quote;              /* the result, while closing */
  GError                  *error;              /* or why there is none */
} Stream;

static void
stream_clear_timeout (Stream *stream)
{
  if (stream->timeout_source != NULL)
    g_source_destroy (stream->timeout_source);
  g_clear_pointer (&stream->timeout_source, g_source_unref);
}

/* Before the task returns: no source may touch it after that. */
static void
stream_clear_sources (Stream *stream)
{
  stream_clear_timeout (stream);
  if (stream->cancel_source != NULL)
    g_source_destroy (stream->cancel_source);
  g_clear_pointer (&stream->cancel_source, g_source_unref);
}

static void
stream_free (Stream *stream)
{
  stream_clear_sources (stream);
  g_clear_object (&stream->connect_cancellable);
  g_clear_object (&stream->connection);
  g_clear_pointer (&stream->url, g_free);
  g_clear_pointer (&stream->token, tts_wipe_free);
  g_clear_pointer (&stream->symbol, g_free);
  g_clear_pointer (&stream->fields, g_strfreev);
  g_clear_pointer (&stream->quote, tts_quote_free);
  g_clear_error (&stream->error);
  g_free (stream);
}

/* Ending */

/* Returns the result and lets the connection go. Takes @task. */
static void
complete (GTask *task)
{
  Stream *stream = g_task_get_task_data (task);

  stream_clear_sources (stream);
  if (stream->connection != NULL)
    g_signal_handlers_disconnect_by_data (stream->connection, task);

  if (stream->quote != NULL)
    g_task_return_pointer (task, g_steal_pointer (&stream->quote), (GDestroyNotify) tts_quote_free);
  else
    g_task_return_error (task, g_steal_pointer (&stream->error));

  g_object_unref (task);
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);

  g_debug ("DXLink: the close was not answered in time");
  g_clear_pointer (&stream->timeout_source, g_source_unref);
  complete (task);

  return G_SOURCE_REMOVE;
}

static void
arm_timeout (GTask       *task,
             guint        milliseconds,
             GSourceFunc  callback)
{
  Stream *stream = g_task_get_task_data (task);

  stream_clear_timeout (stream);
  stream->timeout_source = g_timeout_source_new (milliseconds);
  g_source_set_callback (stream->timeout_source, callback, task, NULL);
  g_source_set_static_name (stream->timeout_source, "[tts] dxlink timeout");
  g_source_attach (stream->timeout_source, g_task_get_context (task));
}

/* The result is in (@quote or @error, taken): close cleanly, then return it. */
static void
finish (GTask    *task,
        TtsQuote *quote,
        GError   *error)
{
  Stream *stream = g_task_get_task_data (task);

  g_assert (stream->phase != PHASE_CLOSING);
  g_assert ((quote == NULL) != (error == NULL));

  stream->phase = PHASE_CLOSING;
  stream->quote = quote;
  stream->error = error;

  if (stream->connection == NULL
      || soup_websocket_connection_get_state (stream->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      complete (task);
      return;
    }

  g_debug ("DXLink: closing");
  soup_websocket_connection_close (stream->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  arm_timeout (task, CLOSE_TIMEOUT_MS, close_timeout_cb);
}

static void
fail (GTask        *task,
      TtsErrorCode  code,
      const char   *sentence)
{
  finish (task, NULL, g_error_new_literal (TTS_ERROR, code, sentence));
}

static void
fail_unreadable (GTask *task)
{
  fail (task, TTS_ERROR_PROTOCOL,
        _("tastytrade’s quote service sent a message this program could not read."));
}

/* Sending */

static void
send_message (Stream      *stream,
              JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length = 0;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  soup_websocket_connection_send_text (stream->connection, text);
  /* AUTH carries the quote token. */
  tts_wipe_free (text);
}

static JsonBuilder *
begin_message (const char *type,
               guint       channel)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_int_value (builder, channel);

  return builder;
}

static void
send_setup (GTask *task)
{
  TtsDxlinkClient *self = g_task_get_source_object (task);
  Stream *stream = g_task_get_task_data (task);
  g_autoptr(JsonBuilder) builder = begin_message ("SETUP", 0);
  g_autofree char *version = g_strconcat ("0.1-", self->user_agent, NULL);

  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, version);
  json_builder_set_member_name (builder, "keepaliveTimeout");
  json_builder_add_int_value (builder, 60);
  json_builder_set_member_name (builder, "acceptKeepaliveTimeout");
  json_builder_add_int_value (builder, 60);
  json_builder_end_object (builder);
  send_message (stream, builder);
}

static void
send_auth (Stream *stream)
{
  g_autoptr(JsonBuilder) builder = begin_message ("AUTH", 0);

  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, stream->token);
  json_builder_end_object (builder);
  send_message (stream, builder);
  stream->auth_sent = TRUE;
}

static void
send_channel_request (Stream *stream)
{
  g_autoptr(JsonBuilder) builder = begin_message ("CHANNEL_REQUEST", FEED_CHANNEL);

  json_builder_set_member_name (builder, "service");
  json_builder_add_string_value (builder, "FEED");
  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "contract");
  json_builder_add_string_value (builder, "AUTO");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  send_message (stream, builder);
}

static void
send_feed_setup (Stream *stream)
{
  g_autoptr(JsonBuilder) builder = begin_message ("FEED_SETUP", FEED_CHANNEL);
  guint i;

  json_builder_set_member_name (builder, "acceptAggregationPeriod");
  json_builder_add_double_value (builder, 0.1);
  json_builder_set_member_name (builder, "acceptDataFormat");
  json_builder_add_string_value (builder, "COMPACT");
  json_builder_set_member_name (builder, "acceptEventFields");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Quote");
  json_builder_begin_array (builder);
  for (i = 0; quote_fields[i] != NULL; i++)
    json_builder_add_string_value (builder, quote_fields[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  send_message (stream, builder);
}

static void
send_subscription (Stream *stream)
{
  g_autoptr(JsonBuilder) builder = begin_message ("FEED_SUBSCRIPTION", FEED_CHANNEL);

  json_builder_set_member_name (builder, "reset");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "add");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "Quote");
  json_builder_set_member_name (builder, "symbol");
  json_builder_add_string_value (builder, stream->symbol);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  send_message (stream, builder);
}

/* Receiving */

/* A price as DXLink sends it: a number, or a string such as "NaN" for none. */
static double
get_price (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NAN;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return json_node_get_double (node);
    default:
      return NAN;
    }
}

static const char *
get_node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static int
field_index (Stream     *stream,
             const char *name)
{
  const char * const *fields = stream->fields != NULL ?
                               (const char * const *) stream->fields : quote_fields;
  int i;

  for (i = 0; fields[i] != NULL; i++)
    {
      if (strcmp (fields[i], name) == 0)
        return i;
    }

  return -1;
}

/* FEED_CONFIG: the order of Quote's values in COMPACT data. */
static gboolean
read_feed_config (Stream     *stream,
                  JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "eventFields");
  g_autoptr(GPtrArray) fields = NULL;
  JsonArray *array;
  guint i;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  node = json_object_get_member (json_node_get_object (node), "Quote");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return TRUE;

  array = json_node_get_array (node);
  if (json_array_get_length (array) > MAX_FIELDS)
    return FALSE;

  fields = g_ptr_array_new_null_terminated (MAX_FIELDS, g_free, TRUE);
  for (i = 0; i < json_array_get_length (array); i++)
    {
      const char *name = get_node_string (json_array_get_element (array, i));

      if (name == NULL)
        return FALSE;
      g_ptr_array_add (fields, g_strdup (name));
    }

  g_clear_pointer (&stream->fields, g_strfreev);
  stream->fields = (GStrv) g_ptr_array_free (g_steal_pointer (&fields), FALSE);

  return TRUE;
}

/* Values of Quote events in COMPACT form, one event after the other. */
static TtsQuote *
find_compact_quote (Stream    *stream,
                    JsonArray *values)
{
  guint n_fields = stream->fields != NULL ? g_strv_length (stream->fields)
                                          : G_N_ELEMENTS (quote_fields) - 1;
  int symbol_index = field_index (stream, "eventSymbol");
  int bid_index = field_index (stream, "bidPrice");
  int ask_index = field_index (stream, "askPrice");
  guint length = MIN (json_array_get_length (values), MAX_EVENT_VALUES);
  guint start;

  if (n_fields == 0 || symbol_index < 0)
    return NULL;

  for (start = 0; start + n_fields <= length; start += n_fields)
    {
      const char *symbol = get_node_string (json_array_get_element (values, start + symbol_index));

      if (g_strcmp0 (symbol, stream->symbol) != 0)
        continue;

      JsonNode *bid = bid_index < 0 ? NULL : json_array_get_element (values, start + bid_index);
      JsonNode *ask = ask_index < 0 ? NULL : json_array_get_element (values, start + ask_index);

      return tts_quote_new (stream->symbol, get_price (bid), get_price (ask));
    }

  return NULL;
}

/* Quote events in FULL form: one object each. */
static TtsQuote *
find_full_quote (Stream    *stream,
                 JsonArray *events)
{
  guint length = MIN (json_array_get_length (events), MAX_EVENT_VALUES);
  guint i;

  for (i = 0; i < length; i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *event;
      const char *symbol = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      event = json_node_get_object (node);
      if (!tts_json_get_string (event, "eventSymbol", &symbol)
          || g_strcmp0 (symbol, stream->symbol) != 0)
        continue;

      return tts_quote_new (stream->symbol,
                            get_price (json_object_get_member (event, "bidPrice")),
                            get_price (json_object_get_member (event, "askPrice")));
    }

  return NULL;
}

/* FEED_DATA: ["Quote", [values…], "Trade", [values…], …] in COMPACT form, or a list of event
 * objects in FULL form. */
static TtsQuote *
find_quote (Stream     *stream,
            JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "data");
  JsonArray *data;
  guint length;
  guint i;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  data = json_node_get_array (node);
  length = MIN (json_array_get_length (data), MAX_EVENT_VALUES);

  if (length > 0 && JSON_NODE_HOLDS_OBJECT (json_array_get_element (data, 0)))
    return find_full_quote (stream, data);

  for (i = 0; i + 1 < length; i += 2)
    {
      const char *type = get_node_string (json_array_get_element (data, i));
      JsonNode *values = json_array_get_element (data, i + 1);

      if (g_strcmp0 (type, "Quote") == 0 && JSON_NODE_HOLDS_ARRAY (values))
        return find_compact_quote (stream, json_node_get_array (values));
    }

  return NULL;
}

static gboolean
quote_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  TtsDxlinkClient *self = g_task_get_source_object (task);
  Stream *stream = g_task_get_task_data (task);
  g_autofree char *sentence = NULL;

  g_clear_pointer (&stream->timeout_source, g_source_unref);
  g_debug ("DXLink: no quote within %u s", self->quote_timeout);

  sentence = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Connected and authorized, but no quote arrived "
                                           "within %u second. The market may be closed.",
                                           "Connected and authorized, but no quote arrived "
                                           "within %u seconds. The market may be closed.",
                                           self->quote_timeout),
                              self->quote_timeout);
  fail (task, TTS_ERROR_NO_QUOTE, sentence);

  return G_SOURCE_REMOVE;
}

/* DXLink's ERROR: only its code is read; its message is the service's text. */
static void
handle_error_message (GTask      *task,
                      JsonObject *message)
{
  const char *code = NULL;

  if (tts_json_get_string (message, "error", &code) && g_strcmp0 (code, "UNAUTHORIZED") == 0)
    {
      fail (task, TTS_ERROR_QUOTE_TOKEN_REJECTED,
            _("tastytrade’s quote service did not accept the quote token."));
      return;
    }

  g_debug ("DXLink: the service reported an error");
  fail (task, TTS_ERROR_PROTOCOL,
        _("tastytrade’s quote service reported an error and stopped."));
}

static void
handle_message (GTask      *task,
                JsonObject *message)
{
  TtsDxlinkClient *self = g_task_get_source_object (task);
  Stream *stream = g_task_get_task_data (task);
  const char *type = NULL;
  JsonNode *channel_node;
  gint64 channel = -1;

  if (!tts_json_get_string (message, "type", &type) || type == NULL)
    {
      fail_unreadable (task);
      return;
    }

  channel_node = json_object_get_member (message, "channel");
  if (channel_node != NULL && JSON_NODE_HOLDS_VALUE (channel_node)
      && json_node_get_value_type (channel_node) == G_TYPE_INT64)
    channel = json_node_get_int (channel_node);

  if (strcmp (type, "ERROR") == 0)
    {
      handle_error_message (task, message);
    }
  else if (strcmp (type, "AUTH_STATE") == 0)
    {
      const char *state = NULL;

      tts_json_get_string (message, "state", &state);
      if (g_strcmp0 (state, "AUTHORIZED") == 0 && stream->phase == PHASE_AUTHORIZING)
        {
          g_debug ("DXLink: authorized");
          stream->phase = PHASE_OPENING;
          send_channel_request (stream);
        }
      else if (g_strcmp0 (state, "UNAUTHORIZED") == 0 && !stream->auth_sent)
        {
          send_auth (stream);
        }
      else if (g_strcmp0 (state, "UNAUTHORIZED") == 0)
        {
          fail (task, TTS_ERROR_QUOTE_TOKEN_REJECTED,
                _("tastytrade’s quote service did not accept the quote token."));
        }
    }
  else if (strcmp (type, "CHANNEL_OPENED") == 0 && channel == FEED_CHANNEL
           && stream->phase == PHASE_OPENING)
    {
      g_debug ("DXLink: feed channel opened");
      send_feed_setup (stream);
      send_subscription (stream);
      stream->phase = PHASE_WAITING;
      arm_timeout (task, self->quote_timeout * 1000, quote_timeout_cb);
    }
  else if (strcmp (type, "CHANNEL_CLOSED") == 0 && channel == FEED_CHANNEL)
    {
      fail (task, TTS_ERROR_PROTOCOL, _("tastytrade’s quote service closed the feed."));
    }
  else if (strcmp (type, "FEED_CONFIG") == 0 && channel == FEED_CHANNEL)
    {
      if (!read_feed_config (stream, message))
        fail_unreadable (task);
    }
  else if (strcmp (type, "FEED_DATA") == 0 && channel == FEED_CHANNEL
           && stream->phase == PHASE_WAITING)
    {
      TtsQuote *quote = find_quote (stream, message);

      if (quote != NULL)
        {
          g_debug ("DXLink: first quote");
          finish (task, quote, NULL);
        }
    }
  /* SETUP, KEEPALIVE and anything newer need no answer before the quote. */
}

static void
message_cb (SoupWebsocketConnection *connection,
            int                      type,
            GBytes                  *bytes,
            gpointer                 user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  const char *data;
  gsize length = 0;

  if (stream->phase == PHASE_CLOSING)
    return;

  if (++stream->n_messages > MAX_MESSAGES || type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      fail_unreadable (task);
      return;
    }

  data = g_bytes_get_data (bytes, &length);
  root = tts_json_parse_object (data, length);
  if (root == NULL)
    {
      fail_unreadable (task);
      return;
    }

  handle_message (task, json_node_get_object (root));
}

/* libsoup ends the connection itself on a frame it refuses (too large, malformed). */
static void
error_cb (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);

  if (stream->phase == PHASE_CLOSING || error->domain != SOUP_WEBSOCKET_ERROR)
    return;

  fail_unreadable (task);
}

static void
closed_cb (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);

  if (stream->phase == PHASE_CLOSING)
    {
      g_debug ("DXLink: closed");
      complete (task);
      return;
    }

  g_debug ("DXLink: the service closed the connection (%u)",
           soup_websocket_connection_get_close_code (connection));
  fail (task, TTS_ERROR_NETWORK, _("The connection to tastytrade’s quote service broke off."));
}

/* Connecting */

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);

  g_clear_pointer (&stream->timeout_source, g_source_unref);
  stream->timed_out = TRUE;

  if (stream->phase == PHASE_CONNECTING)
    {
      /* connect_cb ends it. */
      g_cancellable_cancel (stream->connect_cancellable);
      return G_SOURCE_REMOVE;
    }

  fail (task, TTS_ERROR_TIMEOUT, _("tastytrade’s quote service did not answer in time."));

  return G_SOURCE_REMOVE;
}

static GError *
connect_error (Stream       *stream,
               const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && stream->timed_out)
    return g_error_new_literal (TTS_ERROR, TTS_ERROR_TIMEOUT,
                                _("tastytrade’s quote service did not answer in time."));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (error->domain == G_TLS_ERROR)
    return g_error_new_literal (TTS_ERROR, TTS_ERROR_TLS,
                                _("The secure connection to tastytrade’s quote service could "
                                  "not be established or its certificate is not valid."));

  if (error->domain == SOUP_WEBSOCKET_ERROR)
    return g_error_new_literal (TTS_ERROR, TTS_ERROR_SERVICE_UNAVAILABLE,
                                _("tastytrade’s quote service did not open a stream."));

  return g_error_new_literal (TTS_ERROR, TTS_ERROR_NETWORK,
                              _("Could not connect to tastytrade’s quote service."));
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  stream->connection = soup_session_websocket_connect_finish (SOUP_SESSION (object), result,
                                                              &error);
  if (stream->connection == NULL)
    {
      g_debug ("DXLink: no connection");
      if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        {
          stream_clear_sources (stream);
          g_task_return_error_if_cancelled (task);
          g_object_unref (task);
          return;
        }
      finish (task, NULL, connect_error (stream, error));
      return;
    }

  /* A cancel in between: cancel_cb could not close what did not exist yet. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      soup_websocket_connection_close (stream->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      stream_clear_sources (stream);
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
      return;
    }

  g_debug ("DXLink: connected");
  soup_websocket_connection_set_max_incoming_payload_size (stream->connection, MAX_MESSAGE_SIZE);
  /* A frame is bounded above; a message of many frames only where libsoup can bound it
   * (3.8 and later): before, one that never ends grows until the timeout. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream->connection),
                                    "max-total-message-size") != NULL)
    g_object_set (stream->connection, "max-total-message-size", (guint64) MAX_MESSAGE_SIZE, NULL);
  g_signal_connect (stream->connection, "message", G_CALLBACK (message_cb), task);
  g_signal_connect (stream->connection, "closed", G_CALLBACK (closed_cb), task);
  g_signal_connect (stream->connection, "error", G_CALLBACK (error_cb), task);

  stream->phase = PHASE_AUTHORIZING;
  send_setup (task);
}

static gboolean
cancel_cb (GCancellable *cancellable,
           gpointer      user_data)
{
  GTask *task = user_data;
  Stream *stream = g_task_get_task_data (task);

  g_clear_pointer (&stream->cancel_source, g_source_unref);

  if (stream->phase == PHASE_CONNECTING)
    {
      /* connect_cb returns the task. */
      g_cancellable_cancel (stream->connect_cancellable);
      return G_SOURCE_REMOVE;
    }

  /* No waiting for the other side: whoever cancelled is gone. */
  if (stream->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (stream->connection, task);
      if (soup_websocket_connection_get_state (stream->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (stream->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    }
  stream_clear_sources (stream);
  g_clear_pointer (&stream->quote, tts_quote_free);
  g_clear_error (&stream->error);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

/* wss:// anywhere, ws:// only to this computer: the quote token must not cross a network
 * in the clear. */
static gboolean
is_trusted_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme;
  const char *host;

  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (scheme, "wss") == 0)
    return TRUE;

  return g_ascii_strcasecmp (scheme, "ws") == 0
         && (strcmp (host, "127.0.0.1") == 0 || strcmp (host, "::1") == 0
             || g_ascii_strcasecmp (host, "localhost") == 0);
}

void
tts_dxlink_client_get_quote_async (TtsDxlinkClient     *self,
                                   const char          *url,
                                   const char          *token,
                                   const char          *symbol,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(SoupMessage) msg = NULL;
  GTask *task;
  Stream *stream;

  g_return_if_fail (TTS_IS_DXLINK_CLIENT (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (token != NULL);
  g_return_if_fail (symbol != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* Owned by the run until complete() or a cancel returns it. */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tts_dxlink_client_get_quote_async);

  stream = g_new0 (Stream, 1);
  stream->url = g_strdup (url);
  stream->token = g_strdup (token);
  stream->symbol = g_strdup (symbol);
  stream->connect_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, stream, (GDestroyNotify) stream_free);

  if (is_trusted_url (url))
    msg = soup_message_new (SOUP_METHOD_GET, url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, TTS_ERROR, TTS_ERROR_PROTOCOL, "%s",
                               _("tastytrade gave an address for its quote service that this "
                                 "program does not trust."));
      g_object_unref (task);
      return;
    }
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);

  if (cancellable != NULL)
    {
      stream->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (stream->cancel_source, G_SOURCE_FUNC (cancel_cb), task, NULL);
      g_source_set_static_name (stream->cancel_source, "[tts] dxlink cancel");
      g_source_attach (stream->cancel_source, g_task_get_context (task));
    }

  arm_timeout (task, self->timeout * 1000, timeout_cb);

  g_debug ("DXLink: connecting");
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        stream->connect_cancellable, connect_cb, task);
}

TtsQuote *
tts_dxlink_client_get_quote_finish (TtsDxlinkClient  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (TTS_IS_DXLINK_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        tts_dxlink_client_get_quote_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* GObject */

static void
tts_dxlink_client_finalize (GObject *object)
{
  TtsDxlinkClient *self = (TtsDxlinkClient *) object;

  g_clear_object (&self->session);
  g_clear_pointer (&self->user_agent, g_free);

  G_OBJECT_CLASS (tts_dxlink_client_parent_class)->finalize (object);
}

static void
tts_dxlink_client_constructed (GObject *object)
{
  TtsDxlinkClient *self = (TtsDxlinkClient *) object;

  G_OBJECT_CLASS (tts_dxlink_client_parent_class)->constructed (object);

  /* No cookie jar and no cache; the timeouts are the run's own. */
  self->session = soup_session_new_with_options ("user-agent", self->user_agent, NULL);
}

static void
tts_dxlink_client_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TtsDxlinkClient *self = TTS_DXLINK_CLIENT (object);

  switch (prop_id)
    {
    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_QUOTE_TIMEOUT:
      g_value_set_uint (value, self->quote_timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_dxlink_client_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TtsDxlinkClient *self = TTS_DXLINK_CLIENT (object);

  switch (prop_id)
    {
    case PROP_USER_AGENT:
      self->user_agent = g_value_dup_string (value);
      break;

    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint (value);
      break;

    case PROP_QUOTE_TIMEOUT:
      self->quote_timeout = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_dxlink_client_class_init (TtsDxlinkClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tts_dxlink_client_constructed;
  object_class->finalize = tts_dxlink_client_finalize;
  object_class->get_property = tts_dxlink_client_get_property;
  object_class->set_property = tts_dxlink_client_set_property;

  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT / 1000, TTS_TOKEN_CLIENT_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  properties[PROP_QUOTE_TIMEOUT] =
    g_param_spec_uint ("quote-timeout", NULL, NULL,
                       1, G_MAXUINT / 1000, TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_dxlink_client_init (TtsDxlinkClient *self)
{
  self->timeout = TTS_TOKEN_CLIENT_TIMEOUT_SECONDS;
  self->quote_timeout = TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS;
}

TtsDxlinkClient *
tts_dxlink_client_new (const char *user_agent)
{
  g_return_val_if_fail (user_agent != NULL && user_agent[0] != '\0', NULL);

  return g_object_new (TTS_TYPE_DXLINK_CLIENT, "user-agent", user_agent, NULL);
}

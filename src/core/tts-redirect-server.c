/* tts-redirect-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tts-auth-request.h"
#include "tts-error.h"
#include "tts-loopback-listener.h"
#include "tts-redirect-server.h"

struct _TtsRedirectServer
{
  GObject     parent_instance;

  SoupServer          *server;
  TtsLoopbackListener *listener;
  guint       port;
  guint       max_connections;
  guint       connection_timeout_ms;
  guint       in_flight;
  gboolean    listening;
  gboolean    stop_pending;
  gboolean    owns_port;
};

G_DEFINE_FINAL_TYPE (TtsRedirectServer, tts_redirect_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PORT,
  PROP_MAX_CONNECTIONS,
  PROP_CONNECTION_TIMEOUT,
  N_PROPS
};

enum {
  REDIRECT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
tts_redirect_server_dispose (GObject *object)
{
  TtsRedirectServer *self = (TtsRedirectServer *) object;

  if (self->listener != NULL)
    tts_loopback_listener_close (self->listener);
  g_clear_object (&self->listener);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (tts_redirect_server_parent_class)->dispose (object);
}

static void
tts_redirect_server_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TtsRedirectServer *self = TTS_REDIRECT_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;

    case PROP_CONNECTION_TIMEOUT:
      g_value_set_uint (value, self->connection_timeout_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_redirect_server_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  TtsRedirectServer *self = TTS_REDIRECT_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;

    case PROP_MAX_CONNECTIONS:
      self->max_connections = g_value_get_uint (value);
      break;

    case PROP_CONNECTION_TIMEOUT:
      self->connection_timeout_ms = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_redirect_server_class_init (TtsRedirectServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tts_redirect_server_dispose;
  object_class->get_property = tts_redirect_server_get_property;
  object_class->set_property = tts_redirect_server_set_property;

  /* 0 lets the kernel pick one (tests). */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* A browser opens a handful at most; anything beyond is a flood. */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT16, 32,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The whole life of a connection, in milliseconds: a local request and its one-page
   * answer take a few. */
  properties[PROP_CONNECTION_TIMEOUT] =
    g_param_spec_uint ("connection-timeout", NULL, NULL, 1, G_MAXUINT, 10000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[REDIRECT] =
    g_signal_new ("redirect",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  g_signal_accumulator_true_handled, NULL,
                  NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
}

static void
tts_redirect_server_init (TtsRedirectServer *self)
{
}

TtsRedirectServer *
tts_redirect_server_new (guint port)
{
  g_return_val_if_fail (port <= G_MAXUINT16, NULL);

  return g_object_new (TTS_TYPE_REDIRECT_SERVER, "port", port, NULL);
}

static void
set_page (SoupServerMessage *msg,
          guint              status,
          const char        *title,
          const char        *text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *title_html = g_markup_escape_text (title, -1);
  g_autofree char *text_html = g_markup_escape_text (text, -1);
  g_autofree char *body = NULL;

  body = g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<title>%s</title>"
                          "<style>body{font-family:sans-serif;margin:3em auto;max-width:32em;"
                          "padding:0 1em;line-height:1.5}"
                          "@media(prefers-color-scheme:dark){body{background:#242424;color:#fff}}"
                          "</style></head>"
                          "<body><h1>%s</h1><p>%s</p></body></html>\n",
                          /* Translators: the language code of your translation (de, nl, es…),
                           * for the page the browser shows after the sign-in */
                          C_("html-lang", "en"),
                          title_html, title_html, text_html);

  /* Nothing here may be cached, framed, sent on as a referrer or run as script. */
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

/* One answer per connection, this one's or those libsoup makes itself (400 for a bad path).
 * Besides, libsoup before 3.3 never releases an idle kept-alive connection that the client
 * closes: every such knock on the port would cost a file descriptor until we stop. */
static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

/* A refusal written without reading what follows: the body of a request that announces
 * one is never read into memory, nor waited for. What arrives afterwards is read and
 * dropped until the client leaves (closing with unread data would reset the connection
 * and could lose the answer); the listener's deadline ends a client that never does. */

typedef struct
{
  GIOStream *stream;
  char      *head;
  guint8     discard[16384];
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_io_stream_close (refusal->stream, NULL, NULL);
  g_object_unref (refusal->stream);
  g_free (refusal->head);
  g_free (refusal);
}

static void
refusal_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL) <= 0)
    {
      refusal_free (refusal);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (object), refusal->discard, sizeof refusal->discard,
                             G_PRIORITY_LOW, NULL, refusal_read_cb, refusal);
}

static void
refusal_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *refusal = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    {
      refusal_free (refusal);
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream), refusal->discard,
                             sizeof refusal->discard, G_PRIORITY_LOW, NULL, refusal_read_cb,
                             refusal);
}

static void
refuse_unread (SoupServerMessage *msg,
               guint              status)
{
  Refusal *refusal = g_new0 (Refusal, 1);

  /* libsoup reads a body before the handler answers: the connection is taken from it. */
  refusal->stream = soup_server_message_steal_connection (msg);
  refusal->head = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                   "%s"
                                   "Cache-Control: no-store\r\n"
                                   "Content-Length: 0\r\n"
                                   "Connection: close\r\n\r\n",
                                   status, soup_status_get_phrase (status),
                                   status == SOUP_STATUS_METHOD_NOT_ALLOWED ? "Allow: GET\r\n" : "");
  g_output_stream_write_all_async (g_io_stream_get_output_stream (refusal->stream), refusal->head,
                                   strlen (refusal->head), G_PRIORITY_DEFAULT, NULL,
                                   refusal_written_cb, refusal);
}

static gboolean
announces_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;

    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;

    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_BYTERANGES:
    default:
      return TRUE;
    }
}

/* Right after the headers, before any body. A redirect is a GET without one. */
static void
early_request_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query_table,
                  gpointer           user_data)
{
  if (!announces_body (msg))
    return;

  g_debug ("Redirect server: a %s request with a body, refused unread",
           soup_server_message_get_method (msg));
  refuse_unread (msg, g_strcmp0 (soup_server_message_get_method (msg), "GET") == 0 ?
                        SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE : SOUP_STATUS_METHOD_NOT_ALLOWED);
}

static gboolean
host_is_loopback (SoupServerMessage *msg)
{
  const char *host = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Host");
  g_autofree char *name = NULL;
  const char *colon;

  if (host == NULL)
    return FALSE;

  /* "localhost:8000", "127.0.0.1:8000" or "[::1]:8000" */
  if (host[0] == '[')
    {
      const char *end = strchr (host, ']');

      if (end == NULL)
        return FALSE;
      name = g_strndup (host + 1, end - host - 1);
    }
  else
    {
      colon = strrchr (host, ':');
      name = colon != NULL ? g_strndup (host, colon - host) : g_strdup (host);
    }

  return g_ascii_strcasecmp (name, "localhost") == 0 ||
         g_strcmp0 (name, "127.0.0.1") == 0 ||
         g_strcmp0 (name, "::1") == 0;
}

static void
really_stop (TtsRedirectServer *self)
{
  self->stop_pending = FALSE;
  if (!self->listening)
    return;

  self->listening = FALSE;
  tts_loopback_listener_close (self->listener);
  g_clear_object (&self->listener);
  soup_server_disconnect (self->server);
  g_debug ("Redirect server on port %u stopped", self->port);
}

static void
message_finished_cb (SoupServerMessage *msg,
                     TtsRedirectServer *self)
{
  g_assert (self->in_flight > 0);

  self->in_flight--;
  if (self->in_flight == 0 && self->stop_pending)
    really_stop (self);

  g_object_unref (self);
}

static void
handle_request_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query_table,
                   gpointer           user_data)
{
  TtsRedirectServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  gboolean accepted = FALSE;

  self->in_flight++;
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), g_object_ref (self));

  /* Translators: the pages below are shown in the web browser after signing in to
   * tastytrade, or to anything else that knocks on the port the sign-in waits on. */
  if (g_strcmp0 (path, "/") != 0 && g_strcmp0 (path, "") != 0)
    {
      set_page (msg, SOUP_STATUS_NOT_FOUND, _("Not Found"),
                _("This address only serves the sign-in of Tastytrade API Setup."));
      return;
    }

  if (g_strcmp0 (method, "GET") != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
      set_page (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("Not Allowed"),
                _("This address only serves the sign-in of Tastytrade API Setup."));
      return;
    }

  /* A page on another site that renamed itself to 127.0.0.1 (DNS rebinding) sends its own
   * name as Host: such requests never reach the flow. */
  if (!host_is_loopback (msg))
    {
      set_page (msg, SOUP_STATUS_MISDIRECTED_REQUEST, _("Not Allowed"),
                _("This address only serves the sign-in of Tastytrade API Setup."));
      return;
    }

  if (self->listening && !self->stop_pending &&
      (query == NULL || strlen (query) <= TTS_AUTH_MAX_QUERY_LENGTH))
    g_signal_emit (self, signals[REDIRECT], 0, query, &accepted);

  if (accepted)
    set_page (msg, SOUP_STATUS_OK, _("Signed In"),
              _("You can close this page. Tastytrade API Setup continues in its own window."));
  else
    /* Also what a denied or failed sign-in ends on: the window tells which. */
    set_page (msg, SOUP_STATUS_BAD_REQUEST, _("Not Signed In"),
              _("This did not complete the sign-in. Go back to the Tastytrade API Setup "
                "window: it says what happened and what to do next."));
}

static void
incoming_cb (TtsLoopbackListener *listener,
             GSocketConnection   *connection,
             TtsRedirectServer   *self)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote, NULL);
}

static gboolean
listen_on (TtsRedirectServer  *self,
           GInetAddress       *address,
           GError            **error)
{
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, self->port);

  return tts_loopback_listener_add_address (self->listener, socket_address, error);
}

static GSList *
listening_uris (TtsLoopbackListener *listener)
{
  g_autolist(GSocketAddress) addresses = tts_loopback_listener_get_addresses (listener);
  GSList *uris = NULL;

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autofree char *host = NULL;
      GInetSocketAddress *inet = l->data;

      host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      uris = g_slist_prepend (uris, g_uri_build (G_URI_FLAGS_NONE, "http", NULL, host,
                                                 g_inet_socket_address_get_port (inet),
                                                 "/", NULL, NULL));
    }

  return g_slist_reverse (uris);
}

static guint
listening_port (TtsLoopbackListener *listener)
{
  g_autoslist(GUri) uris = listening_uris (listener);

  return uris != NULL ? (guint) g_uri_get_port (uris->data) : 0;
}

/* Names the addresses really listened on: a missing IPv6 must show here. */
static void
log_listening (TtsRedirectServer *self)
{
  g_autoslist(GUri) uris = listening_uris (self->listener);
  g_autoptr(GString) hosts = g_string_new (NULL);

  for (GSList *l = uris; l != NULL; l = l->next)
    g_string_append_printf (hosts, "%s%s", hosts->len > 0 ? " and " : "", g_uri_get_host (l->data));

  g_debug ("Redirect server listening on %s, port %u (sole owner: %s)",
           hosts->str, self->port, self->owns_port ? "yes" : "no");
}

gboolean
tts_redirect_server_start (TtsRedirectServer  *self,
                           GError            **error)
{
  static const GSocketFamily families[] = { G_SOCKET_FAMILY_IPV4, G_SOCKET_FAMILY_IPV6 };
  gboolean any_listening = FALSE;
  gboolean any_in_use = FALSE;

  g_return_val_if_fail (TTS_IS_REDIRECT_SERVER (self), FALSE);
  g_return_val_if_fail (!self->listening, FALSE);

  if (self->server == NULL)
    {
      /* No Server header: nothing tells a prober what answers here. */
      self->server = soup_server_new ("server-header", NULL, NULL);
      soup_server_add_early_handler (self->server, NULL, early_request_cb, self, NULL);
      soup_server_add_handler (self->server, NULL, handle_request_cb, self, NULL);
      g_signal_connect (self->server, "request-started", G_CALLBACK (request_started_cb), NULL);
    }

  self->listener = tts_loopback_listener_new (self->max_connections, self->connection_timeout_ms);
  g_signal_connect_object (self->listener, "incoming", G_CALLBACK (incoming_cb), self, 0);

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (families[i]);
      g_autoptr(GError) local_error = NULL;

      if (listen_on (self, loopback, &local_error))
        {
          any_listening = TRUE;
          /* With port 0 the kernel picked one: the other family must use the same. */
          if (self->port == 0)
            self->port = listening_port (self->listener);
          continue;
        }

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        any_in_use = TRUE;

      g_debug ("Not listening on %s port %u: %s",
               families[i] == G_SOCKET_FAMILY_IPV4 ? "127.0.0.1" : "::1",
               self->port, local_error->message);
    }

  self->owns_port = any_listening && !any_in_use;

  if (!any_listening)
    {
      g_clear_object (&self->listener);
      if (any_in_use)
        g_set_error (error, TTS_ERROR, TTS_ERROR_PORT_IN_USE,
                     _("Another program on this computer is using port %u."), self->port);
      else
        g_set_error (error, TTS_ERROR, TTS_ERROR_NETWORK,
                     _("Could not listen for the sign-in on port %u of this computer."),
                     self->port);
      return FALSE;
    }

  self->listening = TRUE;
  log_listening (self);

  return TRUE;
}

void
tts_redirect_server_stop (TtsRedirectServer *self)
{
  g_return_if_fail (TTS_IS_REDIRECT_SERVER (self));

  if (self->in_flight > 0)
    self->stop_pending = TRUE;
  else
    really_stop (self);
}

gboolean
tts_redirect_server_is_listening (TtsRedirectServer *self)
{
  g_return_val_if_fail (TTS_IS_REDIRECT_SERVER (self), FALSE);

  return self->listening;
}

guint
tts_redirect_server_get_port (TtsRedirectServer *self)
{
  g_return_val_if_fail (TTS_IS_REDIRECT_SERVER (self), 0);

  return self->port;
}

gboolean
tts_redirect_server_get_owns_port (TtsRedirectServer *self)
{
  g_return_val_if_fail (TTS_IS_REDIRECT_SERVER (self), FALSE);

  return self->owns_port;
}

GSList *
tts_redirect_server_get_uris (TtsRedirectServer *self)
{
  g_return_val_if_fail (TTS_IS_REDIRECT_SERVER (self), NULL);

  if (!self->listening)
    return NULL;

  return listening_uris (self->listener);
}

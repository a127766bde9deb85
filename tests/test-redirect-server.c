/* test-redirect-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/resource.h>
#include <libsoup/soup.h>

#include "tts-error.h"
#include "tts-redirect-server.h"
#include "tts-test-ports.h"
#include "tts-test-probe.h"

typedef struct
{
  GPtrArray *queries;   /* what the "redirect" signal saw */
  gboolean   accept;
  gboolean   stop_in_handler;
} Fixture;

typedef struct
{
  gboolean  done;
  guint     status;
  GBytes   *body;
  GError   *error;
  char     *cache_control;
  char     *csp;
} Reply;

static gboolean
redirect_cb (TtsRedirectServer *server,
             const char        *query,
             Fixture           *fixture)
{
  g_ptr_array_add (fixture->queries, g_strdup (query != NULL ? query : "(null)"));
  if (fixture->stop_in_handler)
    tts_redirect_server_stop (server);

  return fixture->accept;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->queries = g_ptr_array_new_with_free_func (g_free);
  fixture->accept = TRUE;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_ptr_array_unref (fixture->queries);
}

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_error (&reply->error);
  g_clear_pointer (&reply->cache_control, g_free);
  g_clear_pointer (&reply->csp, g_free);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reply *reply = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &reply->error);
  reply->status = soup_message_get_status (msg);
  reply->cache_control = g_strdup (soup_message_headers_get_one (headers, "Cache-Control"));
  reply->csp = g_strdup (soup_message_headers_get_one (headers, "Content-Security-Policy"));
  reply->done = TRUE;
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Sends one request and runs the main loop until its answer is in; an answer that never
 * comes is cancelled after 10 s, so a dead listener fails the test instead of hanging it. */
static void
request (const char *method,
         const char *uri,
         const char *host,
         Reply      *reply)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint guard;

  g_assert_nonnull (msg);
  if (host != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Host", host);

  reply->done = FALSE;
  guard = g_timeout_add_seconds (10, cancel_cb, cancellable);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable, send_cb, reply);
  while (!reply->done)
    g_main_context_iteration (NULL, TRUE);
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (guard);
}

static TtsRedirectServer *
start_server (Fixture *fixture,
              guint    port)
{
  g_autoptr(GError) error = NULL;
  TtsRedirectServer *server = tts_redirect_server_new (port);

  g_signal_connect (server, "redirect", G_CALLBACK (redirect_cb), fixture);
  g_assert_true (tts_redirect_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_true (tts_redirect_server_is_listening (server));
  g_assert_cmpuint (tts_redirect_server_get_port (server), >, 0);

  return server;
}

static char *
uri_for (TtsRedirectServer *server,
         const char        *host,
         const char        *path_and_query)
{
  return g_strdup_printf ("http://%s:%u%s", host, tts_redirect_server_get_port (server), path_and_query);
}

static void
test_accepts_redirect (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = start_server (fixture, 0);
  g_autofree char *uri = uri_for (server, "localhost", "/?code=a%26b&state=s");
  Reply reply = { 0 };

  g_assert_true (tts_redirect_server_get_owns_port (server));

  request ("GET", uri, NULL, &reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpstr (reply.cache_control, ==, "no-store");
  g_assert_nonnull (reply.csp);
  /* The still-encoded query reaches the handler. */
  g_assert_cmpuint (fixture->queries->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->queries, 0), ==, "code=a%26b&state=s");
  /* The page never repeats what it was sent. */
  g_assert_null (g_strstr_len (g_bytes_get_data (reply.body, NULL), g_bytes_get_size (reply.body), "a%26b"));
  reply_clear (&reply);

  /* Without a path at all */
  g_free (uri);
  uri = uri_for (server, "127.0.0.1", "?code=x&state=s");
  request ("GET", uri, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpuint (fixture->queries->len, ==, 2);
  reply_clear (&reply);
}

static void
test_refused_requests (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = start_server (fixture, 0);
  g_autofree char *favicon = uri_for (server, "127.0.0.1", "/favicon.ico");
  g_autofree char *root = uri_for (server, "127.0.0.1", "/?code=x&state=y");
  g_autofree char *huge_query = NULL;
  g_autoptr(GString) huge = g_string_new ("/?code=");
  Reply reply = { 0 };

  request ("GET", favicon, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 404);
  reply_clear (&reply);

  request ("POST", root, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 405);
  reply_clear (&reply);

  /* A page of another site that re-pointed its name at 127.0.0.1 */
  request ("GET", root, "evil.example:8000", &reply);
  g_assert_cmpuint (reply.status, ==, 421);
  reply_clear (&reply);

  g_string_append_len (huge, "", 0);
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (huge, 'a');
  huge_query = uri_for (server, "127.0.0.1", huge->str);
  request ("GET", huge_query, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 400);
  reply_clear (&reply);

  g_assert_cmpuint (fixture->queries->len, ==, 0);

  /* A handler that declines: refused, and the server keeps listening. */
  fixture->accept = FALSE;
  request ("GET", root, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 400);
  g_assert_cmpuint (fixture->queries->len, ==, 1);
  g_assert_true (tts_redirect_server_is_listening (server));
  reply_clear (&reply);
}

static void
test_stop (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = start_server (fixture, 0);
  g_autofree char *uri = uri_for (server, "127.0.0.1", "/?code=x&state=y");
  Reply reply = { 0 };

  /* Stopping from the handler still delivers that answer... */
  fixture->stop_in_handler = TRUE;
  request ("GET", uri, NULL, &reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);
  g_assert_false (tts_redirect_server_is_listening (server));

  /* ...and then the port is closed. */
  request ("GET", uri, NULL, &reply);
  g_assert_error (reply.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  reply_clear (&reply);
  g_assert_cmpuint (fixture->queries->len, ==, 1);
}

static void
test_both_families (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = NULL;
  g_autofree char *v4 = NULL;
  g_autofree char *v6 = NULL;
  Reply reply = { 0 };

  if (!tts_test_ipv6_loopback_works ())
    {
      g_test_skip ("No IPv6 loopback on this machine");
      return;
    }

  server = start_server (fixture, 0);
  v4 = uri_for (server, "127.0.0.1", "/?a=4");
  v6 = uri_for (server, "[::1]", "/?a=6");

  request ("GET", v4, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);
  request ("GET", v6, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);
  g_assert_cmpuint (fixture->queries->len, ==, 2);
}

static void
test_port_held_on_ipv4 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSocket) other = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, 0);
  guint port = tts_test_socket_port (other);
  g_autoptr(TtsRedirectServer) server = tts_redirect_server_new (port);
  g_autoptr(GError) error = NULL;
  gboolean started = tts_redirect_server_start (server, &error);

  if (tts_test_ipv6_loopback_works ())
    {
      /* Listening on ::1 only: the embedded view must catch the redirect itself. */
      g_assert_no_error (error);
      g_assert_true (started);
    }
  else
    {
      g_assert_error (error, TTS_ERROR, TTS_ERROR_PORT_IN_USE);
      g_assert_false (started);
    }
  g_assert_false (tts_redirect_server_get_owns_port (server));
}

static void
test_port_held_on_both (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSocket) other4 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, 0);
  guint port = tts_test_socket_port (other4);
  g_autoptr(GSocket) other6 = tts_test_ipv6_loopback_works () ?
                              tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, port) : NULL;
  g_autoptr(TtsRedirectServer) server = tts_redirect_server_new (port);
  g_autoptr(GError) error = NULL;

  g_assert_false (tts_redirect_server_start (server, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PORT_IN_USE);
  g_assert_false (tts_redirect_server_is_listening (server));
  g_assert_false (tts_redirect_server_get_owns_port (server));
}

static void
test_port_held_on_ipv6 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSocket) other = NULL;
  g_autoptr(TtsRedirectServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *v4 = NULL;
  Reply reply = { 0 };
  guint port;

  if (!tts_test_ipv6_loopback_works ())
    {
      g_test_skip ("No IPv6 loopback on this machine");
      return;
    }

  other = tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, 0);
  g_assert_nonnull (other);
  port = tts_test_socket_port (other);
  server = tts_redirect_server_new (port);
  g_signal_connect (server, "redirect", G_CALLBACK (redirect_cb), fixture);

  /* 127.0.0.1 is still ours, but a browser may well try ::1 first: not the sole owner. */
  g_assert_true (tts_redirect_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_true (tts_redirect_server_is_listening (server));
  g_assert_false (tts_redirect_server_get_owns_port (server));

  uris = tts_redirect_server_get_uris (server);
  g_assert_cmpuint (g_slist_length (uris), ==, 1);
  g_assert_cmpstr (g_uri_get_host (uris->data), ==, "127.0.0.1");
  g_assert_cmpint (g_uri_get_port (uris->data), ==, (int) port);

  v4 = uri_for (server, "127.0.0.1", "/?a=4");
  request ("GET", v4, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);
  g_assert_cmpuint (fixture->queries->len, ==, 1);
}

/* Every address listened on is a loopback one, on the one port, and only between start and
 * stop. */
static void
assert_listens_on_loopback_only (TtsRedirectServer *server)
{
  g_autoslist(GUri) uris = tts_redirect_server_get_uris (server);
  guint expected = tts_test_ipv6_loopback_works () ? 2 : 1;

  g_assert_cmpuint (g_slist_length (uris), ==, expected);
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (g_uri_get_host (l->data));
      g_autofree char *text = g_uri_to_string (l->data);

      g_test_message ("Listening on %s", text);
      g_assert_nonnull (address);
      g_assert_true (g_inet_address_get_is_loopback (address));
      g_assert_cmpstr (g_uri_get_scheme (l->data), ==, "http");
      g_assert_cmpint (g_uri_get_port (l->data), ==, (int) tts_redirect_server_get_port (server));
    }
}

static void
test_loopback_only (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = NULL;
  g_autoptr(GSocket) held = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, 0);
  guint port = tts_test_socket_port (held);
  g_autoptr(GError) error = NULL;

  /* Reserve a port, then let it go: nothing answers there before start(). */
  g_clear_object (&held);
  server = tts_redirect_server_new (port);
  g_signal_connect (server, "redirect", G_CALLBACK (redirect_cb), fixture);
  g_assert_null (tts_redirect_server_get_uris (server));
  tts_test_assert_port_closed (port);

  for (guint round = 0; round < 2; round++)
    {
      g_assert_true (tts_redirect_server_start (server, &error));
      g_assert_no_error (error);
      assert_listens_on_loopback_only (server);

      tts_redirect_server_stop (server);
      g_assert_false (tts_redirect_server_is_listening (server));
      g_assert_null (tts_redirect_server_get_uris (server));
      tts_test_assert_port_closed (port);
    }

  g_assert_cmpuint (fixture->queries->len, ==, 0);
}

/* Nothing but GET of "/" with a loopback Host reaches the handler, whatever else is sent. */
static void
test_only_its_path (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct
  {
    const char *request;
    guint       status;   /* 0: any refusal, or none at all */
  } cases[] = {
    { "GET /index.html?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 404 },
    { "GET //?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 404 },
    { "GET /%2F?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 404 },
    { "GET /..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: localhost\r\n\r\n", 400 },
    { "GET /callback?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 404 },
    { "HEAD /?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 405 },
    { "OPTIONS /?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 405 },
    { "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n", 0 },
    { "PUT /?code=c&state=s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", 405 },
    { "DELETE /?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 405 },
    { "TRACE /?code=c&state=s HTTP/1.1\r\nHost: localhost\r\n\r\n", 405 },
    { "CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n", 0 },
    { "GET /?code=c&state=s HTTP/1.1\r\n\r\n", 0 },
    { "GET /?code=c&state=s HTTP/1.1\r\nHost: evil.example\r\n\r\n", 421 },
    { "GET /?code=c&state=s HTTP/1.1\r\nHost: localhost.evil.example\r\n\r\n", 421 },
    { "GET /?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1.nip.io\r\n\r\n", 421 },
    { "GET /?code=c&state=s HTTP/1.0\r\n\r\n", 0 },
    { "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 0 },
  };
  g_autoptr(TtsRedirectServer) server = start_server (fixture, 0);
  guint port = tts_redirect_server_get_port (server);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) reply = NULL;
      guint status;

      reply = tts_test_probe_send (G_SOCKET_FAMILY_IPV4, port, cases[i].request, -1,
                                   TTS_TEST_PROBE_NONE, &error);
      status = tts_test_probe_status (reply);
      g_test_message ("case %u: %u (%s)", i, status, error != NULL ? error->message : "answered");
      if (cases[i].status != 0)
        g_assert_cmpuint (status, ==, cases[i].status);
      else
        g_assert_true (status == 0 || status >= 400);
      g_assert_cmpuint (fixture->queries->len, ==, 0);
      g_assert_true (tts_redirect_server_is_listening (server));
    }
}

static void
drain_main_context (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* A browser keeps its connection alive and closes it later; libsoup before 3.3 never
 * released such a connection, so every knock cost a file descriptor. */
static void
test_no_fd_leak (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = start_server (fixture, 0);
  g_autofree char *page = uri_for (server, "127.0.0.1", "/?code=x&state=y");
  g_autofree char *other = uri_for (server, "localhost", "/favicon.ico");
  g_autofree char *bad = uri_for (server, "127.0.0.1", "/..%2F");
  guint before;
  guint after;

  /* One request first, so that whatever libsoup sets up once is in the count. */
  {
    Reply reply = { 0 };

    request ("GET", page, NULL, &reply);
    reply_clear (&reply);
  }
  drain_main_context ();
  before = tts_test_count_open_fds ();

  for (guint i = 0; i < 60; i++)
    {
      const char *uri = i % 3 == 0 ? page : i % 3 == 1 ? other : bad;
      Reply reply = { 0 };

      /* request() uses a new session each time, and dropping it closes its connection. */
      request ("GET", uri, NULL, &reply);
      g_assert_no_error (reply.error);
      g_assert_cmpuint (reply.status, !=, 0);
      reply_clear (&reply);
    }

  drain_main_context ();
  after = tts_test_count_open_fds ();
  g_test_message ("Open file descriptors: %u before, %u after 60 requests", before, after);
  g_assert_cmpuint (after, <=, before + 2);
}

/* Raw clients, for what no well-behaved HTTP client sends. */

static GSocket *
connect_raw (guint port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);

  if (socket == NULL)
    return NULL;
  /* Not blocking: the server answers from this thread's main context. */
  g_socket_set_blocking (socket, FALSE);
  if (!g_socket_connect (socket, address, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    g_error ("connect: %s", error->message);

  return g_steal_pointer (&socket);
}

static void
send_raw (GSocket    *socket,
          const char *data,
          gsize       length)
{
  g_autoptr(GError) error = NULL;
  gsize sent = 0;

  g_socket_set_blocking (socket, TRUE);
  while (sent < length)
    {
      gssize n = g_socket_send (socket, data + sent, length - sent, NULL, &error);

      g_assert_no_error (error);
      sent += n;
    }
  g_socket_set_blocking (socket, FALSE);
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
socket_flag_cb (GSocket      *socket,
                GIOCondition  condition,
                gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until the server has said something to @socket (an answer, an
 * end or a reset), or @timeout_ms pass; returns whether it did. */
static gboolean
wait_for_server (GSocket *socket,
                 guint    timeout_ms)
{
  g_autoptr(GSource) source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  gboolean readable = FALSE;
  gboolean expired = FALSE;
  guint guard = g_timeout_add (timeout_ms, flag_cb, &expired);

  g_source_set_callback (source, G_SOURCE_FUNC (socket_flag_cb), &readable, NULL);
  g_source_attach (source, NULL);
  while (!readable && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (source);
  if (!expired)
    g_source_remove (guard);

  return readable;
}

/* What the server sent before it ended the connection (or, with @head_only, once it sent
 * a whole answer head); NULL when it did neither within 10 s. */
static GString *
read_answer (GSocket  *socket,
             gboolean  head_only)
{
  g_autoptr(GString) received = g_string_new (NULL);

  while (wait_for_server (socket, 10000))
    {
      g_autoptr(GError) error = NULL;
      char buffer[4096];
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n > 0)
        {
          g_string_append_len (received, buffer, n);
          if (head_only && strstr (received->str, "\r\n\r\n") != NULL)
            return g_steal_pointer (&received);
        }
      else if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return g_steal_pointer (&received);
    }

  return NULL;
}

static TtsRedirectServer *
start_bounded_server (Fixture *fixture,
                      guint    max_connections,
                      guint    timeout_ms)
{
  g_autoptr(GError) error = NULL;
  TtsRedirectServer *server = g_object_new (TTS_TYPE_REDIRECT_SERVER,
                                            "port", 0,
                                            "max-connections", max_connections,
                                            "connection-timeout", timeout_ms,
                                            NULL);

  g_signal_connect (server, "redirect", G_CALLBACK (redirect_cb), fixture);
  g_assert_true (tts_redirect_server_start (server, &error));
  g_assert_no_error (error);

  return server;
}

/* A request that announces a body is answered before the body is read: a 300 MB POST
 * once went wholly into memory before its 405. */
static void
test_body_refused_unread (Fixture       *fixture,
                          gconstpointer  data)
{
  static const struct {
    const char *head;
    const char *status;
  } cases[] = {
    { "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 314572800\r\n\r\n", "HTTP/1.1 405 " },
    { "PUT /?code=x&state=y HTTP/1.1\r\nHost: localhost\r\nContent-Length: 314572800\r\n\r\n", "HTTP/1.1 405 " },
    { "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 314572800\r\n\r\n", "HTTP/1.1 413 " },
    { "GET /?code=x&state=y HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "ffffffff\r\n", "HTTP/1.1 413 " },
  };
  g_autoptr(TtsRedirectServer) server = start_bounded_server (fixture, 16, 10000);
  g_autofree char *body = g_malloc (65536);

  memset (body, 'x', 65536);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSocket) client = connect_raw (tts_redirect_server_get_port (server));
      g_autoptr(GString) answer = NULL;

      send_raw (client, cases[i].head, strlen (cases[i].head));
      /* A little of the body, and then nothing: the answer must not wait for the rest. */
      send_raw (client, body, 65536);
      /* The answer comes while the client could still be sending. */
      answer = read_answer (client, TRUE);
      g_assert_nonnull (answer);
      g_assert_true (g_str_has_prefix (answer->str, cases[i].status));
      g_assert_nonnull (strstr (answer->str, "Connection: close"));
    }

  g_assert_cmpuint (fixture->queries->len, ==, 0);
  g_assert_true (tts_redirect_server_is_listening (server));
}

/* A connection that sends nothing, or half a request, is closed after the timeout. */
static void
test_idle_closed (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char *const requests[] = {
    "",
    "GET /?code=x&state=y HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    "G",
  };
  g_autoptr(TtsRedirectServer) server = start_bounded_server (fixture, 16, 200);
  Reply reply = { 0 };
  g_autofree char *uri = uri_for (server, "127.0.0.1", "/?code=x&state=y");

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(GSocket) client = connect_raw (tts_redirect_server_get_port (server));
      g_autoptr(GString) answer = NULL;

      send_raw (client, requests[i], strlen (requests[i]));
      answer = read_answer (client, FALSE);
      g_assert_nonnull (answer);
    }

  /* libsoup takes a head cut off at a line's end as whole, so the half-sent redirect may
   * reach the handler (its state is checked there like any other); nothing else does. */
  g_assert_cmpuint (fixture->queries->len, <=, 1);

  /* An answer in time is not cut off. */
  request ("GET", uri, NULL, &reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);
}

static void
drain_main_context (void);

/* Connections beyond the cap are closed at once; those within it are served. */
static void
test_connection_cap (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TtsRedirectServer) server = start_bounded_server (fixture, 4, 60000);
  g_autoptr(GPtrArray) idle = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) extra = NULL;
  g_autoptr(GString) answer = NULL;
  g_autofree char *uri = uri_for (server, "127.0.0.1", "/?code=x&state=y");
  Reply reply = { 0 };

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (idle, connect_raw (tts_redirect_server_get_port (server)));
  drain_main_context ();

  extra = connect_raw (tts_redirect_server_get_port (server));
  answer = read_answer (extra, FALSE);
  g_assert_nonnull (answer);
  g_assert_cmpuint (answer->len, ==, 0);

  /* The four within the cap are still open. */
  drain_main_context ();
  for (guint i = 0; i < idle->len; i++)
    g_assert_cmpint (g_socket_condition_check (idle->pdata[i], G_IO_IN | G_IO_HUP), ==, 0);

  /* When they go, the next one is served. */
  g_ptr_array_set_size (idle, 0);
  drain_main_context ();
  request ("GET", uri, NULL, &reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (reply.status, ==, 200);
  reply_clear (&reply);
}

/* Running out of file descriptors while connections pile up must not end the listening:
 * once they are gone, the next request is served. */
static void
test_out_of_descriptors (void)
{
  if (g_test_subprocess ())
    {
      Fixture fixture = { 0 };
      g_autoptr(TtsRedirectServer) server = NULL;
      g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
      g_autofree char *uri = NULL;
      struct rlimit limit;
      Reply reply = { 0 };
      GSocket *client;

      fixture_set_up (&fixture, NULL);
      server = start_bounded_server (&fixture, 64, 60000);
      uri = uri_for (server, "127.0.0.1", "/?code=x&state=y");
      /* Warm up whatever a request sets up once. */
      request ("GET", uri, NULL, &reply);
      g_assert_cmpuint (reply.status, ==, 200);
      reply_clear (&reply);

      g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
      limit.rlim_cur = tts_test_count_open_fds () + 8;
      g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);

      /* The clients take every descriptor left: the server's accept fails. */
      while ((client = connect_raw (tts_redirect_server_get_port (server))) != NULL)
        g_ptr_array_add (clients, client);
      g_assert_cmpuint (clients->len, >, 0);
      drain_main_context ();

      g_ptr_array_set_size (clients, 0);
      request ("GET", uri, NULL, &reply);
      g_assert_no_error (reply.error);
      g_assert_cmpuint (reply.status, ==, 200);
      reply_clear (&reply);
      fixture_tear_down (&fixture, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/redirect-server/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("accepts-redirect", test_accepts_redirect);
  ADD ("refused-requests", test_refused_requests);
  ADD ("stop", test_stop);
  ADD ("both-families", test_both_families);
  ADD ("port-held-on-ipv4", test_port_held_on_ipv4);
  ADD ("port-held-on-both", test_port_held_on_both);
  ADD ("port-held-on-ipv6", test_port_held_on_ipv6);
  ADD ("loopback-only", test_loopback_only);
  ADD ("only-its-path", test_only_its_path);
  ADD ("no-fd-leak", test_no_fd_leak);
  ADD ("flood/body-refused-unread", test_body_refused_unread);
  ADD ("flood/idle-closed", test_idle_closed);
  ADD ("flood/connection-cap", test_connection_cap);
  g_test_add_func ("/redirect-server/flood/out-of-descriptors", test_out_of_descriptors);

#undef ADD

  return g_test_run ();
}

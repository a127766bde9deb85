/* test-flow.c: the state machine against the fake tastytrade, no display needed
 *
 * A scripted HTTP client plays the browser: it follows the authorization URL, signs in,
 * consents and is sent to the redirect URI like a browser would be.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* unshare() and CLONE_NEWNET */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-redirect-server.h"
#include "tts-test-errors.h"
#include "tts-test-ports.h"
#include "tts-test-probe.h"
#include "tts-flow.h"

#define CLIENT_ID     "flow-client"
#define CLIENT_SECRET "flow-secret"
#define USERNAME      "bob"
#define PASSWORD      "hunter2"
#define OTP           "135790"

#define BUSY_HTML "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
#define NGINX_401 \
  "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n" \
  "<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n" \
  "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

typedef struct
{
  TtsFakeTastytrade *fake;
  TtsEnvironment    *environment;
  TtsFlow           *flow;
  SoupSession       *browser;
  char              *redirect_uri;
  guint              port;
  char              *folder_path;
  GFile             *folder;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);

  fixture->port = tts_test_free_port ();
  fixture->redirect_uri = g_strdup_printf ("http://localhost:%u", fixture->port);
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, fixture->redirect_uri);
  tts_fake_tastytrade_set_user (fixture->fake, USERNAME, PASSWORD, OTP);

  fixture->environment = tts_environment_new (TTS_ENVIRONMENT_SANDBOX,
                                               tts_fake_tastytrade_get_auth_uri (fixture->fake),
                                               tts_fake_tastytrade_get_api_uri (fixture->fake),
                                               fixture->redirect_uri,
                                               &error);
  g_assert_no_error (error);
  fixture->flow = tts_flow_new (fixture->environment, "tastytrade-setup/test");
  g_object_set (fixture->flow, "timeout", 10, "retry-delay", 1, NULL);
  fixture->browser = soup_session_new ();

  fixture->folder_path = g_dir_make_tmp ("tts-flow-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->folder = g_file_new_for_path (fixture->folder_path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->folder_path, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->folder_path);

  g_clear_object (&fixture->flow);
  g_clear_object (&fixture->environment);
  g_clear_object (&fixture->browser);
  g_clear_object (&fixture->fake);
  g_clear_object (&fixture->folder);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->redirect_uri, g_free);
}

typedef struct
{
  gboolean     done;
  SoupMessage *msg;
  GBytes      *body;
  GError      *error;
} Reply;

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reply *reply = user_data;

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &reply->error);
  reply->done = TRUE;
}

/* One browser request; the main loop runs meanwhile, so the flow reacts as it would. */
static char *
browse (Fixture    *fixture,
        const char *method,
        const char *uri,
        const char *form,
        guint      *status,
        char      **location)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  Reply reply = { 0 };
  char *text;

  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (form != NULL)
    {
      g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
    }

  soup_session_send_and_read_async (fixture->browser, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &reply);
  while (!reply.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (reply.error);
  *status = soup_message_get_status (msg);
  if (location != NULL)
    *location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
  text = g_strndup (g_bytes_get_data (reply.body, NULL), g_bytes_get_size (reply.body));
  g_bytes_unref (reply.body);

  return text;
}

static char *
session_of (const char *html)
{
  const char *marker = "name=\"session\" value=\"";
  const char *start = strstr (html, marker);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (marker);
  end = strchr (start, '"');
  g_assert_nonnull (end);

  return g_strndup (start, end - start);
}

/* Signs in and consents; returns where tastytrade sends the browser. */
static char *
consent (Fixture    *fixture,
         const char *decision)
{
  const char *base = tts_fake_tastytrade_get_api_uri (fixture->fake);
  g_autofree char *page = NULL;
  g_autofree char *session = NULL;
  g_autofree char *form = NULL;
  g_autofree char *uri = NULL;
  char *location = NULL;
  guint status = 0;

  page = browse (fixture, "GET", tts_flow_get_authorize_uri (fixture->flow), NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  session = session_of (page);

  g_free (page);
  form = soup_form_encode ("session", session, "username", USERNAME, "password", PASSWORD, NULL);
  uri = g_strconcat (base, "/login", NULL);
  page = browse (fixture, "POST", uri, form, &status, NULL);
  g_assert_cmpuint (status, ==, 200);

  g_free (page);
  g_free (form);
  g_free (uri);
  form = soup_form_encode ("session", session, "otp", OTP, NULL);
  uri = g_strconcat (base, "/otp", NULL);
  page = browse (fixture, "POST", uri, form, &status, NULL);
  g_assert_cmpuint (status, ==, 200);

  g_free (page);
  g_free (form);
  g_free (uri);
  form = soup_form_encode ("session", session, "decision", decision, NULL);
  uri = g_strconcat (base, "/consent", NULL);
  page = browse (fixture, "POST", uri, form, &status, &location);
  g_assert_cmpuint (status, ==, 302);
  g_assert_nonnull (location);

  return location;
}

static gboolean
wait_for_end (Fixture *fixture)
{
  while (TRUE)
    {
      TtsFlowState state = tts_flow_get_state (fixture->flow);

      if (state == TTS_FLOW_STATE_DONE)
        return TRUE;
      if (state == TTS_FLOW_STATE_FAILED)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
}

static char *
secrets_path (Fixture *fixture)
{
  return g_build_filename (fixture->folder_path, ".secrets", NULL);
}

static void
assert_saved (Fixture *fixture)
{
  g_autofree char *path = secrets_path (fixture);
  g_autofree char *contents = NULL;
  g_autofree char *token = NULL;
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  token = tts_dotenv_lookup (contents, strlen (contents), "TT_REFRESH_TOKEN");
  g_assert_cmpstr (token, ==, tts_flow_get_refresh_token (fixture->flow));
  g_assert_cmpuint (strlen (token), >, 100);
}

static void
begin (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tts_flow_begin_authorization (fixture->flow, CLIENT_ID, CLIENT_SECRET,
                                               fixture->folder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
}

/* Helpers for the failure rows of issue 4 */

/* The state of the authorization request under way. */
static char *
flow_state (Fixture *fixture)
{
  g_autoptr(GUri) uri = g_uri_parse (tts_flow_get_authorize_uri (fixture->flow),
                                     G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = NULL;

  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);
  g_assert_nonnull (g_hash_table_lookup (params, "state"));

  return g_strdup (g_hash_table_lookup (params, "state"));
}

static char *
code_of (const char *location)
{
  g_autoptr(GUri) uri = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = NULL;

  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));

  return g_strdup (g_hash_table_lookup (params, "code"));
}

static guint
count_requests (Fixture    *fixture,
                const char *path)
{
  return tts_fake_tastytrade_count_requests (fixture->fake, path);
}

/* Code exchanges the token endpoint saw. */
static guint
count_exchanges (Fixture *fixture)
{
  GPtrArray *requests = tts_fake_tastytrade_get_requests (fixture->fake);
  guint count = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      TtsFakeRequest *request = g_ptr_array_index (requests, i);
      const char *grant_type = g_hash_table_lookup (request->params, "grant_type");

      if (g_strcmp0 (request->path, "/oauth/token") == 0 &&
          g_strcmp0 (grant_type, "authorization_code") == 0)
        count++;
    }

  return count;
}

static void
assert_folder_empty (Fixture *fixture)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder_path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  name = g_dir_read_name (dir);
  if (name != NULL)
    g_error ("%s was written", name);
}

static void
drain_main_context (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* Nothing listens on @port on either loopback, once pending stops have run. */
static void
assert_port_closed (guint port)
{
  drain_main_context ();
  tts_test_assert_port_closed (port);
}

/* Our listener answers on every loopback this machine has. */
static void
assert_port_listening (guint port)
{
  static const GSocketFamily families[] = { G_SOCKET_FAMILY_IPV4, G_SOCKET_FAMILY_IPV6 };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) reply = NULL;

      if (families[i] == G_SOCKET_FAMILY_IPV6 && !tts_test_ipv6_loopback_works ())
        continue;

      reply = tts_test_probe_send (families[i], port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                                   -1, TTS_TEST_PROBE_NONE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tts_test_probe_status (reply), ==, 400);
    }
}

/* Every code and token the fake handed out, and the client secret. */
static const char * const *
known_secrets (Fixture *fixture)
{
  GPtrArray *secrets = tts_fake_tastytrade_dup_secrets (fixture->fake, CLIENT_SECRET);

  /* Lives as long as the test; the strings are the fake's. */
  g_test_queue_free (secrets->pdata);
  return (const char * const *) g_ptr_array_free (secrets, FALSE);
}

/* "GET <target>" from a local program that talks HTTP, the Host it says being @host. */
static char *
raw_get (Fixture    *fixture,
         const char *target,
         const char *host)
{
  g_autofree char *default_host = g_strdup_printf ("localhost:%u", fixture->port);

  return g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                          target, host != NULL ? host : default_host);
}

/* The path and query of a redirect URI, as the browser asks for it. */
static char *
target_of (const char *location)
{
  g_autoptr(GUri) uri = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, NULL);

  g_assert_nonnull (uri);
  return g_strdup_printf ("%s?%s", g_uri_get_path (uri)[0] != '\0' ? g_uri_get_path (uri) : "/",
                          g_uri_get_query (uri));
}

/* Sends raw bytes to the redirect port; a refused or dropped connection gives an empty
 * answer. */
static GBytes *
probe (Fixture       *fixture,
       GSocketFamily  family,
       const char    *request,
       gssize         length)
{
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  reply = tts_test_probe_send (family, fixture->port, request, length, TTS_TEST_PROBE_NONE, &error);
  if (reply == NULL)
    {
      g_test_message ("No answer: %s", error->message);
      reply = g_bytes_new (NULL, 0);
    }

  return reply;
}

/* The body of an HTTP answer. */
static char *
body_of (GBytes *reply)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (reply, &length);
  g_autofree char *text = g_strndup (data, length);
  const char *body = strstr (text, "\r\n\r\n");

  return g_strdup (body != NULL ? body + 4 : "");
}

/* A state of the right form that is not ours. */
static char *
guessed_state (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  GString *state = g_string_new (NULL);

  for (guint i = 0; i < 43; i++)
    g_string_append_c (state, alphabet[g_test_rand_int_range (0, 64)]);

  return g_string_free (state, FALSE);
}

static void
test_browser_redirect (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  begin (fixture);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));
  g_assert_null (tts_flow_get_listener_error (fixture->flow));
  location = consent (fixture, "allow");

  /* The browser follows the redirect to our listener, which sends the user back to the
   * window: the browser's part is over. */
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (page, "<h1>Signed In</h1>"));
  g_assert_nonnull (strstr (page, "continues in its own window"));
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow) == FALSE);
}

static void
test_junk_does_not_disturb (Fixture       *fixture,
                            gconstpointer  data)
{
  static const char *junk[] = {
    "/?code=forged&state=wrong",
    "/?code=forged",
    "/?error=access_denied",
    "/favicon.ico",
    "/?state=",
    "/?state=%25ZZ&code=x",
  };
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  begin (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u%s", fixture->port, junk[i]);
      g_autofree char *reply = browse (fixture, "GET", uri, NULL, &status, NULL);

      g_assert_cmpuint (status, >=, 400);
      g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
    }

  /* A forged code was never sent to the token endpoint. */
  g_assert_null (tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token"));

  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
}

/* Redirects that are almost right, and queries no parser should choke on, sent as raw
 * bytes: each is refused, and the flow keeps waiting for the real one. */
static void
test_junk_raw (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *state = NULL;
  g_autofree char *uri_before = NULL;
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autofree char *bad_host = NULL;
  guint status = 0;

  begin (fixture);
  state = flow_state (fixture);
  uri_before = g_strdup (tts_flow_get_authorize_uri (fixture->flow));

#define JUNK(...) g_ptr_array_add (requests, g_strdup_printf (__VA_ARGS__))
  /* No state, an empty one, ours changed in one place, cut short, made longer, twice */
  JUNK ("/?code=forged");
  JUNK ("/?code=forged&state");
  JUNK ("/?code=forged&state=");
  JUNK ("/?code=forged&state=%c%s", state[0] == 'A' ? 'B' : 'A', state + 1);
  JUNK ("/?code=forged&state=%.*s", (int) strlen (state) - 1, state);
  JUNK ("/?code=forged&state=%sx", state);
  JUNK ("/?code=forged&state=%s%%00", state);
  JUNK ("/?code=forged&state=%s&state=%s", state, state);
  JUNK ("/?code=forged&state=%s&state=wrong", state);
  JUNK ("/?code=forged&state=wrong&state=%s", state);
  JUNK ("/?code=forged&STATE=%s", state);
  JUNK ("/?error=access_denied&state=wrong");
  JUNK ("/?error=access_denied");
  /* Malformed: bad percent-encoding (even with our state), not UTF-8 */
  JUNK ("/?code=%%ZZ&state=%s", state);
  JUNK ("/?code=x&state=%s%%", state);
  JUNK ("/?code=%%&state=%s", state);
  JUNK ("/?code=x&state=%%FF%%FE%%FD");
  JUNK ("/?code=%%FF%%FE&state=%s", state);
  JUNK ("/?code=\xff\xfe&state=%s", state);
  JUNK ("/?code=\xff\xfe&state=wrong");
  JUNK ("/?code=x&state=%s\xc3\x28", state);
  JUNK ("/?%%00=%%00&state=%%00");
  JUNK ("/?&&&&=&=&&state&&");
  JUNK ("/?code=x;state=%s", state);
  /* Another path, with our very state */
  JUNK ("/callback?code=forged&state=%s", state);
  JUNK ("/favicon.ico?code=forged&state=%s", state);
  JUNK ("//?code=forged&state=%s", state);
#undef JUNK

  for (guint i = 0; i < requests->len; i++)
    {
      g_autofree char *request = raw_get (fixture, g_ptr_array_index (requests, i), NULL);
      g_autoptr(GBytes) reply = probe (fixture, G_SOCKET_FAMILY_IPV4, request, -1);

      g_test_message ("junk %u: %u", i, tts_test_probe_status (reply));
      g_assert_true (tts_test_probe_status (reply) == 0 || tts_test_probe_status (reply) >= 400);
      g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
    }

  /* Our state, but for a page of another site that points its name at 127.0.0.1 */
  {
    g_autofree char *target = g_strdup_printf ("/?code=forged&state=%s", state);
    g_autofree char *request = NULL;
    g_autoptr(GBytes) reply = NULL;

    bad_host = g_strdup_printf ("evil.example:%u", fixture->port);
    request = raw_get (fixture, target, bad_host);
    reply = probe (fixture, G_SOCKET_FAMILY_IPV4, request, -1);
    g_assert_cmpuint (tts_test_probe_status (reply), ==, 421);

    /* and not by GET */
    g_free (request);
    request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: localhost:%u\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n", target, fixture->port);
    g_clear_pointer (&reply, g_bytes_unref);
    reply = probe (fixture, G_SOCKET_FAMILY_IPV4, request, -1);
    g_assert_cmpuint (tts_test_probe_status (reply), ==, 405);
  }

  /* A megabyte of query, with our state in it */
  g_string_append_printf (huge, "GET /?state=%s&code=forged&pad=", state);
  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (huge, 'a' + i % 26);
  g_string_append_printf (huge, " HTTP/1.1\r\nHost: localhost:%u\r\nConnection: close\r\n\r\n",
                          fixture->port);
  {
    g_autoptr(GBytes) reply = probe (fixture, G_SOCKET_FAMILY_IPV4, huge->str, huge->len);

    g_test_message ("1 MB query: %u", tts_test_probe_status (reply));
    g_assert_true (tts_test_probe_status (reply) == 0 || tts_test_probe_status (reply) >= 400);
  }

  /* The flow never noticed. */
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_cmpstr (tts_flow_get_authorize_uri (fixture->flow), ==, uri_before);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
}

static void
test_denied (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  g_autofree char *path = secrets_path (fixture);
  guint status = 0;

  begin (fixture);
  location = consent (fixture, "deny");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  /* The browser's page sends the user back to the window, which says what happened. */
  g_assert_cmpuint (status, ==, 400);
  g_assert_nonnull (strstr (page, "<h1>Not Signed In</h1>"));
  g_assert_nonnull (strstr (page, "Go back to the Tastytrade API Setup window"));

  g_assert_false (wait_for_end (fixture));
  tts_test_assert_plain_error (tts_flow_get_error (fixture->flow), TTS_ERROR_ACCESS_DENIED,
                      known_secrets (fixture));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_folder_empty (fixture);
  assert_port_closed (fixture->port);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);

  /* Try again works from here, as the window does it: cancel, then begin. */
  tts_flow_cancel (fixture->flow);
  begin (fixture);
  g_free (location);
  g_free (page);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
}

/* ---- paste-back: what a browser elsewhere ended on, typed or pasted into the window ---- */

static void
paste_fails (Fixture    *fixture,
             const char *text,
             int         code)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("Pasting [%s]", text);
  g_assert_false (tts_flow_submit_pasted (fixture->flow, text, &error));
  g_assert_error (error, TTS_ERROR, code);
  tts_test_assert_plain_error (error, code, known_secrets (fixture));
}

/* Each accepted form, each into a fresh sign-in of its own. */
typedef enum
{
  PASTE_WHOLE_ADDRESS,
  PASTE_QUERY,
} PasteForm;

static void
test_paste_back (Fixture       *fixture,
                 gconstpointer  data)
{
  PasteForm form = GPOINTER_TO_UINT (data);
  g_autofree char *location = NULL;
  g_autofree char *code = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  begin (fixture);
  location = consent (fixture, "allow");
  code = code_of (location);

  /* Junk and someone else's sign-in leave the wait as it was. */
  {
    g_autofree char *state = guessed_state ();
    g_autofree char *other = g_strdup_printf ("%s/?code=%s&state=%s", fixture->redirect_uri,
                                              code, state);

    paste_fails (fixture, "", TTS_ERROR_INVALID_INPUT);
    paste_fails (fixture, "   \n", TTS_ERROR_INVALID_INPUT);
    paste_fails (fixture, "hello world", TTS_ERROR_INVALID_INPUT);
    paste_fails (fixture, "https://my.tastytrade.com/auth.html", TTS_ERROR_INVALID_INPUT);
    paste_fails (fixture, "http://localhost:8000/?state=x", TTS_ERROR_STATE_MISMATCH);
    paste_fails (fixture, "http://localhost:8000/?foo=bar", TTS_ERROR_INVALID_INPUT);
    paste_fails (fixture, other, TTS_ERROR_STATE_MISMATCH);
    /* A code without our state may be anyone's: a user talked into pasting another's code
     * would save a token to that person's account. */
    paste_fails (fixture, code, TTS_ERROR_INVALID_INPUT);
    {
      g_autofree char *stateless = g_strdup_printf ("http://localhost:8000/?code=%s", code);
      g_autofree char *stateless_query = g_strdup_printf ("code=%s", code);

      paste_fails (fixture, stateless, TTS_ERROR_INVALID_INPUT);
      paste_fails (fixture, stateless_query, TTS_ERROR_INVALID_INPUT);
    }
    g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
    g_assert_cmpuint (count_exchanges (fixture), ==, 0);
  }

  switch (form)
    {
    case PASTE_WHOLE_ADDRESS:
      /* As copied from an address bar, with a stray line break. */
      text = g_strdup_printf ("  %s\n", location);
      break;
    case PASTE_QUERY:
    default:
      text = g_strdup (strchr (location, '?') + 1);
      break;
    }

  g_assert_true (tts_flow_submit_pasted (fixture->flow, text, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);

  /* Nothing is waiting any more. */
  paste_fails (fixture, text, TTS_ERROR_FAILED);
}

/* A decline in the pasted address ends the attempt, as from the browser itself. */
static void
test_paste_back_denied (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autoptr(GError) error = NULL;

  begin (fixture);
  location = consent (fixture, "deny");
  g_assert_false (tts_flow_submit_pasted (fixture->flow, location, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_ACCESS_DENIED);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_FAILED);
  assert_folder_empty (fixture);
  assert_port_closed (fixture->port);
}

/* ---- the wait has an end, shown in advance, and can be extended ---- */

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_wait_expires (Fixture       *fixture,
                   gconstpointer  data)
{
  guint notified = 0;
  gint64 before = g_get_real_time ();
  gint64 deadline;

  /* The default is a few minutes. */
  begin (fixture);
  deadline = tts_flow_get_wait_deadline (fixture->flow);
  g_assert_cmpint (deadline, >=, before + (gint64) TTS_FLOW_WAIT_SECONDS * G_USEC_PER_SEC);
  g_assert_cmpint (deadline, <=, g_get_real_time () + (gint64) TTS_FLOW_WAIT_SECONDS * G_USEC_PER_SEC);
  g_assert_cmpint (TTS_FLOW_WAIT_SECONDS, >=, 3 * 60);
  tts_flow_cancel (fixture->flow);
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), ==, 0);

  /* Extending starts the whole wait again. */
  g_object_set (fixture->flow, "wait-timeout", 2, NULL);
  g_signal_connect (fixture->flow, "notify::wait-deadline", G_CALLBACK (notify_count_cb), &notified);
  begin (fixture);
  deadline = tts_flow_get_wait_deadline (fixture->flow);
  g_assert_cmpuint (notified, ==, 1);
  g_object_set (fixture->flow, "wait-timeout", 1, NULL);
  tts_flow_extend_wait (fixture->flow);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), <, deadline);

  /* Nobody signs in: the flow gives up, says why, and frees the port. */
  g_assert_false (wait_for_end (fixture));
  tts_test_assert_plain_error (tts_flow_get_error (fixture->flow), TTS_ERROR_SIGN_IN_EXPIRED,
                               known_secrets (fixture));
  g_assert_nonnull (strstr (tts_flow_get_error (fixture->flow)->message, "1 minute"));
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), ==, 0);
  assert_port_closed (fixture->port);
  assert_folder_empty (fixture);

  /* Extending after the end does nothing. */
  tts_flow_extend_wait (fixture->flow);
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), ==, 0);
}

/* A sign-in that finished stops the clock. */
static void
test_wait_stops_on_redirect (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  begin (fixture);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), ==, 0);
  g_assert_true (wait_for_end (fixture));
}

/* ---- another SDK's names, another file, the sandbox marked ---- */

static void
test_file_format (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  g_autofree char *path = g_build_filename (fixture->folder_path, ".env", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sandbox = NULL;
  g_autofree char *basename = NULL;
  guint status = 0;

  g_assert_cmpint (tts_flow_get_key_set (fixture->flow), ==, TTS_KEY_SET_FETCHER);
  g_assert_cmpstr (tts_flow_get_file_name (fixture->flow), ==, ".secrets");
  tts_flow_set_file_format (fixture->flow, TTS_KEY_SET_TASTYWARE, ".env");
  begin (fixture);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_true (wait_for_end (fixture));

  basename = g_file_get_basename (tts_flow_get_secrets_file (fixture->flow));
  g_assert_cmpstr (basename, ==, ".env");
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  token = tts_dotenv_lookup (contents, strlen (contents), "TT_REFRESH");
  g_assert_cmpstr (token, ==, tts_flow_get_refresh_token (fixture->flow));
  /* The fixture's environment is the sandbox. */
  sandbox = tts_dotenv_lookup (contents, strlen (contents), "TT_SANDBOX");
  g_assert_cmpstr (sandbox, ==, "true");
  g_assert_null (strstr (contents, "TT_API_CLIENT_SECRET"));
  g_assert_false (g_file_test (fixture->folder_path, G_FILE_TEST_IS_REGULAR));
}

typedef enum
{
  HELD_ON_IPV4 = 1 << 0,
  HELD_ON_IPV6 = 1 << 1,
} HeldOn;

/* The other program must not have been reached: nobody connected to its listener. */
static void
assert_never_connected (GSocket *other)
{
  drain_main_context ();
  tts_test_assert_never_connected (other);
}

/* Another program holds the port: the user learns its name and process, and can still
 * sign in in the window or paste the address back. */
static void
test_port_holder_named (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSubprocess) holder = tts_test_spawn_port_holder (fixture->port);
  g_autofree char *expected = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GError) error = NULL;
  const GError *listener_error;

  if (holder == NULL)
    {
      g_test_skip ("python3 is not installed");
      return;
    }

  begin (fixture);
  listener_error = tts_flow_get_listener_error (fixture->flow);
  tts_test_assert_plain_error (listener_error, TTS_ERROR_PORT_IN_USE, known_secrets (fixture));
  g_test_message ("%s", listener_error->message);
  expected = g_strdup_printf ("Port %u of this computer is in use by python3 (process %s).",
                              fixture->port, g_subprocess_get_identifier (holder));
  g_assert_cmpstr (listener_error->message, ==, expected);

  /* Paste-back still works. */
  location = consent (fixture, "allow");
  g_assert_true (tts_flow_submit_pasted (fixture->flow, location, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_null (tts_flow_get_listener_error (fixture->flow));

  tts_test_stop_port_holder (holder);
}

/* Another program holds the port on 127.0.0.1, ::1 or both: the embedded view hands the
 * redirect over, and the other program never sees a connection, let alone the code. */
static void
test_navigation_when_port_taken (Fixture       *fixture,
                                 gconstpointer  data)
{
  HeldOn held_on = GPOINTER_TO_UINT (data);
  g_autoptr(GSocket) other4 = NULL;
  g_autoptr(GSocket) other6 = NULL;
  g_autofree char *location = NULL;
  g_autofree char *lookalike = NULL;

  if ((held_on & HELD_ON_IPV6) && !tts_test_ipv6_loopback_works ())
    {
      g_test_skip ("No IPv6 loopback on this machine");
      return;
    }
  if (held_on & HELD_ON_IPV4)
    {
      other4 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->port);
      g_assert_nonnull (other4);
    }
  if (held_on & HELD_ON_IPV6)
    {
      other6 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, fixture->port);
      g_assert_nonnull (other6);
    }

  begin (fixture);
  g_assert_false (tts_flow_get_listener_owns_port (fixture->flow));
  /* The user is told; this process holds the port, so the program is not named (the
   * listener itself may hold the other half). */
  tts_test_assert_plain_error (tts_flow_get_listener_error (fixture->flow), TTS_ERROR_PORT_IN_USE,
                               known_secrets (fixture));
  location = consent (fixture, "allow");

  /* Pages of tastytrade load; a look-alike host is not the redirect. */
  g_assert_false (tts_flow_handle_navigation (fixture->flow, tts_fake_tastytrade_get_auth_uri (fixture->fake)));
  lookalike = g_strdup_printf ("http://localhost:%u.evil.example/?code=x", fixture->port);
  g_assert_false (tts_flow_handle_navigation (fixture->flow, lookalike));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);

  /* The real redirect is taken by the view, never loaded; a second delivery of it (a
   * reload, a replay) is blocked too and exchanges nothing. */
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
  /* Any later visit of the redirect URI stays blocked. */
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);

  assert_never_connected (other4);
  assert_never_connected (other6);
}

/* The view's navigations to the redirect URI without this attempt's state: WebKitGTK does
 * not say which frame navigates, and a frame of another site on the sign-in page can make
 * one. Each is blocked (never loaded) and ignored, as the listener ignores it; the real
 * answer still ends the wait. */
/* After the attempt is given up, a late navigation to the redirect URI (a script or a frame
 * of the page still on screen) must not load either: another program may hold the port. */
static void
test_navigation_after_cancel (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *state = NULL;
  g_autofree char *other = g_strdup_printf ("%s/?code=late&state=x", fixture->redirect_uri);

  begin (fixture);
  state = flow_state (fixture);
  location = g_strdup_printf ("%s/?code=late&state=%s", fixture->redirect_uri, state);
  tts_flow_cancel (fixture->flow);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);

  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_true (tts_flow_handle_navigation (fixture->flow, other));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
  /* Anything else is not the flow's to decide. */
  g_assert_false (tts_flow_handle_navigation (fixture->flow, "https://example.com/"));
  drain_main_context ();
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);
}

static void
test_navigation_without_our_state (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *state = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GPtrArray) forged = g_ptr_array_new_with_free_func (g_free);
  const char *redirect = fixture->redirect_uri;
  gint64 deadline;

  begin (fixture);
  state = flow_state (fixture);
  deadline = tts_flow_get_wait_deadline (fixture->flow);

#define FORGED(...) g_ptr_array_add (forged, g_strdup_printf (__VA_ARGS__))
  FORGED ("%s/?code=forged&state=WRONG", redirect);
  FORGED ("%s/?code=forged", redirect);
  FORGED ("%s?code=forged&state=", redirect);
  FORGED ("%s/?code=forged&state=%sx", redirect, state);
  FORGED ("%s/?code=forged&state=%s&state=%s", redirect, state, state);
  FORGED ("%s/?code=%%ZZ&state=%s", redirect, state);
  FORGED ("%s/?error=access_denied&state=WRONG", redirect);
  FORGED ("%s/?error=access_denied", redirect);
  FORGED ("%s/", redirect);
#undef FORGED

  for (guint i = 0; i < forged->len; i++)
    {
      const char *uri = g_ptr_array_index (forged, i);

      g_test_message ("Navigating to %s", uri);
      g_assert_true (tts_flow_handle_navigation (fixture->flow, uri));
      g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
      g_assert_null (tts_flow_get_error (fixture->flow));
    }

  /* Nothing changed: no exchange, the listener and the wait as they were. */
  drain_main_context ();
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), ==, deadline);
  assert_folder_empty (fixture);

  location = consent (fixture, "allow");
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
}

/* tastytrade's own refusal, with our state, still ends the attempt from the view. */
static void
test_navigation_denied (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *location = NULL;

  begin (fixture);
  location = consent (fixture, "deny");
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_FAILED);
  tts_test_assert_plain_error (tts_flow_get_error (fixture->flow), TTS_ERROR_ACCESS_DENIED,
                               known_secrets (fixture));
  assert_folder_empty (fixture);
  assert_port_closed (fixture->port);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);
}

static void
test_refresh_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autoptr(GError) error = NULL;

  g_assert_true (tts_flow_begin_with_refresh_token (fixture->flow, CLIENT_ID, CLIENT_SECRET,
                                                    grant, fixture->folder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_VERIFYING);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_cmpstr (tts_flow_get_refresh_token (fixture->flow), ==, grant);
  g_assert_cmpuint (g_list_model_get_n_items (tts_flow_get_accounts (fixture->flow)), >, 0);
}

static void
test_wrong_secret_writes_nothing (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autofree char *path = secrets_path (fixture);
  g_autoptr(GError) error = NULL;

  g_assert_true (tts_flow_begin_with_refresh_token (fixture->flow, CLIENT_ID, "not-the-secret",
                                                    grant, fixture->folder, &error));
  g_assert_false (wait_for_end (fixture));
  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR, TTS_ERROR_INVALID_CLIENT);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_bad_input (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tts_flow_begin_authorization (fixture->flow, "", CLIENT_SECRET, fixture->folder, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_false (tts_flow_begin_authorization (fixture->flow, CLIENT_ID, "two\nlines", fixture->folder, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_false (tts_flow_begin_authorization (fixture->flow, CLIENT_ID, CLIENT_SECRET, NULL, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_false (tts_flow_begin_with_refresh_token (fixture->flow, CLIENT_ID, CLIENT_SECRET, "a b",
                                                     fixture->folder, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
}

static void
test_cancel_frees_port (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;

  begin (fixture);
  tts_flow_cancel (fixture->flow);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
  g_assert_null (tts_flow_get_authorize_uri (fixture->flow));
  socket = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->port);
  g_assert_nonnull (socket);
}

/* An error redirect other than a denial, with tastytrade's own words: a plain message, and
 * Try again on the same flow, without cancelling first, works to the end. */
static void
test_authorization_error (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *state = NULL;
  g_autofree char *target = NULL;
  g_autofree char *request = NULL;
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  g_autoptr(GBytes) reply = NULL;
  const GError *error;
  guint status = 0;

  begin (fixture);
  state = flow_state (fixture);
  target = g_strdup_printf ("/?error=server_error&error_description=The+sign-in+service+is+"
                            "resting%%2C+back+soon&state=%s", state);
  request = raw_get (fixture, target, NULL);
  reply = probe (fixture, G_SOCKET_FAMILY_IPV4, request, -1);
  g_assert_cmpuint (tts_test_probe_status (reply), ==, 400);
  /* The page does not echo what it was sent. */
  g_assert_false (tts_test_probe_contains (reply, state));
  g_assert_false (tts_test_probe_contains (reply, "resting"));

  g_assert_false (wait_for_end (fixture));
  error = tts_flow_get_error (fixture->flow);
  tts_test_assert_plain_error (error, TTS_ERROR_AUTHORIZATION_FAILED, known_secrets (fixture));
  /* tastytrade's own words are passed on, cleaned. */
  g_assert_nonnull (strstr (error->message, "The sign-in service is resting, back soon"));
  assert_folder_empty (fixture);
  assert_port_closed (fixture->port);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);

  /* Try Again straight from the failure */
  begin (fixture);
  g_assert_null (tts_flow_get_error (fixture->flow));
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
}

typedef struct
{
  gboolean  done;
  GBytes   *reply;
  GError   *error;
} ProbeResult;

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  ProbeResult *probe_result = user_data;

  probe_result->reply = tts_test_probe_send_finish (result, &probe_result->error);
  probe_result->done = TRUE;
}

/* The same valid redirect delivered twice at once, and again after success, and a second
 * good redirect after success: one exchange, one write. */
static void
test_replayed_redirect (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *second = NULL;
  g_autofree char *target = NULL;
  g_autofree char *request = NULL;
  g_autofree char *path = secrets_path (fixture);
  g_autofree char *backup = g_strconcat (path, ".backup", NULL);
  g_autofree char *saved = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GBytes) bytes = NULL;
  ProbeResult results[2] = { { 0 } };
  guint answered = 0;
  struct stat before_stat, after_stat;

  begin (fixture);
  location = consent (fixture, "allow");
  target = target_of (location);
  request = raw_get (fixture, target, NULL);
  bytes = g_bytes_new (request, strlen (request));

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    tts_test_probe_send_async (G_SOCKET_FAMILY_IPV4, fixture->port, bytes, TTS_TEST_PROBE_NONE,
                               NULL, probe_cb, &results[i]);
  while (!results[0].done || !results[1].done)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      guint status = tts_test_probe_status (results[i].reply);

      g_test_message ("delivery %u: %u (%s)", i, status,
                      results[i].error != NULL ? results[i].error->message : "answered");
      if (status == 200)
        answered++;
      else
        g_assert_true (status == 0 || status >= 400);
      g_clear_pointer (&results[i].reply, g_bytes_unref);
      g_clear_error (&results[i].error);
    }
  g_assert_cmpuint (answered, ==, 1);

  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_refresh_tokens_issued (fixture->fake), ==, 1);
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_cmpint (g_stat (path, &before_stat), ==, 0);

  /* Again after success: the port is closed, and the view blocks it without exchanging. */
  assert_port_closed (fixture->port);
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));

  /* A second, fresh redirect for the same request after success */
  second = consent (fixture, "allow");
  g_assert_cmpstr (second, !=, location);
  g_assert_true (tts_flow_handle_navigation (fixture->flow, second));
  assert_port_closed (fixture->port);

  drain_main_context ();
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_DONE);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, saved);
  g_assert_cmpint (g_stat (path, &after_stat), ==, 0);
  g_assert_cmpint (after_stat.st_ino, ==, before_stat.st_ino);
}

/* Another local program knocking while the flow waits learns nothing and changes nothing. */
static void
test_probe_learns_nothing (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *state = NULL;
  g_autofree char *guess = guessed_state ();
  g_autofree char *location = NULL;
  g_autofree char *code = NULL;
  g_autofree char *refusal = NULL;
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) forbidden = g_ptr_array_new ();
  GSocketFamily families[2] = { G_SOCKET_FAMILY_IPV4, G_SOCKET_FAMILY_IPV6 };
  guint n_families = tts_test_ipv6_loopback_works () ? 2 : 1;

  begin (fixture);
  state = flow_state (fixture);
  g_ptr_array_add (forbidden, state);
  g_ptr_array_add (forbidden, (gpointer) CLIENT_ID);
  g_ptr_array_add (forbidden, (gpointer) CLIENT_SECRET);
  g_ptr_array_add (forbidden, (gpointer) fixture->folder_path);
  g_ptr_array_add (forbidden, (gpointer) "tastytrade-setup/");
  g_ptr_array_add (forbidden, (gpointer) "127.0.0.1:");  /* the fake's address */

#define PROBE(...) g_ptr_array_add (requests, g_strdup_printf (__VA_ARGS__))
  PROBE ("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  PROBE ("GET /?state=%s&code=injected HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
         guess);
  PROBE ("GET /?state=%.20s&code=injected HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
         state);
  PROBE ("GET /?state=%c%s&code=injected HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
         state[0] == 'x' ? 'y' : 'x', state + 1);
  PROBE ("GET /?error=access_denied&state=%s HTTP/1.1\r\nHost: localhost\r\n"
         "Connection: close\r\n\r\n", guess);
  PROBE ("HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  PROBE ("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  PROBE ("GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  PROBE ("GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: localhost\r\n\r\n");
  PROBE ("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         "Content-Length: 23\r\n\r\nstate=x&code=injected12");
  PROBE ("GET / HTTP/1.0\r\n\r\n");
  PROBE ("TRACE / HTTP/1.1\r\nHost: localhost\r\nCookie: a=b\r\n\r\n");
#undef PROBE
  g_ptr_array_add (forbidden, NULL);

  for (guint f = 0; f < n_families; f++)
    {
      for (guint i = 0; i < requests->len; i++)
        {
          const char *request = g_ptr_array_index (requests, i);
          g_autoptr(GBytes) reply = probe (fixture, families[f], request, -1);
          g_autofree char *body = body_of (reply);
          guint status = tts_test_probe_status (reply);

          g_test_message ("probe %u/%u: %u", f, i, status);
          g_assert_true (status == 0 || status >= 400);
          for (guint k = 0; forbidden->pdata[k] != NULL; k++)
            {
              if (tts_test_probe_contains (reply, forbidden->pdata[k]))
                g_error ("A probe's answer holds %s", (char *) forbidden->pdata[k]);
            }
          /* Nothing to remember, follow or run */
          g_assert_false (tts_test_probe_contains (reply, "Set-Cookie"));
          g_assert_false (tts_test_probe_contains (reply, "Location:"));
          g_assert_false (tts_test_probe_contains (reply, "Server:"));
          g_assert_false (tts_test_probe_contains (reply, "<script"));
          /* Our pages may not be kept (libsoup's own bare answers have nothing to keep). */
          if (tts_test_probe_contains (reply, "text/html"))
            g_assert_true (tts_test_probe_contains (reply, "Cache-Control: no-store"));

          /* No oracle: wrong, partial and missing states get the very same refusal. */
          if (i <= 3)
            {
              g_assert_cmpuint (status, ==, 400);
              if (refusal == NULL)
                refusal = g_strdup (body);
              g_assert_cmpstr (body, ==, refusal);
            }
        }
    }

  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);

  /* The real redirect: its page holds neither the code nor the state. */
  location = consent (fixture, "allow");
  code = code_of (location);
  {
    g_autofree char *target = target_of (location);
    g_autofree char *request = raw_get (fixture, target, NULL);
    g_autoptr(GBytes) reply = probe (fixture, G_SOCKET_FAMILY_IPV4, request, -1);

    g_assert_cmpuint (tts_test_probe_status (reply), ==, 200);
    g_assert_false (tts_test_probe_contains (reply, code));
    g_assert_false (tts_test_probe_contains (reply, state));
  }
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
}

/* Junk for the soak: one request of a random kind. */
static GBytes *
soak_junk (Fixture           *fixture,
           GRand             *rand,
           const char        *state,
           TtsTestProbeFlags *flags)
{
  static const char * const methods[] = {
    "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "CONNECT", "FOO", "get",
    "G\001T", "PRI",
  };
  static const char * const hosts[] = {
    "evil.example", "", "localhost:8000.evil.example", "[::1", "127.0.0.1:notaport",
    "localhost\r\nHost: evil.example", "local host", "127.0.0.2", "[::ffff:127.0.0.1]",
  };
  static const char path_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789/%.?&=;+-_~";
  GString *out = g_string_new (NULL);
  guint kind = g_rand_int_range (rand, 0, 13);

  *flags = TTS_TEST_PROBE_NONE;

  switch (kind)
    {
    case 0: /* a random path */
      g_string_append (out, "GET /");
      for (gint n = g_rand_int_range (rand, 0, 60); n > 0; n--)
        g_string_append_c (out, path_chars[g_rand_int_range (rand, 0, sizeof path_chars - 1)]);
      g_string_append_printf (out, "?code=%08x&state=%08x HTTP/1.1\r\nHost: localhost:%u\r\n\r\n",
                              g_rand_int (rand), g_rand_int (rand), fixture->port);
      break;

    case 1: /* another method */
      g_string_append_printf (out, "%s /?code=%08x&state=%s HTTP/1.1\r\nHost: localhost\r\n"
                              "Content-Length: 5\r\n\r\nhello",
                              methods[g_rand_int_range (rand, 0, G_N_ELEMENTS (methods))],
                              g_rand_int (rand), state);
      break;

    case 2: /* a bad Host, with our state even */
      {
        const char *host = hosts[g_rand_int_range (rand, 0, G_N_ELEMENTS (hosts))];

        g_string_append_printf (out, "GET /?code=%08x&state=%s HTTP/1.1\r\nHost: %s\r\n\r\n",
                                g_rand_int (rand), state, host);
        /* libsoup 3.7.1 and later refuse a second Host header with a warning of their own. */
        if (strstr (host, "\r\nHost:") != NULL &&
            (soup_get_major_version () > 3 || soup_get_minor_version () > 7 ||
             (soup_get_minor_version () == 7 && soup_get_micro_version () >= 1)))
          g_test_expect_message ("libsoup", G_LOG_LEVEL_WARNING, "*Rejecting duplicate Host header");
      }
      break;

    case 3: /* many, odd or huge headers */
      g_string_append (out, "GET /?code=x&state=y HTTP/1.1\r\nHost: localhost\r\n");
      for (gint n = g_rand_int_range (rand, 1, 60); n > 0; n--)
        g_string_append_printf (out, "X-%08x: %08x\r\n", g_rand_int (rand), g_rand_int (rand));
      if (g_rand_boolean (rand))
        {
          g_string_append (out, "X-Big: ");
          for (guint n = 0; n < 20000; n++)
            g_string_append_c (out, 'b');
          g_string_append (out, "\r\n");
        }
      else
        {
          g_string_append (out, "No colon here\r\n obs-fold\r\nX-\001\377: \377\r\n");
        }
      g_string_append (out, "\r\n");
      break;

    case 4: /* garbage bytes */
      for (gint n = g_rand_int_range (rand, 1, 4096); n > 0; n--)
        g_string_append_c (out, (char) g_rand_int_range (rand, 0, 256));
      break;

    case 5: /* connect and go */
      *flags = TTS_TEST_PROBE_CLOSE_EARLY;
      break;

    case 6: /* half a request, then go */
      g_string_append_printf (out, "GET /?code=%08x&sta", g_rand_int (rand));
      *flags = TTS_TEST_PROBE_CLOSE_EARLY;
      break;

    case 7: /* a body shorter than announced */
      g_string_append (out, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n"
                            "short");
      break;

    case 8: /* broken chunks */
      g_string_append (out, "POST / HTTP/1.1\r\nHost: localhost\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"
                            "zz\r\nxx\r\nffffffffffffffff\r\n");
      break;

    case 9: /* pipelined, keep-alive, then a request for our path */
      g_string_append_printf (out, "GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n"
                              "GET /?code=x&state=%08x HTTP/1.1\r\nHost: localhost\r\n\r\n",
                              g_rand_int (rand));
      break;

    case 10: /* other protocols and versions */
      g_string_append (out, g_rand_boolean (rand) ? "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                                  : "GET / HTTP/9.9\r\nHost: localhost\r\n\r\n");
      break;

    case 11: /* a well-formed redirect with a guessed state */
      {
        g_autofree char *guess = guessed_state ();

        g_string_append_printf (out, "GET /?code=%08x%08x&state=%s HTTP/1.1\r\n"
                                "Host: localhost:%u\r\nConnection: keep-alive\r\n\r\n",
                                g_rand_int (rand), g_rand_int (rand), guess, fixture->port);
      }
      break;

    case 12: /* malformed and long queries */
    default:
      g_string_append (out, "GET /?code=%ZZ&state=%");
      for (gint n = g_rand_int_range (rand, 0, 20000); n > 0; n--)
        g_string_append_c (out, (char) g_rand_int_range (rand, 0x21, 0x7f));
      g_string_append (out, "\xff\xfe HTTP/1.1\r\nHost: localhost\r\n\r\n");
      break;
    }

  return g_string_free_to_bytes (out);
}

/* Below the listen backlog of 10 that libsoup asks for: a full queue would drop SYNs, and
 * the kernel would only try again a second later. */
#define SOAK_PARALLEL 8

typedef struct
{
  Fixture    *fixture;
  GRand      *rand;
  const char *state;
  guint       to_send;
  guint       in_flight;
  guint       answered;
  guint       dropped;
  guint       ipv6;
} Soak;

static void soak_send (Soak *soak);

static void
soak_probe_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Soak *soak = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = tts_test_probe_send_finish (result, &error);
  guint status = tts_test_probe_status (reply);

  soak->in_flight--;
  if (reply != NULL && g_bytes_get_size (reply) > 0)
    soak->answered++;
  else
    soak->dropped++;

  /* A timed-out probe means the server hung on it. */
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED));
  g_assert_true (status == 0 || status >= 400);
  g_assert_false (tts_test_probe_contains (reply, soak->state));

  soak_send (soak);
}

static void
soak_send (Soak *soak)
{
  while (soak->to_send > 0 && soak->in_flight < SOAK_PARALLEL)
    {
      TtsTestProbeFlags flags;
      g_autoptr(GBytes) junk = soak_junk (soak->fixture, soak->rand, soak->state, &flags);
      GSocketFamily family = G_SOCKET_FAMILY_IPV4;

      if (soak->ipv6 && g_rand_boolean (soak->rand))
        family = G_SOCKET_FAMILY_IPV6;

      soak->to_send--;
      soak->in_flight++;
      tts_test_probe_send_async (family, soak->fixture->port, junk, flags, NULL,
                                 soak_probe_cb, soak);
    }
}

/* 1,000 junk requests while the flow waits, then the real redirect completes it; no file
 * descriptor is left behind. */
static void
test_soak (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *state = NULL;
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint32 seed = g_test_rand_int ();
  Soak soak = { 0 };
  guint fds_before, fds_after;
  gint64 start, junk_done;
  guint status = 0;

  begin (fixture);
  state = flow_state (fixture);
  /* Warm up: whatever GIO sets up once (resolver, proxy lookup) is in the count. */
  g_bytes_unref (probe (fixture, G_SOCKET_FAMILY_IPV4,
                        "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", -1));
  drain_main_context ();
  fds_before = tts_test_count_open_fds ();

  g_test_message ("Soak seed: %u", seed);
  soak.fixture = fixture;
  soak.rand = g_rand_new_with_seed (seed);
  soak.state = state;
  soak.to_send = 1000;
  soak.ipv6 = tts_test_ipv6_loopback_works ();

  start = g_get_monotonic_time ();
  soak_send (&soak);
  while (soak.to_send > 0 || soak.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  drain_main_context ();
  junk_done = g_get_monotonic_time ();
  g_rand_free (soak.rand);

  fds_after = tts_test_count_open_fds ();
  g_test_message ("Soak: 1000 requests (%u answered, %u dropped) in %" G_GINT64_FORMAT " ms; "
                  "open file descriptors %u before, %u after",
                  soak.answered, soak.dropped, (junk_done - start) / 1000, fds_before, fds_after);
  g_assert_cmpuint (soak.answered + soak.dropped, ==, 1000);
  g_assert_cmpuint (fds_after, <=, fds_before + 2);

  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  g_test_message ("Soak and sign-in: %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_test_assert_expected_messages ();
}

/* The listener is there only while the flow waits for the redirect. */
static void
test_listens_only_while_waiting (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  assert_port_closed (fixture->port);

  /* Success */
  begin (fixture);
  assert_port_listening (fixture->port);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_true (wait_for_end (fixture));
  assert_port_closed (fixture->port);

  /* Denied */
  begin (fixture);
  assert_port_listening (fixture->port);
  g_free (location);
  g_free (page);
  location = consent (fixture, "deny");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_false (wait_for_end (fixture));
  assert_port_closed (fixture->port);

  /* The exchange fails */
  begin (fixture);
  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 400, "application/json",
                                           "{\"error_code\":\"invalid_grant\"}");
  g_free (location);
  g_free (page);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_false (wait_for_end (fixture));
  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR,
                  TTS_ERROR_INVALID_GRANT);
  assert_port_closed (fixture->port);

  /* The page could not be shown */
  begin (fixture);
  {
    g_autoptr(GError) error = g_error_new_literal (TTS_ERROR, TTS_ERROR_PAGE_LOAD_FAILED, "x");

    tts_flow_fail (fixture->flow, error);
  }
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_FAILED);
  assert_port_closed (fixture->port);

  /* Cancelled */
  begin (fixture);
  assert_port_listening (fixture->port);
  tts_flow_cancel (fixture->flow);
  assert_port_closed (fixture->port);

  /* The flow goes away while waiting */
  begin (fixture);
  assert_port_listening (fixture->port);
  g_clear_object (&fixture->flow);
  assert_port_closed (fixture->port);
  fixture->flow = tts_flow_new (fixture->environment, "tastytrade-setup/test");
}

/* A failure of the token endpoint or of the accounts call: the flow's error, how often
 * the call was made, and nothing on disk. */
typedef struct
{
  const char   *path;           /* where the fault is */
  guint         count;
  guint         status;
  const char   *content_type;
  const char   *body;
  TtsErrorCode  code;
  guint         calls;          /* requests to path in all */
} Fault;

static const Fault exchange_faults[] = {
  { "/oauth/token", 1, 400, "application/json",
    "{\"error_code\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}",
    TTS_ERROR_INVALID_GRANT, 1 },
  { "/oauth/token", 1, 401, "application/json",
    "{\"error_code\":\"invalid_grant\",\"error_description\":\"Grant revoked\"}",
    TTS_ERROR_INVALID_GRANT, 1 },
  { "/oauth/token", 1, 401, "application/json",
    "{\"error_code\":\"invalid_client\",\"error_description\":\"Bad client\"}",
    TTS_ERROR_INVALID_CLIENT, 1 },
  { "/oauth/token", 1, 401, "text/html", NGINX_401, TTS_ERROR_PROTOCOL, 1 },
  { "/oauth/token", 3, 503, "text/html", BUSY_HTML, TTS_ERROR_SERVICE_UNAVAILABLE, 3 },
  { "/oauth/token", 1, 200, "application/json", "{\"access_token\":\"abc.def",
    TTS_ERROR_PROTOCOL, 1 },
  { "/oauth/token", 1, 200, "application/json",
    "{\"access_token\":\"abc.def.ghi\",\"token_type\":\"Bearer\",\"expires_in\":900}",
    TTS_ERROR_PROTOCOL, 1 },
};

static const Fault verification_faults[] = {
  { "/customers/me/accounts", 1, 401, "application/json",
    "{\"error\":{\"code\":\"token_invalid\","
    "\"message\":\"This request requires a valid access token\"}}",
    TTS_ERROR_INVALID_GRANT, 1 },
  { "/customers/me/accounts", 1, 403, "application/json",
    "{\"error\":{\"code\":\"forbidden\",\"message\":\"The scope does not permit this request\"}}",
    TTS_ERROR_FORBIDDEN, 1 },
  { "/customers/me/accounts", 3, 502, "text/html", BUSY_HTML, TTS_ERROR_SERVICE_UNAVAILABLE, 3 },
  { "/customers/me/accounts", 1, 401, "text/html", NGINX_401, TTS_ERROR_PROTOCOL, 1 },
};

static void
test_fault_writes_nothing (Fixture       *fixture,
                           gconstpointer  data)
{
  const Fault *fault = data;
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  begin (fixture);
  if (g_str_equal (fault->path, "/oauth/token"))
    tts_fake_tastytrade_fail_token_requests (fixture->fake, fault->count, fault->status,
                                             fault->content_type, fault->body);
  else
    tts_fake_tastytrade_fail_requests (fixture->fake, fault->path, fault->count, fault->status,
                                       fault->content_type, fault->body);

  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_false (wait_for_end (fixture));

  tts_test_assert_plain_error (tts_flow_get_error (fixture->flow), fault->code,
                               known_secrets (fixture));
  g_assert_cmpuint (count_requests (fixture, fault->path), ==, fault->calls);
  g_assert_cmpuint (count_exchanges (fixture), ==, g_str_equal (fault->path, "/oauth/token") ?
                                                   fault->calls : 1);
  assert_folder_empty (fixture);
  assert_port_closed (fixture->port);

  /* The fault is over: Try Again on the same flow saves. */
  begin (fixture);
  g_free (location);
  g_free (page);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
}

/* No IPv6 at all: a network namespace of our own with only 127.0.0.1 on lo. */

static GString *debug_log;

static void
collect_debug_cb (const char     *log_domain,
                  GLogLevelFlags  log_level,
                  const char     *message,
                  gpointer        user_data)
{
  g_string_append_printf (debug_log, "%s: %s\n", log_domain, message);
  g_log_default_handler (log_domain, log_level, message, user_data);
}

static int
namespace_flags (void)
{
  /* Root needs no user namespace; anyone else gets root in one of their own. */
  return geteuid () == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET;
}

/* Why this process may not make a network namespace, or NULL. Tried in a child so that
 * nothing here changes. */
static char *
namespace_unavailable (void)
{
  int status = 0;
  pid_t pid = fork ();

  if (pid < 0)
    return g_strdup_printf ("fork: %s", g_strerror (errno));
  if (pid == 0)
    _exit (unshare (namespace_flags ()) == 0 ? 0 : (errno & 0xff));

  if (waitpid (pid, &status, 0) < 0)
    return g_strdup_printf ("waitpid: %s", g_strerror (errno));
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return NULL;

  return g_strdup_printf ("No network namespace for this test (unshare: %s)",
                          WIFEXITED (status) ? g_strerror (WEXITSTATUS (status)) : "crashed");
}

static void
write_proc (const char *path,
            const char *value)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gssize length = strlen (value);

  if (fd < 0)
    g_error ("open %s: %s", path, g_strerror (errno));
  if (write (fd, value, length) != length)
    g_error ("write %s: %s", path, g_strerror (errno));
  close (fd);
}

static void
enter_ipv4_only_namespace (void)
{
  static const char * const confs[] = { "all", "default", "lo" };
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  struct ifreq request = { 0 };
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  guint n_threads = 0;
  int fd;

  /* unshare() moves only the calling thread: there must be no other yet. */
  while (tasks != NULL && g_dir_read_name (tasks) != NULL)
    n_threads++;
  g_assert_cmpuint (n_threads, ==, 1);

  if (unshare (namespace_flags ()) != 0)
    g_error ("unshare: %s", g_strerror (errno));

  if (uid != 0)
    {
      g_autofree char *uid_map = g_strdup_printf ("%u %u 1", uid, uid);
      g_autofree char *gid_map = g_strdup_printf ("%u %u 1", gid, gid);

      write_proc ("/proc/self/setgroups", "deny");
      write_proc ("/proc/self/uid_map", uid_map);
      write_proc ("/proc/self/gid_map", gid_map);
    }

  /* Before lo comes up, so that ::1 is never even added. A kernel without IPv6 has no
   * such files, and nothing to turn off. */
  for (guint i = 0; i < G_N_ELEMENTS (confs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/sys/net/ipv6/conf/%s/disable_ipv6", confs[i]);

      if (g_file_test ("/proc/sys/net/ipv6", G_FILE_TEST_IS_DIR))
        write_proc (path, "1");
    }

  /* "ip link set lo up" without the ip program */
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (request.ifr_name, "lo", IFNAMSIZ);
  if (ioctl (fd, SIOCGIFFLAGS, &request) != 0)
    g_error ("SIOCGIFFLAGS: %s", g_strerror (errno));
  request.ifr_flags |= IFF_UP;
  if (ioctl (fd, SIOCSIFFLAGS, &request) != 0)
    g_error ("SIOCSIFFLAGS: %s", g_strerror (errno));
  close (fd);
}

static void
test_no_ipv6 (void)
{
  Fixture fixture = { 0 };
  g_autoptr(TtsRedirectServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  g_autofree char *listening = NULL;
  g_auto(GStrv) lines = NULL;
  guint status = 0;

  if (!g_test_subprocess ())
    {
      g_autofree char *reason = namespace_unavailable ();

      if (reason != NULL)
        {
          g_test_skip (reason);
          return;
        }

      /* Everything, the fake included, runs in the child's namespace. */
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  debug_log = g_string_new (NULL);
  g_log_set_handler ("tts-core", G_LOG_LEVEL_DEBUG, collect_debug_cb, NULL);

  enter_ipv4_only_namespace ();
  g_assert_false (tts_test_ipv6_loopback_works ());

  /* The listener alone: 127.0.0.1 only, and the missing ::1 is no reason to share. */
  server = tts_redirect_server_new (0);
  g_assert_true (tts_redirect_server_start (server, &error));
  g_assert_no_error (error);
  g_assert_true (tts_redirect_server_get_owns_port (server));
  {
    g_autoslist(GUri) uris = tts_redirect_server_get_uris (server);

    g_assert_cmpuint (g_slist_length (uris), ==, 1);
    g_assert_cmpstr (g_uri_get_host (uris->data), ==, "127.0.0.1");
  }
  tts_redirect_server_stop (server);

  /* The whole sign-in: the browser asks for localhost, gets 127.0.0.1 and the listener. */
  fixture_set_up (&fixture, NULL);
  begin (&fixture);
  g_assert_true (tts_flow_get_listener_owns_port (fixture.flow));
  location = consent (&fixture, "allow");
  g_assert_true (g_str_has_prefix (location, "http://localhost:"));
  page = browse (&fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (wait_for_end (&fixture));
  assert_saved (&fixture);

  /* What it logged says where it listened, and that is not ::1. */
  listening = g_strdup_printf ("Redirect server listening on 127.0.0.1, port %u ", fixture.port);
  lines = g_strsplit (debug_log->str, "\n", -1);
  g_assert_nonnull (strstr (debug_log->str, listening));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (strstr (lines[i], "Redirect server listening on") != NULL)
        g_assert_null (strstr (lines[i], "::1"));
    }

  fixture_tear_down (&fixture, NULL);
  g_string_free (debug_log, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/flow/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_DATA(path, data, func) \
  g_test_add ("/flow/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("browser-redirect", test_browser_redirect);
  ADD ("junk-does-not-disturb", test_junk_does_not_disturb);
  ADD ("junk-raw", test_junk_raw);
  ADD ("denied", test_denied);
  ADD_DATA ("navigation-when-port-taken", GUINT_TO_POINTER (HELD_ON_IPV4),
            test_navigation_when_port_taken);
  ADD_DATA ("navigation-when-port-taken-ipv6", GUINT_TO_POINTER (HELD_ON_IPV6),
            test_navigation_when_port_taken);
  ADD_DATA ("navigation-when-port-taken-both", GUINT_TO_POINTER (HELD_ON_IPV4 | HELD_ON_IPV6),
            test_navigation_when_port_taken);
  ADD ("navigation-without-our-state", test_navigation_without_our_state);
  ADD ("navigation-after-cancel", test_navigation_after_cancel);
  ADD ("navigation-denied", test_navigation_denied);
  ADD ("port-holder-named", test_port_holder_named);
  ADD ("refresh-token", test_refresh_token);
  ADD ("wrong-secret-writes-nothing", test_wrong_secret_writes_nothing);
  ADD ("bad-input", test_bad_input);
  ADD ("cancel-frees-port", test_cancel_frees_port);
  ADD ("authorization-error", test_authorization_error);
  ADD ("replayed-redirect", test_replayed_redirect);
  ADD ("probe-learns-nothing", test_probe_learns_nothing);
  ADD ("listens-only-while-waiting", test_listens_only_while_waiting);
  ADD ("soak", test_soak);
  ADD_DATA ("paste-back/whole-address", GUINT_TO_POINTER (PASTE_WHOLE_ADDRESS), test_paste_back);
  ADD_DATA ("paste-back/query", GUINT_TO_POINTER (PASTE_QUERY), test_paste_back);
  ADD ("paste-back/denied", test_paste_back_denied);
  ADD ("wait/expires", test_wait_expires);
  ADD ("wait/stops-on-redirect", test_wait_stops_on_redirect);
  ADD ("file-format", test_file_format);

  ADD_DATA ("exchange-fails/invalid-grant-400", &exchange_faults[0], test_fault_writes_nothing);
  ADD_DATA ("exchange-fails/invalid-grant-401", &exchange_faults[1], test_fault_writes_nothing);
  ADD_DATA ("exchange-fails/invalid-client", &exchange_faults[2], test_fault_writes_nothing);
  ADD_DATA ("exchange-fails/html-401", &exchange_faults[3], test_fault_writes_nothing);
  ADD_DATA ("exchange-fails/5xx", &exchange_faults[4], test_fault_writes_nothing);
  ADD_DATA ("exchange-fails/malformed-json", &exchange_faults[5], test_fault_writes_nothing);
  ADD_DATA ("exchange-fails/no-refresh-token", &exchange_faults[6], test_fault_writes_nothing);
  ADD_DATA ("verification-fails/401", &verification_faults[0], test_fault_writes_nothing);
  ADD_DATA ("verification-fails/403", &verification_faults[1], test_fault_writes_nothing);
  ADD_DATA ("verification-fails/5xx", &verification_faults[2], test_fault_writes_nothing);
  ADD_DATA ("verification-fails/html-401", &verification_faults[3], test_fault_writes_nothing);

  g_test_add_func ("/flow/no-ipv6", test_no_ipv6);

#undef ADD
#undef ADD_DATA

  return g_test_run ();
}

/* test-flow.c: the state machine against the fake tastytrade, no display needed
 *
 * A scripted HTTP client plays the browser: it follows the authorization URL, signs in,
 * consents and is sent to the redirect URI like a browser would be.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-test-ports.h"
#include "tts-flow.h"

#define CLIENT_ID     "flow-client"
#define CLIENT_SECRET "flow-secret"
#define USERNAME      "bob"
#define PASSWORD      "hunter2"
#define OTP           "135790"

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
  tts_flow_set_network_timeouts (fixture->flow, 10, 1);
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

static void
test_browser_redirect (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *location = NULL;
  g_autofree char *page = NULL;
  guint status = 0;

  begin (fixture);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));
  location = consent (fixture, "allow");

  /* The browser follows the redirect to our listener, which answers with a page. */
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
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

  g_assert_false (wait_for_end (fixture));
  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR, TTS_ERROR_ACCESS_DENIED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Try again works from here. */
  tts_flow_cancel (fixture->flow);
  begin (fixture);
  g_free (location);
  g_free (page);
  location = consent (fixture, "allow");
  page = browse (fixture, "GET", location, NULL, &status, NULL);
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
}

static void
test_navigation_when_port_taken (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GSocket) other = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->port);
  g_autofree char *location = NULL;
  g_autofree char *lookalike = NULL;

  g_assert_nonnull (other);

  begin (fixture);
  g_assert_false (tts_flow_get_listener_owns_port (fixture->flow));
  location = consent (fixture, "allow");

  /* Pages of tastytrade load; a look-alike host is not the redirect. */
  g_assert_false (tts_flow_handle_navigation (fixture->flow, tts_fake_tastytrade_get_auth_uri (fixture->fake)));
  lookalike = g_strdup_printf ("http://localhost:%u.evil.example/?code=x", fixture->port);
  g_assert_false (tts_flow_handle_navigation (fixture->flow, lookalike));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);

  /* The real redirect is taken by the view, never loaded. */
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
  g_assert_true (wait_for_end (fixture));
  assert_saved (fixture);
  /* Any later visit of the redirect URI stays blocked. */
  g_assert_true (tts_flow_handle_navigation (fixture->flow, location));
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/flow/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("browser-redirect", test_browser_redirect);
  ADD ("junk-does-not-disturb", test_junk_does_not_disturb);
  ADD ("denied", test_denied);
  ADD ("navigation-when-port-taken", test_navigation_when_port_taken);
  ADD ("refresh-token", test_refresh_token);
  ADD ("wrong-secret-writes-nothing", test_wrong_secret_writes_nothing);
  ADD ("bad-input", test_bad_input);
  ADD ("cancel-frees-port", test_cancel_frees_port);

#undef ADD

  return g_test_run ();
}

/* test-browser-path.c: "Use my web browser", against the fake tastytrade, no display needed
 *
 * The authorization page opens in the user's own browser, which the listener on the
 * redirect port then hears from. A scripted browser with its own HTTP session plays that
 * browser: it signs in, passes 2FA and chooses on tastytrade's page, then follows the
 * redirect to the listener like any browser would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-flow.h"
#include "tts-test-browser.h"
#include "tts-test-ports.h"

#define CLIENT_ID     "browser-client"
#define CLIENT_SECRET "browser-secret"
#define USERNAME      "carol"
#define PASSWORD      "correct horse & battery"
#define OTP           "246801"

/* Fails a wait that would otherwise hang, well before meson's timeout. */
#define GUARD_SECONDS 30

typedef struct _Fixture Fixture;

/* One journey of the scripted browser. */
typedef struct
{
  Fixture  *fixture;
  gboolean  done;
  char     *body;
  guint     status;
  char     *uri;
  GError   *error;
} Visit;

struct _Fixture
{
  TtsFakeTastytrade *fake;
  TtsEnvironment    *environment;
  TtsFlow           *flow;
  char              *redirect_uri;
  guint              port;
  char              *folder_path;
  GFile             *folder;

  GMainLoop         *loop;
  /* What the running loop waits for, and what it was waiting for when the guard fired. */
  gboolean         (*until) (Fixture *fixture);
  const char        *waiting_for;
  const char        *timed_out;
  guint              guard_id;

  GArray            *states;     /* TtsFlowState, each one the flow entered */
  Visit              visit;      /* the user's browser */
  Visit              intruder;   /* another browser tab or program on this computer */
};

static void
visit_clear (Visit *visit)
{
  g_clear_pointer (&visit->body, g_free);
  g_clear_pointer (&visit->uri, g_free);
  g_clear_error (&visit->error);
  visit->done = FALSE;
  visit->status = 0;
}

static void
maybe_quit (Fixture *fixture)
{
  if (fixture->until != NULL && fixture->until (fixture))
    g_main_loop_quit (fixture->loop);
}

static void
state_cb (TtsFlow    *flow,
          GParamSpec *pspec,
          Fixture    *fixture)
{
  TtsFlowState state = tts_flow_get_state (flow);

  g_array_append_val (fixture->states, state);
  maybe_quit (fixture);
}

static gboolean
guard_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  fixture->guard_id = 0;
  fixture->timed_out = fixture->waiting_for;
  g_main_loop_quit (fixture->loop);

  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @until holds; fails the test after GUARD_SECONDS instead. */
static void
run_until (Fixture    *fixture,
           gboolean  (*until) (Fixture *fixture),
           const char *what)
{
  if (until (fixture))
    return;

  fixture->until = until;
  fixture->waiting_for = what;
  fixture->guard_id = g_timeout_add_seconds (GUARD_SECONDS, guard_cb, fixture);
  g_main_loop_run (fixture->loop);
  g_clear_handle_id (&fixture->guard_id, g_source_remove);
  fixture->until = NULL;
  fixture->waiting_for = NULL;

  /* Names what never came. */
  g_assert_cmpstr (fixture->timed_out, ==, NULL);
}

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
  tts_fake_tastytrade_add_account (fixture->fake, "5WB00001", "Browser Individual", "Individual",
                                   "owner");

  fixture->environment = tts_environment_new (TTS_ENVIRONMENT_SANDBOX,
                                               tts_fake_tastytrade_get_auth_uri (fixture->fake),
                                               tts_fake_tastytrade_get_api_uri (fixture->fake),
                                               fixture->redirect_uri,
                                               &error);
  g_assert_no_error (error);
  fixture->flow = tts_flow_new (fixture->environment, "tastytrade-setup/test");
  tts_flow_set_network_timeouts (fixture->flow, 10, 1);

  fixture->folder_path = g_dir_make_tmp ("tts-browser-path-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->folder = g_file_new_for_path (fixture->folder_path);

  fixture->loop = g_main_loop_new (NULL, FALSE);
  fixture->states = g_array_new (FALSE, FALSE, sizeof (TtsFlowState));
  fixture->visit.fixture = fixture;
  fixture->intruder.fixture = fixture;
  g_signal_connect (fixture->flow, "notify::state", G_CALLBACK (state_cb), fixture);
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

  g_signal_handlers_disconnect_by_data (fixture->flow, fixture);
  g_clear_object (&fixture->flow);
  g_clear_object (&fixture->environment);
  g_clear_object (&fixture->fake);
  g_clear_object (&fixture->folder);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->redirect_uri, g_free);
  g_clear_pointer (&fixture->loop, g_main_loop_unref);
  g_clear_pointer (&fixture->states, g_array_unref);
  visit_clear (&fixture->visit);
  visit_clear (&fixture->intruder);
}

static void
follow_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Visit *visit = user_data;

  visit->body = tts_test_browser_follow_finish (result, &visit->status, &visit->uri,
                                                &visit->error);
  visit->done = TRUE;
  maybe_quit (visit->fixture);
}

/* Opens @uri in the scripted browser, which answers tastytrade's pages as the user. */
static void
open_in_browser (Visit      *visit,
                 const char *uri,
                 gboolean    allow)
{
  visit_clear (visit);
  tts_test_browser_follow_async (uri, USERNAME, PASSWORD, OTP, allow, NULL, follow_cb, visit);
}

static gboolean
flow_ended (Fixture *fixture)
{
  TtsFlowState state = tts_flow_get_state (fixture->flow);

  return state == TTS_FLOW_STATE_DONE || state == TTS_FLOW_STATE_FAILED;
}

static gboolean
visit_and_flow_ended (Fixture *fixture)
{
  return fixture->visit.done && flow_ended (fixture);
}

static gboolean
intruder_done (Fixture *fixture)
{
  return fixture->intruder.done;
}

static void
begin (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tts_flow_begin_authorization (fixture->flow, CLIENT_ID, CLIENT_SECRET,
                                               fixture->folder, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_nonnull (tts_flow_get_authorize_uri (fixture->flow));
}

static GHashTable *
query_of (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  GHashTable *params;

  g_assert_nonnull (parsed);
  g_assert_nonnull (g_uri_get_query (parsed));
  params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_assert_nonnull (params);

  return params;
}

/* The state of the authorization request under way. */
static char *
flow_state (Fixture *fixture)
{
  g_autoptr(GHashTable) params = query_of (tts_flow_get_authorize_uri (fixture->flow));

  g_assert_nonnull (g_hash_table_lookup (params, "state"));

  return g_strdup (g_hash_table_lookup (params, "state"));
}

/* The browser ended on the listener: the redirect URI, on its own port, with @state. */
static void
assert_ended_on_listener (Fixture    *fixture,
                          Visit      *visit,
                          const char *state)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;

  g_assert_no_error (visit->error);
  g_assert_nonnull (visit->uri);
  uri = g_uri_parse (visit->uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  g_assert_cmpstr (g_uri_get_host (uri), ==, "localhost");
  g_assert_cmpint (g_uri_get_port (uri), ==, (int) fixture->port);
  g_assert_true (g_strcmp0 (g_uri_get_path (uri), "/") == 0 ||
                 g_strcmp0 (g_uri_get_path (uri), "") == 0);

  params = query_of (visit->uri);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, state);
}

/* Each page of tastytrade's sign-in went over HTTP, once. */
static void
assert_pages_visited (Fixture    *fixture,
                      const char *decision)
{
  static const struct
  {
    const char *method;
    const char *path;
  } pages[] = {
    { "GET", "/auth.html" }, { "POST", "/login" }, { "POST", "/otp" }, { "POST", "/consent" },
  };
  GPtrArray *requests = tts_fake_tastytrade_get_requests (fixture->fake);
  TtsFakeRequest *consent;

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      guint count = 0;

      for (guint j = 0; j < requests->len; j++)
        {
          TtsFakeRequest *request = g_ptr_array_index (requests, j);

          if (g_strcmp0 (request->path, pages[i].path) == 0)
            {
              g_assert_cmpstr (request->method, ==, pages[i].method);
              g_assert_nonnull (request->user_agent);
              g_assert_true (g_str_has_prefix (request->user_agent, "Mozilla/5.0"));
              count++;
            }
        }
      g_assert_cmpuint (count, ==, 1);
    }

  consent = tts_fake_tastytrade_get_last_request (fixture->fake, "/consent");
  g_assert_cmpstr (consent->content_type, ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (g_hash_table_lookup (consent->params, "decision"), ==, decision);
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

      if (g_strcmp0 (request->path, "/oauth/token") == 0 &&
          g_strcmp0 (g_hash_table_lookup (request->params, "grant_type"),
                     "authorization_code") == 0)
        count++;
    }

  return count;
}

/* The code of the last code exchange, or NULL. */
static const char *
last_exchanged_code (Fixture *fixture)
{
  GPtrArray *requests = tts_fake_tastytrade_get_requests (fixture->fake);
  const char *code = NULL;

  for (guint i = 0; i < requests->len; i++)
    {
      TtsFakeRequest *request = g_ptr_array_index (requests, i);

      if (g_strcmp0 (request->path, "/oauth/token") == 0 &&
          g_strcmp0 (g_hash_table_lookup (request->params, "grant_type"),
                     "authorization_code") == 0)
        code = g_hash_table_lookup (request->params, "code");
    }

  return code;
}

static void
assert_states (Fixture            *fixture,
               const TtsFlowState *expected,
               guint               n_expected)
{
  g_assert_cmpuint (fixture->states->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (g_array_index (fixture->states, TtsFlowState, i), ==, expected[i]);
}

/* The "Signed In" page: the browser's part is over, the wizard's window carries on. */
static void
assert_signed_in_page (Visit *visit)
{
  g_assert_cmpuint (visit->status, ==, 200);
  g_assert_nonnull (strstr (visit->body, "<title>Signed In</title>"));
  g_assert_nonnull (strstr (visit->body, "<h1>Signed In</h1>"));
  g_assert_nonnull (strstr (visit->body, "continues in its own window"));
  g_assert_null (strstr (visit->body, "Not Signed In"));
}

static void
assert_saved (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *token = NULL;
  g_autofree char *client_id = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  GFile *secrets_file;

  secrets_file = tts_flow_get_secrets_file (fixture->flow);
  g_assert_nonnull (secrets_file);
  g_assert_cmpstr (g_file_peek_path (secrets_file), ==, path);

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  token = tts_dotenv_lookup (contents, length, TTS_DOTENV_KEY_REFRESH_TOKEN);
  client_id = tts_dotenv_lookup (contents, length, TTS_DOTENV_KEY_CLIENT_ID);
  g_assert_nonnull (token);
  g_assert_cmpstr (token, ==, tts_flow_get_refresh_token (fixture->flow));
  g_assert_cmpstr (client_id, ==, CLIENT_ID);
  g_assert_cmpuint (tts_fake_tastytrade_get_refresh_tokens_issued (fixture->fake), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (tts_flow_get_accounts (fixture->flow)), ==, 1);
}

static void
assert_nothing_saved (Fixture *fixture)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder_path, 0, NULL);

  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

/* Sign in, Authorize: the listener hears the browser, says so, and the flow saves. */
static void
test_signed_in (Fixture       *fixture,
                gconstpointer  data)
{
  static const TtsFlowState expected[] = {
    TTS_FLOW_STATE_AUTHORIZING, TTS_FLOW_STATE_EXCHANGING, TTS_FLOW_STATE_VERIFYING,
    TTS_FLOW_STATE_SAVING, TTS_FLOW_STATE_DONE,
  };
  g_autofree char *state = NULL;

  begin (fixture);
  state = flow_state (fixture);

  open_in_browser (&fixture->visit, tts_flow_get_authorize_uri (fixture->flow), TRUE);
  run_until (fixture, visit_and_flow_ended, "the browser's last page and the end of the flow");

  assert_ended_on_listener (fixture, &fixture->visit, state);
  assert_signed_in_page (&fixture->visit);
  assert_pages_visited (fixture, "allow");

  g_assert_null (tts_flow_get_error (fixture->flow));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_DONE);
  assert_states (fixture, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
  assert_saved (fixture);
}

/* Sign in, Deny: the listener says it did not work, the flow says why. */
static void
test_denied (Fixture       *fixture,
             gconstpointer  data)
{
  static const TtsFlowState expected[] = {
    TTS_FLOW_STATE_AUTHORIZING, TTS_FLOW_STATE_FAILED,
  };
  g_autofree char *state = NULL;
  g_autoptr(GHashTable) params = NULL;

  begin (fixture);
  state = flow_state (fixture);

  open_in_browser (&fixture->visit, tts_flow_get_authorize_uri (fixture->flow), FALSE);
  run_until (fixture, visit_and_flow_ended, "the browser's last page and the end of the flow");

  assert_ended_on_listener (fixture, &fixture->visit, state);
  params = query_of (fixture->visit.uri);
  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "access_denied");
  g_assert_null (g_hash_table_lookup (params, "code"));

  g_assert_cmpuint (fixture->visit.status, ==, 400);
  g_assert_nonnull (strstr (fixture->visit.body, "<h1>Not Signed In</h1>"));
  g_assert_nonnull (strstr (fixture->visit.body, "Go back to the Tastytrade API Setup window"));
  g_assert_null (strstr (fixture->visit.body, "continues in its own window"));
  assert_pages_visited (fixture, "deny");

  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_FAILED);
  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR,
                  TTS_ERROR_ACCESS_DENIED);
  assert_states (fixture, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (count_exchanges (fixture), ==, 0);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 0);
  assert_nothing_saved (fixture);
}

/* @uri with its state replaced: a sign-in begun elsewhere, for instance an older tab. */
static char *
with_other_state (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GUri) changed = NULL;
  g_auto(GStrv) pairs = NULL;

  g_assert_nonnull (parsed);
  pairs = g_strsplit (g_uri_get_query (parsed), "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      if (query->len > 0)
        g_string_append_c (query, '&');
      if (g_str_has_prefix (pairs[i], "state="))
        g_string_append (query, "state=not-this-sign-in");
      else
        g_string_append (query, pairs[i]);
    }

  changed = g_uri_build (G_URI_FLAGS_ENCODED_QUERY,
                         g_uri_get_scheme (parsed), NULL, g_uri_get_host (parsed),
                         g_uri_get_port (parsed), g_uri_get_path (parsed), query->str, NULL);

  return g_uri_to_string (changed);
}

/* While the flow waits, other browsers knock on the port with another state: a stray
 * knock, and a whole sign-in that tastytrade sends back with a real code. Neither ends the
 * wait; the user's own browser then completes it. */
static void
test_wrong_state_ignored (Fixture       *fixture,
                          gconstpointer  data)
{
  static const TtsFlowState expected[] = {
    TTS_FLOW_STATE_AUTHORIZING, TTS_FLOW_STATE_EXCHANGING, TTS_FLOW_STATE_VERIFYING,
    TTS_FLOW_STATE_SAVING, TTS_FLOW_STATE_DONE,
  };
  g_autofree char *state = NULL;
  g_autofree char *knock = NULL;
  g_autofree char *other_sign_in = NULL;
  g_autoptr(GHashTable) params = NULL;

  begin (fixture);
  state = flow_state (fixture);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  /* A bare knock with a made-up code. */
  knock = g_strdup_printf ("%s/?code=made-up&state=not-this-sign-in", fixture->redirect_uri);
  open_in_browser (&fixture->intruder, knock, TRUE);
  run_until (fixture, intruder_done, "the answer to a knock with another state");

  assert_ended_on_listener (fixture, &fixture->intruder, "not-this-sign-in");
  g_assert_cmpuint (fixture->intruder.status, ==, 400);
  g_assert_nonnull (strstr (fixture->intruder.body, "<h1>Not Signed In</h1>"));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_null (tts_flow_get_error (fixture->flow));
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  /* A whole sign-in for another state: tastytrade issues a real code, sent to our port. */
  other_sign_in = with_other_state (tts_flow_get_authorize_uri (fixture->flow));
  open_in_browser (&fixture->intruder, other_sign_in, TRUE);
  run_until (fixture, intruder_done, "the end of a sign-in with another state");

  assert_ended_on_listener (fixture, &fixture->intruder, "not-this-sign-in");
  params = query_of (fixture->intruder.uri);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));
  g_assert_cmpuint (fixture->intruder.status, ==, 400);
  g_assert_nonnull (strstr (fixture->intruder.body, "<h1>Not Signed In</h1>"));
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 1);

  /* Still waiting, nothing exchanged, still listening. */
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_null (tts_flow_get_error (fixture->flow));
  g_assert_cmpuint (fixture->states->len, ==, 1);
  g_assert_cmpuint (count_exchanges (fixture), ==, 0);
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  /* The user's own browser. */
  open_in_browser (&fixture->visit, tts_flow_get_authorize_uri (fixture->flow), TRUE);
  run_until (fixture, visit_and_flow_ended, "the browser's last page and the end of the flow");

  assert_ended_on_listener (fixture, &fixture->visit, state);
  assert_signed_in_page (&fixture->visit);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_DONE);
  assert_states (fixture, expected, G_N_ELEMENTS (expected));
  /* Only the code of this sign-in was exchanged. */
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 2);
  g_assert_cmpuint (count_exchanges (fixture), ==, 1);
  g_clear_pointer (&params, g_hash_table_unref);
  params = query_of (fixture->visit.uri);
  g_assert_cmpstr (last_exchanged_code (fixture), ==, g_hash_table_lookup (params, "code"));
  assert_saved (fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/browser-path/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("signed-in", test_signed_in);
  ADD ("denied", test_denied);
  ADD ("wrong-state-ignored", test_wrong_state_ignored);

#undef ADD

  return g_test_run ();
}

/* test-window.c: the real window, end to end, against the fake tastytrade
 *
 * Runs under xvfb-run and dbus-run-session (see meson.build). Every wait is on a signal or
 * a main-loop condition; a guard timer only turns a hang into a failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>

#include "tts-credentials-page-private.h"
#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-test-ports.h"
#include "tts-signin-page-private.h"
#include "tts-window-private.h"

#define CLIENT_ID     "test-client-id"
#define CLIENT_SECRET "test-client-secret"
#define USERNAME      "alice"
#define PASSWORD      "correct horse"
#define OTP           "246810"
#define GUARD_SECONDS 60

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *redirect_uri;
  guint              redirect_port;
  char              *folder_path;
  GFile             *folder;
  TtsWindow         *window;
  TtsFlow           *flow;
  WebKitWebView     *web_view;
  guint              loads_finished;
  char              *last_loaded_uri;
} Fixture;

static gboolean
guard_cb (gpointer user_data)
{
  g_error ("Timed out waiting for: %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *fixture);

static void
wait_until (Fixture    *fixture,
            Condition   condition,
            const char *what)
{
  guint guard = g_timeout_add_seconds (GUARD_SECONDS, guard_cb, (gpointer) what);

  while (!condition (fixture))
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (guard);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 Fixture         *fixture)
{
  if (event != WEBKIT_LOAD_FINISHED)
    return;

  g_free (fixture->last_loaded_uri);
  fixture->last_loaded_uri = g_strdup (webkit_web_view_get_uri (web_view));
  fixture->loads_finished++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);

  fixture->redirect_port = tts_test_free_port ();
  fixture->redirect_uri = g_strdup_printf ("http://localhost:%u", fixture->redirect_port);
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, fixture->redirect_uri);
  tts_fake_tastytrade_set_user (fixture->fake, USERNAME, PASSWORD, OTP);
  tts_fake_tastytrade_add_account (fixture->fake, "5WX01234", "Individual", "Individual", "owner");
  tts_fake_tastytrade_add_account (fixture->fake, "5WY99999", "Joint", "Joint", "read-only");

  fixture->folder_path = g_dir_make_tmp ("tts-window-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->folder = g_file_new_for_path (fixture->folder_path);

  fixture->window = g_object_ref_sink (tts_window_new (NULL, FALSE,
                                                       tts_fake_tastytrade_get_auth_uri (fixture->fake),
                                                       tts_fake_tastytrade_get_api_uri (fixture->fake),
                                                       fixture->redirect_uri,
                                                       fixture->folder));
  fixture->flow = tts_window_get_flow (fixture->window);
  tts_flow_set_network_timeouts (fixture->flow, 10, 1);
  fixture->web_view = tts_signin_page_get_web_view (tts_window_get_signin_page (fixture->window));
  g_signal_connect (fixture->web_view, "load-changed", G_CALLBACK (load_changed_cb), fixture);

  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_signal_handlers_disconnect_by_data (fixture->web_view, fixture);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->fake);
  remove_tree (fixture->folder_path);
  g_clear_object (&fixture->folder);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->redirect_uri, g_free);
  g_clear_pointer (&fixture->last_loaded_uri, g_free);
}

static gboolean
flow_finished (Fixture *fixture)
{
  TtsFlowState state = tts_flow_get_state (fixture->flow);

  return state == TTS_FLOW_STATE_DONE || state == TTS_FLOW_STATE_FAILED;
}

static void
assert_flow_done (Fixture *fixture)
{
  wait_until (fixture, flow_finished, "the flow to finish");

  if (tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_FAILED)
    g_error ("The flow failed: %s", tts_flow_get_error (fixture->flow)->message);

  g_assert_true (tts_window_get_visible_page (fixture->window) ==
                 TTS_PAGE (tts_window_get_done_page (fixture->window)));
}

static void
activate_primary (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.primary", NULL));
}

static void
assert_focus_in (Fixture   *fixture,
                 GtkWidget *widget)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

  g_assert_nonnull (focus);
  g_assert_true (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* The user's part on the start and credentials pages. Values are pasted with stray spaces. */
static void
fill_credentials (Fixture    *fixture,
                  gboolean    use_refresh_token,
                  const char *refresh_token)
{
  TtsCredentialsPage *page = tts_window_get_credentials_page (fixture->window);

  g_assert_true (tts_window_get_visible_page (fixture->window) ==
                 TTS_PAGE (tts_window_get_start_page (fixture->window)));
  tts_start_page_set_use_refresh_token (tts_window_get_start_page (fixture->window), use_refresh_token);
  activate_primary (fixture);
  g_assert_true (tts_window_get_visible_page (fixture->window) == TTS_PAGE (page));
  /* Typing goes straight into the first field. */
  assert_focus_in (fixture, GTK_WIDGET (tts_credentials_page_get_client_id_row (page)));

  /* An empty field keeps the primary action off and says why. */
  g_assert_false (tts_page_get_complete (TTS_PAGE (page)));
  g_assert_nonnull (tts_credentials_page_get_problem (page));

  gtk_editable_set_text (tts_credentials_page_get_client_id_row (page), "  " CLIENT_ID "\n");
  gtk_editable_set_text (tts_credentials_page_get_client_secret_row (page), "bad secret");
  g_assert_false (tts_page_get_complete (TTS_PAGE (page)));
  g_assert_nonnull (strstr (tts_credentials_page_get_problem (page), "space"));

  gtk_editable_set_text (tts_credentials_page_get_client_secret_row (page), " " CLIENT_SECRET " ");
  if (use_refresh_token)
    gtk_editable_set_text (tts_credentials_page_get_refresh_token_row (page), refresh_token);

  g_assert_true (tts_page_get_complete (TTS_PAGE (page)));
  g_assert_null (tts_credentials_page_get_problem (page));
}

static void
run_script (Fixture    *fixture,
            const char *script)
{
  webkit_web_view_evaluate_javascript (fixture->web_view, script, -1, NULL, NULL, NULL, NULL, NULL);
}

static guint expected_loads;
static const char *expected_path;

static gboolean
page_loaded (Fixture *fixture)
{
  g_autoptr(GUri) uri = NULL;

  if (fixture->loads_finished < expected_loads || fixture->last_loaded_uri == NULL)
    return FALSE;

  uri = g_uri_parse (fixture->last_loaded_uri, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && g_strcmp0 (g_uri_get_path (uri), expected_path) == 0;
}

static void
wait_for_page (Fixture    *fixture,
               const char *path)
{
  expected_loads = fixture->loads_finished + 1;
  expected_path = path;
  wait_until (fixture, page_loaded, path);
}

/* What a person does in tastytrade's page: password, two-factor code, Allow. */
static void
sign_in_on_page (Fixture *fixture)
{
  TtsSigninPage *page = tts_window_get_signin_page (fixture->window);

  g_assert_true (tts_window_get_visible_page (fixture->window) == TTS_PAGE (page));
  expected_loads = 1;
  expected_path = "/auth.html";
  wait_until (fixture, page_loaded, "the login page");
  /* The user sees where they type their password. */
  g_assert_cmpstr (tts_signin_page_get_host (page), ==, "127.0.0.1");

  run_script (fixture,
              "document.getElementById('username').value = '" USERNAME "';"
              "document.getElementById('password').value = '" PASSWORD "';"
              "document.getElementById('sign-in').click();");
  wait_for_page (fixture, "/login");

  run_script (fixture,
              "document.getElementById('otp').value = '" OTP "';"
              "document.getElementById('verify').click();");
  wait_for_page (fixture, "/otp");

  run_script (fixture, "document.getElementById('authorize').click();");
}

static char *
read_secrets (Fixture *fixture,
              guint   *mode)
{
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  *mode = st.st_mode & 07777;
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);

  return contents;
}

static void
assert_secrets_saved (Fixture *fixture)
{
  guint mode = 0;
  g_autofree char *contents = read_secrets (fixture, &mode);
  g_autofree char *id = tts_dotenv_lookup (contents, strlen (contents), "TT_API_CLIENT_ID");
  g_autofree char *secret = tts_dotenv_lookup (contents, strlen (contents), "TT_API_CLIENT_SECRET");
  g_autofree char *token = tts_dotenv_lookup (contents, strlen (contents), "TT_REFRESH_TOKEN");

  g_assert_cmpuint (mode, ==, 0600);
  g_assert_cmpstr (id, ==, CLIENT_ID);
  g_assert_cmpstr (secret, ==, CLIENT_SECRET);
  g_assert_nonnull (token);
  g_assert_cmpstr (token, ==, tts_flow_get_refresh_token (fixture->flow));
  /* Exactly as the fetcher's scripts read them: KEY=value, unquoted. */
  g_assert_nonnull (strstr (contents, "\nTT_API_CLIENT_ID=" CLIENT_ID "\n"));
}

static void
assert_fake_saw_a_proper_client (Fixture *fixture)
{
  TtsFakeRequest *authorize = tts_fake_tastytrade_get_last_request (fixture->fake, "/auth.html");
  TtsFakeRequest *token = tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token");
  TtsFakeRequest *accounts = tts_fake_tastytrade_get_last_request (fixture->fake, "/customers/me/accounts");
  const char *state;

  g_assert_nonnull (authorize);
  g_assert_cmpstr (g_hash_table_lookup (authorize->params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (authorize->params, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (authorize->params, "scope"), ==, "read");
  g_assert_cmpstr (g_hash_table_lookup (authorize->params, "redirect_uri"), ==, fixture->redirect_uri);
  state = g_hash_table_lookup (authorize->params, "state");
  g_assert_nonnull (state);
  g_assert_cmpuint (strlen (state), >=, 22); /* 128 bits or more */

  /* The last token call is the verifying refresh; every one must look like ours. */
  for (guint i = 0; i < tts_fake_tastytrade_get_requests (fixture->fake)->len; i++)
    {
      TtsFakeRequest *request = g_ptr_array_index (tts_fake_tastytrade_get_requests (fixture->fake), i);

      if (g_strcmp0 (request->path, "/oauth/token") != 0)
        continue;

      g_assert_cmpstr (request->user_agent, ==, "tastytrade-setup/" PACKAGE_VERSION);
      g_assert_null (request->authorization);
      g_assert_false (request->has_accept_version);
      g_assert_cmpstr (request->accept, ==, "application/json");
      g_assert_true (g_str_has_prefix (request->content_type, "application/json"));
      if (g_strcmp0 (g_hash_table_lookup (request->params, "grant_type"), "authorization_code") == 0)
        g_assert_cmpstr (g_hash_table_lookup (request->params, "redirect_uri"), ==, fixture->redirect_uri);
    }
  g_assert_nonnull (token);
  g_assert_cmpuint (token->status, ==, 200);

  g_assert_nonnull (accounts);
  g_assert_true (g_str_has_prefix (accounts->authorization, "Bearer "));
  g_assert_cmpuint (accounts->status, ==, 200);
}

static void
test_sign_in (Fixture       *fixture,
              gconstpointer  data)
{
  fill_credentials (fixture, FALSE, NULL);
  activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  /* Nobody else holds the port: our listener catches the redirect. */
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  sign_in_on_page (fixture);
  assert_flow_done (fixture);

  assert_secrets_saved (fixture);
  g_assert_false (tts_flow_get_backup_made (fixture->flow));
  assert_fake_saw_a_proper_client (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (tts_flow_get_accounts (fixture->flow)), ==, 2);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 1);
}

static void
assert_nobody_called (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) connection = NULL;

  if (socket == NULL)
    return;

  connection = g_socket_accept (socket, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

static void
test_sign_in_port_taken (Fixture       *fixture,
                         gconstpointer  data)
{
  /* Another program holds the redirect port on both loopback families. */
  g_autoptr(GSocket) other4 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->redirect_port);
  g_autoptr(GSocket) other6 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, fixture->redirect_port);

  g_assert_nonnull (other4);

  fill_credentials (fixture, FALSE, NULL);
  activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_false (tts_flow_get_listener_owns_port (fixture->flow));

  sign_in_on_page (fixture);
  assert_flow_done (fixture);
  assert_secrets_saved (fixture);

  /* The code never went to the other program. */
  assert_nobody_called (other4);
  assert_nobody_called (other6);
}

static gboolean
secrets_exist (Fixture *fixture)
{
  return tts_credentials_page_get_secrets_exist (tts_window_get_credentials_page (fixture->window));
}

static void
test_refresh_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autofree char *old_path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *backup_path = g_build_filename (fixture->folder_path, ".secrets.backup", NULL);
  const char *old = "# my settings\nOTHER=1\nTT_REFRESH_TOKEN=stale\n";
  g_autofree char *backup = NULL;
  g_autofree char *contents = NULL;
  guint mode = 0;

  g_assert_true (g_file_set_contents (old_path, old, -1, NULL));

  fill_credentials (fixture, TRUE, grant);
  /* The page looks for an existing file off the main thread and says it will be kept. */
  wait_until (fixture, secrets_exist, "the page to notice the existing .secrets");
  activate_primary (fixture);
  assert_flow_done (fixture);

  assert_secrets_saved (fixture);
  contents = read_secrets (fixture, &mode);
  g_assert_true (g_str_has_prefix (contents, "# my settings\nOTHER=1\n"));
  g_assert_true (g_file_get_contents (backup_path, &backup, NULL, NULL));
  g_assert_cmpstr (backup, ==, old);
  /* The done page says so. */
  g_assert_true (tts_flow_get_backup_made (fixture->flow));
  /* No code and no login were needed. */
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 0);
}

static gboolean
flow_failed (Fixture *fixture)
{
  return tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_FAILED;
}

static void
test_revoked_token_writes_nothing (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);

  tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  fill_credentials (fixture, TRUE, grant);
  activate_primary (fixture);
  wait_until (fixture, flow_failed, "the flow to fail");

  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_true (tts_window_get_visible_page (fixture->window) ==
                 TTS_PAGE (tts_window_get_progress_page (fixture->window)));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static gboolean
flow_idle (Fixture *fixture)
{
  return tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_IDLE;
}

static void
test_cancel_frees_port (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSocket) again = NULL;
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);

  fill_credentials (fixture, FALSE, NULL);
  activate_primary (fixture);
  expected_loads = 1;
  expected_path = "/auth.html";
  wait_until (fixture, page_loaded, "the login page");

  /* Escape on the sign-in page is Cancel. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.back", NULL));
  wait_until (fixture, flow_idle, "the flow to go idle");
  g_assert_true (tts_window_get_visible_page (fixture->window) ==
                 TTS_PAGE (tts_window_get_credentials_page (fixture->window)));

  again = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->redirect_port);
  g_assert_nonnull (again);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* ---- the keyboard alone ---- */

/* Real key presses through the X server (XTEST), as a keyboard would send them. */
static void
press_key (Fixture *fixture,
           KeySym   keysym)
{
  Display *display = gdk_x11_display_get_xdisplay (gtk_widget_get_display (GTK_WIDGET (fixture->window)));
  KeyCode code = XKeysymToKeycode (display, keysym);

  g_assert_cmpuint (code, !=, 0);
  XTestFakeKeyEvent (display, code, True, CurrentTime);
  XTestFakeKeyEvent (display, code, False, CurrentTime);
  XFlush (display);
}

/* Lower-case letters, digits, '-' and ' ' have keysyms equal to their ASCII codes and need
 * no Shift. */
static void
type_text (Fixture    *fixture,
           const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      g_assert_true (g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-' || *p == ' ');
      press_key (fixture, (KeySym) (guchar) *p);
    }
}

static gboolean
window_active (Fixture *fixture)
{
  return gtk_window_is_active (GTK_WINDOW (fixture->window));
}

static gboolean
window_mapped (Fixture *fixture)
{
  return gtk_widget_get_mapped (GTK_WIDGET (fixture->window));
}

static GtkEditable *text_field;
static const char *text_expected;

static gboolean
field_has_text (Fixture *fixture)
{
  return g_strcmp0 (gtk_editable_get_text (text_field), text_expected) == 0;
}

static void
type_into (Fixture     *fixture,
           GtkEditable *field,
           const char  *text)
{
  text_field = field;
  text_expected = text;
  type_text (fixture, text);
  wait_until (fixture, field_has_text, text);
}

static gboolean
on_credentials_page (Fixture *fixture)
{
  return tts_window_get_visible_page (fixture->window) ==
         TTS_PAGE (tts_window_get_credentials_page (fixture->window));
}

static gboolean
on_signin_page (Fixture *fixture)
{
  return tts_window_get_visible_page (fixture->window) ==
         TTS_PAGE (tts_window_get_signin_page (fixture->window));
}

static gboolean
window_closed (Fixture *fixture)
{
  return !gtk_widget_get_visible (GTK_WIDGET (fixture->window));
}

typedef struct
{
  gboolean done;
  gboolean value;
} ScriptResult;

static void
script_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ScriptResult *script_result = user_data;
  g_autoptr(JSCValue) value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, NULL);

  script_result->value = value != NULL && jsc_value_is_boolean (value) && jsc_value_to_boolean (value);
  script_result->done = TRUE;
}

/* Keys reach the page through the web process: wait until the page itself shows them. */
static void
wait_for_script (Fixture    *fixture,
                 const char *condition)
{
  guint guard = g_timeout_add_seconds (GUARD_SECONDS, guard_cb, (gpointer) condition);

  for (;;)
    {
      ScriptResult result = { FALSE, FALSE };

      webkit_web_view_evaluate_javascript (fixture->web_view, condition, -1, NULL, NULL, NULL,
                                           script_done_cb, &result);
      while (!result.done)
        g_main_context_iteration (NULL, TRUE);
      if (result.value)
        break;
    }

  g_source_remove (guard);
}

/* Start to done without a pointer: Return, typing, Tab and Escape, including leaving the
 * web view and coming back. */
static void
test_keyboard_only (Fixture       *fixture,
                    gconstpointer  data)
{
  TtsCredentialsPage *credentials = tts_window_get_credentials_page (fixture->window);
  GdkSurface *surface;
  Display *display;

  wait_until (fixture, window_mapped, "the window to be mapped");
  surface = gtk_native_get_surface (GTK_NATIVE (fixture->window));
  display = gdk_x11_display_get_xdisplay (gdk_surface_get_display (surface));
  /* There is no window manager to give it the focus. */
  XSetInputFocus (display, gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  wait_until (fixture, window_active, "the window to have the keyboard focus");

  press_key (fixture, XK_Return);                               /* Next */
  wait_until (fixture, on_credentials_page, "the credentials page");
  type_into (fixture, tts_credentials_page_get_client_id_row (credentials), CLIENT_ID);
  press_key (fixture, XK_Tab);
  type_into (fixture, tts_credentials_page_get_client_secret_row (credentials), CLIENT_SECRET);
  press_key (fixture, XK_Return);                               /* Sign In */
  wait_until (fixture, on_signin_page, "the sign-in page");
  wait_for_page (fixture, "/auth.html");

  /* Escape leaves the web view: the attempt is cancelled, the values stay. */
  press_key (fixture, XK_Escape);
  wait_until (fixture, on_credentials_page, "Escape to go back from the web view");
  wait_until (fixture, flow_idle, "the flow to go idle");
  press_key (fixture, XK_Return);                               /* Sign In again */
  wait_until (fixture, on_signin_page, "the sign-in page again");
  wait_for_page (fixture, "/auth.html");

  /* tastytrade's page, by keyboard: the username field has the focus. */
  wait_for_script (fixture, "document.activeElement.id === 'username'");
  type_text (fixture, USERNAME);
  press_key (fixture, XK_Tab);
  type_text (fixture, PASSWORD);
  wait_for_script (fixture, "document.getElementById('password').value === '" PASSWORD "'");
  press_key (fixture, XK_Return);
  wait_for_page (fixture, "/login");
  wait_for_script (fixture, "document.activeElement.id === 'otp'");
  type_text (fixture, OTP);
  wait_for_script (fixture, "document.getElementById('otp').value === '" OTP "'");
  press_key (fixture, XK_Return);
  wait_for_page (fixture, "/otp");
  press_key (fixture, XK_Tab);                                  /* to Authorize */
  wait_for_script (fixture, "document.activeElement.id === 'authorize'");
  press_key (fixture, XK_Return);
  assert_flow_done (fixture);
  assert_secrets_saved (fixture);

  press_key (fixture, XK_Return);                               /* Close */
  wait_until (fixture, window_closed, "Return to close the window");
}

/* The size the user left the window at comes back next time. */
static void
test_window_size_remembered (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(TtsWindow) again = NULL;
  int width = 0;
  int height = 0;

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 700, 610);
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 700);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 610);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  again = g_object_ref_sink (tts_window_new (NULL, FALSE, NULL, NULL, NULL, NULL));
  gtk_window_get_default_size (GTK_WINDOW (again), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 610);
  gtk_window_destroy (GTK_WINDOW (again));

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/window/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("sign-in", test_sign_in);
  ADD ("sign-in-port-taken", test_sign_in_port_taken);
  ADD ("refresh-token", test_refresh_token);
  ADD ("revoked-token-writes-nothing", test_revoked_token_writes_nothing);
  ADD ("cancel-frees-port", test_cancel_frees_port);
  ADD ("window-size-remembered", test_window_size_remembered);
  ADD ("keyboard-only", test_keyboard_only);

#undef ADD

  return g_test_run ();
}

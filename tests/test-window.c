/* test-window.c: the real window, end to end, against the fake tastytrade
 *
 * Runs under Xvfb and dbus-run-session (see meson.build). Every wait is on a signal or
 * a main-loop condition; a guard timer only turns a hang into a failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-test-ports.h"
#include "tts-test-window.h"

typedef TtsTestWindow Fixture;

static void
assert_fake_saw_a_proper_client (Fixture *fixture)
{
  TtsFakeRequest *authorize = tts_fake_tastytrade_get_last_request (fixture->fake, "/auth.html");
  TtsFakeRequest *token = tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token");
  TtsFakeRequest *accounts = tts_fake_tastytrade_get_last_request (fixture->fake, "/customers/me/accounts");
  const char *state;

  g_assert_nonnull (authorize);
  g_assert_cmpstr (g_hash_table_lookup (authorize->params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (authorize->params, "client_id"), ==, TTS_TEST_CLIENT_ID);
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
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  /* Nobody else holds the port: the listener has it (the view still takes the redirect). */
  g_assert_true (tts_flow_get_listener_owns_port (fixture->flow));

  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);

  tts_test_window_assert_secrets_saved (fixture);
  g_assert_false (tts_flow_get_backup_made (fixture->flow));
  assert_fake_saw_a_proper_client (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (tts_flow_get_accounts (fixture->flow)), ==, 2);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 1);
}

static void
test_sign_in_port_taken (Fixture       *fixture,
                         gconstpointer  data)
{
  /* Another program holds the redirect port on both loopback families. */
  g_autoptr(GSocket) other4 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->redirect_port);
  g_autoptr(GSocket) other6 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, fixture->redirect_port);

  g_assert_nonnull (other4);

  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_false (tts_flow_get_listener_owns_port (fixture->flow));

  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);

  /* The code never went to the other program. */
  tts_test_assert_never_connected (other4);
  tts_test_assert_never_connected (other6);
}

static gboolean
secrets_exist (Fixture *fixture)
{
  return tts_test_get_boolean (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE), "secrets-exist");
}

static void
test_refresh_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, TTS_TEST_CLIENT_ID);
  g_autofree char *old_path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *backup_path = g_build_filename (fixture->folder_path, ".secrets.backup", NULL);
  const char *old = "# my settings\nOTHER=1\nTT_REFRESH_TOKEN=stale\n";
  g_autofree char *backup = NULL;
  g_autofree char *contents = NULL;
  guint mode = 0;

  g_assert_true (g_file_set_contents (old_path, old, -1, NULL));

  tts_test_window_fill_credentials (fixture, TRUE, grant);
  /* The page looks for an existing file off the main thread and says it will be kept. */
  tts_test_window_wait_until (fixture, secrets_exist, "the page to notice the existing .secrets");
  tts_test_window_activate_primary (fixture);
  tts_test_window_assert_flow_done (fixture);

  tts_test_window_assert_secrets_saved (fixture);
  contents = tts_test_window_read_secrets (fixture, &mode);
  g_assert_true (g_str_has_prefix (contents, "# my settings\nOTHER=1\n"));
  g_assert_true (g_file_get_contents (backup_path, &backup, NULL, NULL));
  g_assert_cmpstr (backup, ==, old);
  /* The done page says so, and has no word about git. */
  g_assert_true (tts_flow_get_backup_made (fixture->flow));
  {
    g_autofree char *shown = tts_test_visible_text (GTK_WIDGET (TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE))));

    g_assert_nonnull (strstr (shown, "Previous version kept"));
    g_assert_null (strstr (shown, "Git"));
  }
  /* No code and no login were needed. */
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 0);
}

/* A folder in a git repository whose .gitignore is a link: it is never written through, and
 * the done page says that git may take .secrets in. */
static void
test_gitignore_link_told (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, TTS_TEST_CLIENT_ID);
  g_autofree char *dot_git = g_build_filename (fixture->folder_path, ".git", NULL);
  g_autofree char *link = g_build_filename (fixture->folder_path, ".gitignore", NULL);
  g_autofree char *elsewhere = g_build_filename (fixture->folder_path, "shared", NULL);
  g_autofree char *target = g_build_filename (elsewhere, "ignore", NULL);
  g_autofree char *shown = NULL;
  g_autofree char *kept = NULL;

  g_assert_cmpint (g_mkdir (dot_git, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (elsewhere, 0700), ==, 0);
  g_assert_true (g_file_set_contents (target, "build/\n", -1, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);

  tts_test_window_fill_credentials (fixture, TRUE, grant);
  tts_test_window_activate_primary (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);

  shown = tts_test_visible_text (GTK_WIDGET (TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE))));
  g_assert_nonnull (strstr (shown, "Not Hidden from Git"));
  g_assert_nonnull (strstr (shown, "add .secrets to the repository"));
  g_assert_true (g_file_get_contents (target, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "build/\n");
}

static void
test_revoked_token_writes_nothing (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, TTS_TEST_CLIENT_ID);
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);

  tts_fake_tastytrade_revoke_grants (fixture->fake, TTS_TEST_CLIENT_ID);
  tts_test_window_fill_credentials (fixture, TRUE, grant);
  tts_test_window_activate_primary (fixture);
  tts_test_window_wait_until (fixture, tts_test_window_flow_failed, "the flow to fail");

  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (TTS_PROGRESS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_PROGRESS_PAGE))));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_cancel_frees_port (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GSocket) again = NULL;
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);

  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  tts_test_window_wait_for_first_page (fixture, "/auth.html");

  /* Escape on the sign-in page is Cancel. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.back", NULL));
  tts_test_window_wait_until (fixture, tts_test_window_flow_idle, "the flow to go idle");
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE))));

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
  tts_test_window_wait_until (fixture, field_has_text, text);
}

static gboolean
on_start_page (Fixture *fixture)
{
  return tts_test_visible_page (fixture->window) ==
         TTS_PAGE (TTS_START_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_START_PAGE)));
}

static gboolean
on_credentials_page (Fixture *fixture)
{
  return tts_test_visible_page (fixture->window) ==
         TTS_PAGE (TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE)));
}

static gboolean
on_signin_page (Fixture *fixture)
{
  return tts_test_visible_page (fixture->window) ==
         TTS_PAGE (TTS_SIGNIN_PAGE (tts_test_lookup_page (fixture->window, TTS_TYPE_SIGNIN_PAGE)));
}

static gboolean
window_closed (Fixture *fixture)
{
  return !gtk_widget_get_visible (GTK_WIDGET (fixture->window));
}

/* Start to done without a pointer: Return, typing, Tab and Escape, including leaving the
 * web view and coming back. */
static void
test_keyboard_only (Fixture       *fixture,
                    gconstpointer  data)
{
  TtsCredentialsPage *credentials = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));
  GdkSurface *surface;
  Display *display;

  tts_test_window_wait_until (fixture, window_mapped, "the window to be mapped");
  surface = gtk_native_get_surface (GTK_NATIVE (fixture->window));
  display = gdk_x11_display_get_xdisplay (gdk_surface_get_display (surface));
  /* There is no window manager to give it the focus. */
  XSetInputFocus (display, gdk_x11_surface_get_xid (surface), RevertToParent, CurrentTime);
  tts_test_window_wait_until (fixture, window_active, "the window to have the keyboard focus");

  press_key (fixture, XK_Return);                               /* Next */
  tts_test_window_wait_until (fixture, on_start_page, "the page after the welcome page");
  press_key (fixture, XK_Return);                               /* Next */
  tts_test_window_wait_until (fixture, on_credentials_page, "the credentials page");
  type_into (fixture, tts_test_find_entry (GTK_WIDGET (credentials), "Client _ID"), TTS_TEST_CLIENT_ID);
  press_key (fixture, XK_Tab);
  type_into (fixture, tts_test_find_entry (GTK_WIDGET (credentials), "Client Se_cret"), TTS_TEST_CLIENT_SECRET);
  press_key (fixture, XK_Return);                               /* Sign In */
  tts_test_window_wait_until (fixture, on_signin_page, "the sign-in page");
  tts_test_window_wait_for_page (fixture, "/auth.html");

  /* Escape leaves the web view: the attempt is cancelled, the values stay. */
  press_key (fixture, XK_Escape);
  tts_test_window_wait_until (fixture, on_credentials_page, "Escape to go back from the web view");
  tts_test_window_wait_until (fixture, tts_test_window_flow_idle, "the flow to go idle");
  press_key (fixture, XK_Return);                               /* Sign In again */
  tts_test_window_wait_until (fixture, on_signin_page, "the sign-in page again");
  tts_test_window_wait_for_page (fixture, "/auth.html");

  /* tastytrade's page, by keyboard: the username field has the focus. */
  tts_test_window_wait_for_script (fixture, "document.activeElement.id === 'username'");
  type_text (fixture, TTS_TEST_USERNAME);
  press_key (fixture, XK_Tab);
  type_text (fixture, TTS_TEST_PASSWORD);
  tts_test_window_wait_for_script (fixture, "document.getElementById('password').value === '" TTS_TEST_PASSWORD "'");
  press_key (fixture, XK_Return);
  tts_test_window_wait_for_page (fixture, "/login");
  tts_test_window_wait_for_script (fixture, "document.activeElement.id === 'otp'");
  type_text (fixture, TTS_TEST_OTP);
  tts_test_window_wait_for_script (fixture, "document.getElementById('otp').value === '" TTS_TEST_OTP "'");
  press_key (fixture, XK_Return);
  tts_test_window_wait_for_page (fixture, "/otp");
  press_key (fixture, XK_Tab);                                  /* to Authorize */
  tts_test_window_wait_for_script (fixture, "document.activeElement.id === 'authorize'");
  press_key (fixture, XK_Return);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);

  press_key (fixture, XK_Return);                               /* Close */
  tts_test_window_wait_until (fixture, window_closed, "Return to close the window");
}

/* "Is my token still good?": Check It next to the folder that already has a file. */
static gboolean
secrets_found (Fixture *fixture)
{
  return tts_test_get_boolean (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE), "secrets-exist");
}

static gboolean
check_closed (Fixture *fixture)
{
  return tts_window_get_check_dialog (fixture->window) == NULL;
}

/* As its Close button does: on libadwaita 1.5 and later the dialog is an AdwAlertDialog. */
static void
close_check (Fixture *fixture)
{
  TtsCheckDialog *dialog = tts_window_get_check_dialog (fixture->window);

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_close (ADW_DIALOG (dialog));
#else
  gtk_window_close (GTK_WINDOW (dialog));
#endif
  tts_test_window_wait_until (fixture, check_closed, "the check dialog to close");
}

static char *
run_check (Fixture *fixture)
{
  TtsCheckDialog *dialog;
  char *text;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.check-existing", NULL);
  tts_test_window_wait_until (fixture, tts_test_window_check_shown, "the check to finish");
  dialog = tts_window_get_check_dialog (fixture->window);
  text = tts_test_visible_text (GTK_WIDGET (dialog));
  g_test_message ("Check dialog: %s", text);

  return text;
}

static void
test_check_existing (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *token = tts_fake_tastytrade_create_grant (fixture->fake, TTS_TEST_CLIENT_ID);
  g_autofree char *contents = g_strdup_printf ("# mine\nTT_API_CLIENT_ID=%s\nTT_API_CLIENT_SECRET=%s\n"
                                               "TT_REFRESH_TOKEN=%s\n",
                                               TTS_TEST_CLIENT_ID, TTS_TEST_CLIENT_SECRET, token);
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *good = NULL;
  g_autofree char *revoked = NULL;
  g_autofree char *after = NULL;
  TtsCheckDialog *dialog;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_wait_until (fixture, secrets_found, "the page to see the existing file");

  good = run_check (fixture);
  dialog = tts_window_get_check_dialog (fixture->window);
  g_object_get (dialog, "error", &error, NULL);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (good, "Your Token Works"));
  g_assert_nonnull (strstr (good, "5WX01234"));
  g_assert_nonnull (strstr (good, "5WY99999"));
  g_assert_null (strstr (good, token));
  close_check (fixture);

  /* The grant deleted on tastytrade's site: the precise reason, and what to do. */
  tts_fake_tastytrade_revoke_grants (fixture->fake, TTS_TEST_CLIENT_ID);
  revoked = run_check (fixture);
  dialog = tts_window_get_check_dialog (fixture->window);
  g_object_get (dialog, "error", &error, NULL);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_nonnull (strstr (revoked, error->message));
  g_assert_nonnull (strstr (revoked, tts_error_get_remedy (error)));
  g_assert_null (strstr (revoked, token));
  close_check (fixture);

  /* Checking changed nothing. */
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, contents);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
}

/* Another SDK's names in another file: written, shown with the code that loads them, and
 * offered again next time. */
static void
test_other_sdk_names (Fixture       *fixture,
                      gconstpointer  data)
{
  TtsCredentialsPage *page = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(TtsWindow) again = NULL;
  g_autofree char *path = g_build_filename (fixture->folder_path, ".env", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *token = NULL;
  g_autofree char *text = NULL;
  g_autofree char *problem = NULL;
  TtsCredentialsPage *again_page;

  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_credentials_page_set_key_set (page, TTS_KEY_SET_TASTYWARE);

  /* A name that is no name holds the sign-in back, and says why. */
  tts_credentials_page_set_file_name (page, "my secrets");
  g_assert_false (tts_page_get_complete (TTS_PAGE (page)));
  problem = tts_test_get_string (page, "problem");
  g_assert_nonnull (strstr (problem, "cannot be used as a file name"));
  tts_credentials_page_set_file_name (page, ".env");
  g_assert_true (tts_page_get_complete (TTS_PAGE (page)));

  tts_test_window_activate_primary (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  secret = tts_dotenv_lookup (contents, strlen (contents), "TT_SECRET");
  token = tts_dotenv_lookup (contents, strlen (contents), "TT_REFRESH");
  g_assert_cmpstr (secret, ==, TTS_TEST_CLIENT_SECRET);
  g_assert_cmpstr (token, ==, tts_flow_get_refresh_token (fixture->flow));
  g_assert_null (strstr (contents, "TT_API_CLIENT_ID"));
  g_assert_false (g_file_test (fixture->folder_path, G_FILE_TEST_IS_REGULAR));

  text = tts_test_visible_text (GTK_WIDGET (TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE))));
  g_test_message ("Done page: %s", text);
  g_assert_nonnull (strstr (text, "load_dotenv(\".env\")"));
  g_assert_nonnull (strstr (text, "Session(os.environ[\"TT_SECRET\"], os.environ[\"TT_REFRESH\"]"));
  g_assert_nonnull (strstr (text, "tastyware"));

  /* Remembered. */
  g_assert_cmpint (g_settings_get_enum (settings, "key-set"), ==, TTS_KEY_SET_TASTYWARE);
  g_assert_cmpstr (g_settings_get_string (settings, "file-name"), ==, ".env");
  again = g_object_ref_sink (tts_window_new (NULL, FALSE, NULL, NULL, NULL, NULL));
  /* Its pages come once it has drawn. */
  gtk_window_present (GTK_WINDOW (again));
  again_page = TTS_CREDENTIALS_PAGE (tts_test_find_page (again, TTS_TYPE_CREDENTIALS_PAGE));
  g_assert_cmpint (tts_credentials_page_get_key_set (again_page), ==, TTS_KEY_SET_TASTYWARE);
  g_assert_cmpstr (tts_credentials_page_get_file_name (again_page), ==, ".env");
  gtk_window_destroy (GTK_WINDOW (again));

  g_settings_reset (settings, "key-set");
  g_settings_reset (settings, "file-name");
}

static gboolean
has_descendant_of_type (GtkWidget *widget,
                        GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_descendant_of_type (child, type))
      return TRUE;

  return FALSE;
}

static gboolean
pages_made (Fixture *fixture)
{
  return has_descendant_of_type (GTK_WIDGET (fixture->window), TTS_TYPE_START_PAGE) &&
         has_descendant_of_type (GTK_WIDGET (fixture->window), TTS_TYPE_DONE_PAGE);
}

/* The window opens on the welcome page alone; the other pages follow its first frame by
 * themselves, and Back leads from the first step to the welcome page again. */
static void
test_welcome_first (Fixture       *fixture,
                    gconstpointer  data)
{
  TtsPage *welcome = TTS_PAGE (TTS_WELCOME_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_WELCOME_PAGE)));

  g_assert_true (tts_test_visible_page (fixture->window) == welcome);
  tts_test_window_wait_until (fixture, pages_made, "the other pages to be made");

  tts_test_window_activate_primary (fixture);
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (TTS_START_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_START_PAGE))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.back", NULL));
  g_assert_true (tts_test_visible_page (fixture->window) == welcome);
  /* Nothing before it: Escape stays. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.back", NULL));
  g_assert_true (tts_test_visible_page (fixture->window) == welcome);
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

/* ---- the ways out: the folder chooser, the browser, the file manager ---- */

/* The folder chooser: without a portal, GtkFileChooserNative (GTK 4.8) and GtkFileDialog
 * (4.10 and later) both show GTK's own dialog in this process. The one that is open, or NULL. */
static GtkFileChooser *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkFileChooser *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        {
          g_assert_null (found);
          found = GTK_FILE_CHOOSER (window);
        }
    }

  return found;
}

static gboolean
chooser_shown (Fixture *fixture)
{
  GtkFileChooser *chooser = find_chooser ();

  return chooser != NULL && gtk_widget_get_mapped (GTK_WIDGET (chooser));
}

static gboolean
chooser_closed (Fixture *fixture)
{
  return find_chooser () == NULL &&
         !tts_test_get_boolean (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE), "choosing");
}

static GFile *chosen_folder;

static guint
count_toggle_buttons (GtkWidget *widget)
{
  guint n = GTK_IS_TOGGLE_BUTTON (widget) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_toggle_buttons (child);

  return n;
}

static GtkWidget *
find_descendant (GtkWidget  *widget,
                 const char *type_name)
{
  if (g_strcmp0 (G_OBJECT_TYPE_NAME (widget), type_name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The chooser is in @chosen_folder, and its path bar has a button for each folder up to the
 * root. The path bar looks them up one by one off the main thread; GTK 4.18 and 4.24 touch
 * a closed path bar when a lookup ends after the chooser is gone (a critical), which no
 * person is quick enough to see. */
static gboolean
chooser_in_folder (Fixture *fixture)
{
  GtkFileChooser *chooser = find_chooser ();
  g_autoptr(GFile) current = gtk_file_chooser_get_current_folder (chooser);
  g_autofree char *path = g_file_get_path (chosen_folder);
  g_auto(GStrv) names = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  GtkWidget *path_bar = find_descendant (GTK_WIDGET (chooser), "GtkPathBar");
  guint depth = 1;

  for (guint i = 0; names[i] != NULL; i++)
    if (names[i][0] != '\0')
      depth++;

  return current != NULL && g_file_equal (current, chosen_folder) &&
         path_bar != NULL && count_toggle_buttons (path_bar) >= depth;
}

static gboolean
folder_taken (Fixture *fixture)
{
  GFile *folder = tts_credentials_page_get_folder (TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE)));

  return folder != NULL && g_file_equal (folder, chosen_folder);
}

static void
test_choose_folder (Fixture       *fixture,
                    gconstpointer  data)
{
  TtsCredentialsPage *page = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));
  g_autoptr(GFile) project = g_file_get_child (fixture->folder, "project");
  g_autoptr(GError) error = NULL;
  GtkFileChooser *chooser;
  GtkButton *choose;

  g_assert_true (g_file_make_directory (project, NULL, &error));
  g_assert_no_error (error);
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  g_assert_true (g_file_equal (tts_credentials_page_get_folder (page), fixture->folder));
  choose = tts_test_find_button (GTK_WIDGET (page), "_Choose…");

  tts_test_press (choose);
  tts_test_window_wait_until (fixture, chooser_shown, "the folder chooser");
  chooser = find_chooser ();
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (chooser)), ==, "Choose Project Folder");
  g_assert_cmpint (gtk_file_chooser_get_action (chooser), ==, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (chooser)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (chooser)) == GTK_WINDOW (fixture->window));
  /* It starts in the folder the page shows. */
  chosen_folder = fixture->folder;
  tts_test_window_wait_until (fixture, chooser_in_folder, "the folder chooser in the folder");
  /* Another click while it is open opens no second one (find_chooser() would fail). */
  tts_test_press (choose);
  g_assert_true (find_chooser () == chooser);

  /* Cancel changes nothing. */
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  tts_test_window_wait_until (fixture, chooser_closed, "the folder chooser to close");
  g_assert_true (g_file_equal (tts_credentials_page_get_folder (page), fixture->folder));
  g_assert_true (tts_page_get_complete (TTS_PAGE (page)));
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));

  /* Again, and another folder chosen: the page takes it. */
  tts_test_press (choose);
  tts_test_window_wait_until (fixture, chooser_shown, "the folder chooser, again");
  chooser = find_chooser ();
  tts_test_window_wait_until (fixture, chooser_in_folder, "the folder chooser in the folder, again");
  g_assert_true (gtk_file_chooser_set_current_folder (chooser, project, &error));
  g_assert_no_error (error);
  chosen_folder = project;
  tts_test_window_wait_until (fixture, chooser_in_folder, "the folder chooser in the other folder");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  tts_test_window_wait_until (fixture, folder_taken, "the page to take the chosen folder");
  chosen_folder = NULL;
  tts_test_window_wait_until (fixture, chooser_closed, "the folder chooser to close, again");
  g_assert_true (tts_page_get_complete (TTS_PAGE (page)));
}

/* Without a browser (as under the tests' bus, in the build userlands), Open API Settings
 * says so; the wizard goes on. */
static void
test_open_api_settings (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GAppInfo) browser = g_app_info_get_default_for_uri_scheme ("https");
  TtsStartPage *page = TTS_START_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_START_PAGE));

  if (browser != NULL || tts_test_session_bus_offers ("org.freedesktop.portal.Desktop"))
    {
      g_test_skip ("A web browser is at hand: the test would open tastytrade’s site in it");
      return;
    }

  tts_test_window_activate_primary (fixture);
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
  tts_test_press (tts_test_find_button (GTK_WIDGET (page), "_Open API Settings"));
  tts_test_window_wait_for_toast (fixture, "Could not open your web browser.");
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
}

#if GTK_CHECK_VERSION (4, 10, 0)
/* GtkFileLauncher asks the file manager over D-Bus to show the file selected: this one only
 * writes down what it was asked to show. */
static const char file_manager_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.FileManager1'>"
  "    <method name='ShowItems'>"
  "      <arg type='as' name='URIs' direction='in'/>"
  "      <arg type='s' name='StartupId' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

typedef struct
{
  gboolean   owned;
  char     **shown;
} FileManager;

static FileManager *current_file_manager;

static void
file_manager_call_cb (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  FileManager *file_manager = user_data;

  g_assert_cmpstr (method_name, ==, "ShowItems");
  g_strfreev (file_manager->shown);
  g_variant_get (parameters, "(^as&s)", &file_manager->shown, NULL);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
file_manager_acquired_cb (GDBusConnection *connection,
                          const char      *name,
                          gpointer         user_data)
{
  FileManager *file_manager = user_data;

  file_manager->owned = TRUE;
}

static gboolean
file_manager_owned (Fixture *fixture)
{
  return current_file_manager->owned;
}

static gboolean
file_manager_shown (Fixture *fixture)
{
  return current_file_manager->shown != NULL;
}
#endif

/* Open Folder shows the saved file in the file manager (GTK 4.10 and later; its folder on
 * GTK 4.8), and says so when there is none. */
static void
test_open_folder (Fixture       *fixture,
                  gconstpointer  data)
{
  TtsDonePage *page = TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE));
  GtkButton *open;
#if GTK_CHECK_VERSION (4, 10, 0)
  static const GDBusInterfaceVTable vtable = { .method_call = file_manager_call_cb };
  g_autoptr(GFile) secrets = g_file_get_child (fixture->folder, ".secrets");
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (file_manager_xml, NULL);
  g_autofree char *secrets_uri = g_file_get_uri (secrets);
  FileManager file_manager = { FALSE, NULL };
  guint registration;
  guint owner;

  if (tts_test_session_bus_offers ("org.freedesktop.FileManager1"))
#else
  g_autoptr(GAppInfo) file_manager = g_app_info_get_default_for_type ("inode/directory", FALSE);

  if (file_manager != NULL)
#endif
    {
      g_test_skip ("A file manager is at hand: the test would open it");
      return;
    }
  if (tts_test_session_bus_offers ("org.freedesktop.portal.Desktop"))
    {
      g_test_skip ("The desktop portal is at hand: the test would open a file manager");
      return;
    }

  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  open = tts_test_find_button (GTK_WIDGET (page), "Open _Folder");

#if GTK_CHECK_VERSION (4, 10, 0)
  registration = g_dbus_connection_register_object (bus, "/org/freedesktop/FileManager1",
                                                    node->interfaces[0], &vtable,
                                                    &file_manager, NULL, NULL);
  g_assert_cmpuint (registration, >, 0);
  owner = g_bus_own_name_on_connection (bus, "org.freedesktop.FileManager1",
                                        G_BUS_NAME_OWNER_FLAGS_NONE,
                                        file_manager_acquired_cb, NULL, &file_manager, NULL);
  current_file_manager = &file_manager;
  tts_test_window_wait_until (fixture, file_manager_owned, "the file manager's name");

  tts_test_press (open);
  tts_test_window_wait_until (fixture, file_manager_shown, "the file manager to be asked");
  /* The file itself, to be shown selected in its folder. */
  g_assert_cmpuint (g_strv_length (file_manager.shown), ==, 1);
  g_assert_cmpstr (file_manager.shown[0], ==, secrets_uri);

  /* Gone: released before the next call on the same connection, so that call finds none. */
  g_bus_unown_name (owner);
  g_assert_true (g_dbus_connection_unregister_object (bus, registration));
  current_file_manager = NULL;
  g_clear_pointer (&file_manager.shown, g_strfreev);
#endif

  tts_test_press (open);
  tts_test_window_wait_for_toast (fixture, "Could not open the folder.");
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
}

/* With no desktop portal on the tests' bus, GTK 4.10 and later say once that they miss it
 * (GtkFileLauncher looks for one); that is no fault of the window. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
    }

  if (g_strcmp0 (domain, "Gtk") == 0 && message != NULL &&
      g_str_has_prefix (message, "Not a supported version of the OpenURI portal"))
    {
      g_test_message ("GTK: %s", message);
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* ---- the copied refresh token ---- */

static GtkButton *
find_button_with_tooltip (GtkWidget  *widget,
                          const char *tooltip)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return GTK_BUTTON (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found = find_button_with_tooltip (child, tooltip);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* What this process has put on the clipboard, or NULL. */
static char *
clipboard_text (Fixture *fixture)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->window));
  GdkContentProvider *content = gdk_clipboard_get_content (clipboard);
  GValue value = G_VALUE_INIT;
  char *text = NULL;

  if (content == NULL)
    return NULL;

  g_value_init (&value, G_TYPE_STRING);
  if (gdk_content_provider_get_value (content, &value, NULL))
    text = g_value_dup_string (&value);
  g_value_unset (&value);

  return text;
}

/* Lets the X server's answers to each claim of the clipboard arrive before the next one: two
 * claims in a row otherwise race with the notifications of the first. */
static void
settle_clipboard (Fixture *fixture)
{
  gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (fixture->window)));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
clipboard_cleared (Fixture *fixture)
{
  return !tts_test_get_boolean (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE),
                                "clipboard-pending");
}

/* The refresh token copied from the done page leaves the clipboard after a while, unless the
 * user has copied something else since, which stays. */
static void
test_copied_token_cleared (Fixture       *fixture,
                           gconstpointer  data)
{
  TtsDonePage *page;
  GtkButton *copy;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->window));
  g_autofree char *copied = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *after = NULL;

  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);

  page = TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE));
  g_object_set (page, "clipboard-timeout", 300, NULL);
  copy = find_button_with_tooltip (GTK_WIDGET (page), "Copy Refresh Token");
  g_assert_nonnull (copy);

  tts_test_press (copy);
  copied = clipboard_text (fixture);
  g_assert_cmpstr (copied, ==, tts_flow_get_refresh_token (fixture->flow));
  g_assert_true (tts_test_get_boolean (page, "clipboard-pending"));
  tts_test_window_wait_until (fixture, clipboard_cleared, "the copied token to be cleared");
  after = clipboard_text (fixture);
  g_assert_null (after);

  /* Copied again, then the user copies something of their own: that is left alone. */
  tts_test_press (copy);
  settle_clipboard (fixture);
  gdk_clipboard_set_text (clipboard, "the user's own text");
  settle_clipboard (fixture);
  tts_test_window_wait_until (fixture, clipboard_cleared, "the page to let go of the token");
  kept = clipboard_text (fixture);
  g_assert_cmpstr (kept, ==, "the user's own text");
}

int
main (int   argc,
      char *argv[])
{
  g_log_set_writer_func (log_writer, NULL, NULL);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/window/" path, Fixture, NULL, tts_test_window_set_up, func, tts_test_window_tear_down)

  ADD ("welcome-first", test_welcome_first);
  ADD ("sign-in", test_sign_in);
  ADD ("sign-in-port-taken", test_sign_in_port_taken);
  ADD ("refresh-token", test_refresh_token);
  ADD ("gitignore-link-told", test_gitignore_link_told);
  ADD ("revoked-token-writes-nothing", test_revoked_token_writes_nothing);
  ADD ("cancel-frees-port", test_cancel_frees_port);
  ADD ("window-size-remembered", test_window_size_remembered);
  ADD ("other-sdk-names", test_other_sdk_names);
  ADD ("check-existing", test_check_existing);
  ADD ("keyboard-only", test_keyboard_only);
  ADD ("copied-token-cleared", test_copied_token_cleared);
  ADD ("choose-folder", test_choose_folder);
  ADD ("open-api-settings", test_open_api_settings);
  ADD ("open-folder", test_open_folder);

#undef ADD

  return g_test_run ();
}

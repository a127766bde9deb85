/* tts-test-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include <glib/gstdio.h>

#include "tts-check-dialog.h"
#include "tts-dotenv.h"
#include "tts-market-row.h"
#include "tts-signin-loader.h"
#include "tts-test-files.h"
#include "tts-test-ports.h"
#include "tts-test-window.h"

#define GUARD_SECONDS 60

static gboolean
guard_cb (gpointer user_data)
{
  g_error ("Timed out waiting for: %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

void
tts_test_window_wait_until (TtsTestWindow    *fixture,
                            TtsTestCondition  condition,
                            const char       *what)
{
  guint guard = g_timeout_add_seconds (GUARD_SECONDS, guard_cb, (gpointer) what);

  while (!condition (fixture))
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (guard);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 TtsTestWindow   *fixture)
{
  if (event != WEBKIT_LOAD_FINISHED)
    return;

  g_free (fixture->last_loaded_uri);
  fixture->last_loaded_uri = g_strdup (webkit_web_view_get_uri (web_view));
  fixture->loads_finished++;
}

static gboolean
signin_page_prepared (TtsTestWindow *fixture)
{
  TtsSigninPage *page = TTS_SIGNIN_PAGE (tts_test_lookup_page (fixture->window, TTS_TYPE_SIGNIN_PAGE));

  return page != NULL && tts_test_get_boolean (page, "prepared");
}

void
tts_test_window_set_up (TtsTestWindow *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Linked in: no module to load. */
  tts_signin_loader_set_builtin_type (TTS_TYPE_SIGNIN_PAGE);

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);

  fixture->redirect_port = tts_test_free_port ();
  fixture->redirect_uri = g_strdup_printf ("http://localhost:%u", fixture->redirect_port);
  tts_fake_tastytrade_add_client (fixture->fake, TTS_TEST_CLIENT_ID, TTS_TEST_CLIENT_SECRET,
                                  fixture->redirect_uri);
  tts_fake_tastytrade_set_user (fixture->fake, TTS_TEST_USERNAME, TTS_TEST_PASSWORD, TTS_TEST_OTP);
  tts_fake_tastytrade_add_account (fixture->fake, "5WX01234", "Individual", "Individual", "owner");
  tts_fake_tastytrade_add_account (fixture->fake, "5WY99999", "Joint", "Joint", "read-only");

  fixture->folder_path = g_dir_make_tmp ("tts-window-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->folder = g_file_new_for_path (fixture->folder_path);

  tts_test_window_open_window (fixture, NULL);
}

void
tts_test_window_tear_down (TtsTestWindow *fixture,
                           gconstpointer  data)
{
  if (fixture->other_window != NULL)
    gtk_window_destroy (fixture->other_window);
  g_clear_object (&fixture->other_window);
  g_signal_handlers_disconnect_by_data (fixture->web_view, fixture);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->fake);
  tts_test_remove_tree (fixture->folder_path);
  g_clear_object (&fixture->folder);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->redirect_uri, g_free);
  g_clear_pointer (&fixture->last_loaded_uri, g_free);
}

gboolean
tts_test_window_flow_finished (TtsTestWindow *fixture)
{
  TtsFlowState state = tts_flow_get_state (fixture->flow);

  return state == TTS_FLOW_STATE_DONE || state == TTS_FLOW_STATE_FAILED;
}

gboolean
tts_test_window_flow_failed (TtsTestWindow *fixture)
{
  return tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_FAILED;
}

gboolean
tts_test_window_flow_idle (TtsTestWindow *fixture)
{
  return tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_IDLE;
}

void
tts_test_window_assert_flow_done (TtsTestWindow *fixture)
{
  tts_test_window_wait_until (fixture, tts_test_window_flow_finished, "the flow to finish");

  if (tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_FAILED)
    g_error ("The flow failed: %s", tts_flow_get_error (fixture->flow)->message);

  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE))));
}

static void
count_market_rows (GtkWidget *widget,
                   guint     *n_rows,
                   guint     *n_running)
{
  if (TTS_IS_MARKET_ROW (widget))
    {
      (*n_rows)++;
      if (tts_test_get_boolean (widget, "running"))
        (*n_running)++;
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_market_rows (child, n_rows, n_running);
}

gboolean
tts_test_window_market_checked (TtsTestWindow *fixture)
{
  TtsPage *page = tts_test_lookup_page (fixture->window, TTS_TYPE_DONE_PAGE);
  guint n_rows = 0;
  guint n_running = 0;

  if (page == NULL || tts_test_visible_page (fixture->window) != page)
    return FALSE;

  count_market_rows (GTK_WIDGET (page), &n_rows, &n_running);
  g_assert_cmpuint (n_rows, ==, 2);

  return n_running == 0;
}

void
tts_test_window_activate_primary (TtsTestWindow *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.primary", NULL));
}

static void
assert_focus_in (TtsTestWindow *fixture,
                 GtkWidget     *widget)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

  g_assert_nonnull (focus);
  g_assert_true (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

void
tts_test_window_fill_credentials (TtsTestWindow *fixture,
                                  gboolean       use_refresh_token,
                                  const char    *refresh_token)
{
  g_autofree char *problem = NULL;
  TtsCredentialsPage *page = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));

  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (TTS_WELCOME_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_WELCOME_PAGE))));
  tts_test_window_activate_primary (fixture);
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (TTS_START_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_START_PAGE))));
  tts_start_page_set_use_refresh_token (TTS_START_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_START_PAGE)), use_refresh_token);
  tts_test_window_activate_primary (fixture);
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
  /* Typing goes straight into the first field. */
  assert_focus_in (fixture, GTK_WIDGET (tts_test_find_entry (GTK_WIDGET (page), "Client _ID")));

  /* An empty field keeps the primary action off and says why. */
  g_assert_false (tts_page_get_complete (TTS_PAGE (page)));
  problem = tts_test_get_string (page, "problem");
  g_assert_nonnull (problem);
  g_clear_pointer (&problem, g_free);

  gtk_editable_set_text (tts_test_find_entry (GTK_WIDGET (page), "Client _ID"), "  " TTS_TEST_CLIENT_ID "\n");
  gtk_editable_set_text (tts_test_find_entry (GTK_WIDGET (page), "Client Se_cret"), "bad secret");
  g_assert_false (tts_page_get_complete (TTS_PAGE (page)));
  problem = tts_test_get_string (page, "problem");
  g_assert_nonnull (strstr (problem, "space"));
  g_clear_pointer (&problem, g_free);

  gtk_editable_set_text (tts_test_find_entry (GTK_WIDGET (page), "Client Se_cret"), " " TTS_TEST_CLIENT_SECRET " ");
  if (use_refresh_token)
    gtk_editable_set_text (tts_test_find_entry (GTK_WIDGET (page), "_Refresh Token"), refresh_token);

  g_assert_true (tts_page_get_complete (TTS_PAGE (page)));
  problem = tts_test_get_string (page, "problem");
  g_assert_null (problem);
}

void
tts_test_window_run_script (TtsTestWindow *fixture,
                            const char    *script)
{
  webkit_web_view_evaluate_javascript (fixture->web_view, script, -1, NULL, NULL, NULL, NULL, NULL);
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

void
tts_test_window_wait_for_script (TtsTestWindow *fixture,
                                 const char    *condition)
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

static gboolean
page_loaded (TtsTestWindow *fixture)
{
  g_autoptr(GUri) uri = NULL;

  if (fixture->loads_finished < fixture->expected_loads || fixture->last_loaded_uri == NULL)
    return FALSE;

  uri = g_uri_parse (fixture->last_loaded_uri, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && g_strcmp0 (g_uri_get_path (uri), fixture->expected_path) == 0;
}

void
tts_test_window_wait_for_page (TtsTestWindow *fixture,
                               const char    *path)
{
  fixture->expected_loads = fixture->loads_finished + 1;
  fixture->expected_path = path;
  tts_test_window_wait_until (fixture, page_loaded, path);
}

void
tts_test_window_wait_for_first_page (TtsTestWindow *fixture,
                                     const char    *path)
{
  fixture->expected_loads = 1;
  fixture->expected_path = path;
  tts_test_window_wait_until (fixture, page_loaded, path);
}

void
tts_test_window_sign_in_on_page (TtsTestWindow *fixture)
{
  TtsSigninPage *page = TTS_SIGNIN_PAGE (tts_test_lookup_page (fixture->window, TTS_TYPE_SIGNIN_PAGE));
  g_autofree char *shown = NULL;

  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
  tts_test_window_wait_for_first_page (fixture, "/auth.html");
  /* The user sees where they type their password. */
  shown = tts_test_visible_text (GTK_WIDGET (page));
  g_assert_nonnull (strstr (shown, "You are signing in at 127.0.0.1\n"));

  tts_test_window_run_script (fixture,
                              "document.getElementById('username').value = '" TTS_TEST_USERNAME "';"
                              "document.getElementById('password').value = '" TTS_TEST_PASSWORD "';"
                              "document.getElementById('sign-in').click();");
  tts_test_window_wait_for_page (fixture, "/login");

  tts_test_window_run_script (fixture,
                              "document.getElementById('otp').value = '" TTS_TEST_OTP "';"
                              "document.getElementById('verify').click();");
  tts_test_window_wait_for_page (fixture, "/otp");

  tts_test_window_run_script (fixture, "document.getElementById('authorize').click();");
}

char *
tts_test_window_read_secrets (TtsTestWindow *fixture,
                              guint         *mode)
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

void
tts_test_window_assert_secrets_saved (TtsTestWindow *fixture)
{
  guint mode = 0;
  g_autofree char *contents = tts_test_window_read_secrets (fixture, &mode);
  g_autofree char *id = tts_dotenv_lookup (contents, strlen (contents), "TT_API_CLIENT_ID");
  g_autofree char *secret = tts_dotenv_lookup (contents, strlen (contents), "TT_API_CLIENT_SECRET");
  g_autofree char *token = tts_dotenv_lookup (contents, strlen (contents), "TT_REFRESH_TOKEN");

  g_assert_cmpuint (mode, ==, 0600);
  g_assert_cmpstr (id, ==, TTS_TEST_CLIENT_ID);
  g_assert_cmpstr (secret, ==, TTS_TEST_CLIENT_SECRET);
  g_assert_nonnull (token);
  g_assert_cmpstr (token, ==, tts_flow_get_refresh_token (fixture->flow));
  /* Exactly as the fetcher's scripts read them: KEY=value, unquoted. */
  g_assert_nonnull (strstr (contents, "\nTT_API_CLIENT_ID=" TTS_TEST_CLIENT_ID "\n"));
}

static gboolean
window_finalized (TtsTestWindow *fixture)
{
  return fixture->window == NULL;
}

void
tts_test_window_release_window (TtsTestWindow *fixture)
{
  TtsWindow *window = fixture->window;

  g_assert_nonnull (window);
  g_signal_handlers_disconnect_by_data (fixture->web_view, fixture);
  fixture->web_view = NULL;
  fixture->flow = NULL;

  gtk_window_destroy (GTK_WINDOW (window));
  /* fixture->window turns NULL once the window is finalized. */
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &fixture->window);
  g_object_unref (window);
  tts_test_window_wait_until (fixture, window_finalized, "the window to be finalized");
}

void
tts_test_window_open_window (TtsTestWindow *fixture,
                             const char    *auth_uri)
{
  g_assert_null (fixture->window);

  fixture->window = g_object_ref_sink (tts_window_new (NULL, FALSE,
                                                       auth_uri != NULL ? auth_uri :
                                                       tts_fake_tastytrade_get_auth_uri (fixture->fake),
                                                       tts_fake_tastytrade_get_api_uri (fixture->fake),
                                                       fixture->redirect_uri,
                                                       fixture->folder));
  fixture->flow = tts_window_get_flow (fixture->window);
  g_object_set (fixture->flow, "timeout", 10, "retry-delay", 1, NULL);
  gtk_window_present (GTK_WINDOW (fixture->window));

  /* The sign-in page comes after the first frame, its web process up: count loads from
   * there. */
  tts_test_window_wait_until (fixture, signin_page_prepared, "the sign-in page to be prepared");
  fixture->web_view = tts_test_find_widget (tts_test_lookup_page (fixture->window, TTS_TYPE_SIGNIN_PAGE),
                                            WEBKIT_TYPE_WEB_VIEW);
  g_assert_nonnull (fixture->web_view);
  fixture->loads_finished = 0;
  g_clear_pointer (&fixture->last_loaded_uri, g_free);
  g_signal_connect (fixture->web_view, "load-changed", G_CALLBACK (load_changed_cb), fixture);
}

static const char *expected_toast;

static gboolean
toast_shown (TtsTestWindow *fixture)
{
  g_autofree char *text = tts_test_visible_text (GTK_WIDGET (fixture->window));

  return strstr (text, expected_toast) != NULL;
}

void
tts_test_window_wait_for_toast (TtsTestWindow *fixture,
                                const char    *text)
{
  g_autofree char *what = g_strdup_printf ("the toast “%s”", text);

  expected_toast = text;
  tts_test_window_wait_until (fixture, toast_shown, what);
  expected_toast = NULL;
}

/* Whether a label under @widget reads @label (as in the .ui file, with its underline). */
static gboolean
has_label (GtkWidget  *widget,
           const char *label)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), label) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (has_label (child, label))
        return TRUE;
    }

  return FALSE;
}

/* Whether @button reads @label: its own label or one inside it (beside an icon, perhaps in
 * one of a squeezer's children), its tooltip, or the name it gives screen readers. */
static gboolean
button_reads (GtkButton  *button,
              const char *label)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (button);
  g_autofree char *mismatch = NULL;

  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), label) == 0 ||
      has_label (GTK_WIDGET (button), label))
    return TRUE;

  if (!gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  mismatch = gtk_test_accessible_check_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  return mismatch == NULL;
}

GtkButton *
tts_test_find_button (GtkWidget  *widget,
                      const char *label)
{
  if (GTK_IS_BUTTON (widget) && button_reads (GTK_BUTTON (widget), label))
    return GTK_BUTTON (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found = tts_test_find_button (child, label);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* gtk_widget_activate() would click only after showing the button pressed for a moment. */
void
tts_test_press (GtkButton *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
nothing_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

char *
tts_test_own_timers (void)
{
  g_autoptr(GString) names = g_string_new (NULL);
  /* Source IDs count up: the newest tells how far to look. */
  guint last = g_idle_add (nothing_cb, NULL);

  g_source_remove (last);
  for (guint id = 1; id < last; id++)
    {
      GSource *source = g_main_context_find_source_by_id (NULL, id);
      const char *name = source != NULL ? g_source_get_name (source) : NULL;

      if (name != NULL && g_str_has_prefix (name, "[tastytrade-setup]"))
        g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", name);
    }

  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* Lets the main context run whatever is ready, without waiting for more. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

gboolean
tts_test_window_in_front (TtsTestWindow *fixture)
{
  /* Focus moves on the X server: its events are in once it has answered a round trip. */
  gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (fixture->window)));
  drain ();

  return gtk_window_is_active (GTK_WINDOW (fixture->window));
}

static gboolean
other_window_in_front (TtsTestWindow *fixture)
{
  return !tts_test_window_in_front (fixture) && gtk_window_is_active (fixture->other_window);
}

static gboolean
other_window_mapped (TtsTestWindow *fixture)
{
  return gtk_widget_get_mapped (GTK_WIDGET (fixture->other_window));
}

GtkWindow *
tts_test_window_open_other_window (TtsTestWindow *fixture)
{
  g_assert_null (fixture->other_window);

  fixture->other_window = g_object_ref_sink (GTK_WINDOW (gtk_window_new ()));
  gtk_window_set_title (fixture->other_window, "Another program");
  gtk_window_present (fixture->other_window);
  tts_test_window_wait_until (fixture, other_window_mapped, "the other window to show");
  /* Shown, it can take the keyboard (with no window manager, showing may not give it). */
  gtk_window_present (fixture->other_window);
  tts_test_window_wait_until (fixture, other_window_in_front, "the other window in front");

  return fixture->other_window;
}

gboolean
tts_test_session_bus_offers (const char *name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) activatable = NULL;
  g_autofree const char **names = NULL;
  gboolean has_owner = FALSE;

  g_assert_nonnull (bus);
  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  activatable = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "ListActivatableNames",
                                             NULL, G_VARIANT_TYPE ("(as)"),
                                             G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (owned);
  g_assert_nonnull (activatable);
  g_variant_get (owned, "(b)", &has_owner);
  g_variant_get (activatable, "(^a&s)", &names);

  return has_owner || g_strv_contains (names, name);
}

gboolean
tts_test_window_check_shown (TtsTestWindow *fixture)
{
  TtsCheckDialog *dialog = tts_window_get_check_dialog (fixture->window);
  g_autofree char *text = NULL;

  if (dialog == NULL || !tts_test_get_boolean (dialog, "done"))
    return FALSE;
  /* An AdwAlertDialog's sheet shows its content a frame or more after it is presented,
   * which can be after the check. */
  text = tts_test_visible_text (GTK_WIDGET (dialog));
  return text[0] != '\0';
}

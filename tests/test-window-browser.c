/* test-window-browser.c: the other ways in beside the embedded view, end to end
 *
 * The real window against the fake tastytrade, under Xvfb and dbus-run-session (see
 * meson.build): Use My Web Browser with a scripted browser over real HTTP in place of the
 * user's, Copy Link and paste-back, a redirect port held by another program, and the visible
 * wait with More Time. Every wait is on a signal or a main-loop condition; a guard timer only
 * turns a hang into a failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-error.h"
#include "tts-test-browser.h"
#include "tts-test-ports.h"
#include "tts-test-probe.h"
#include "tts-test-window.h"

typedef TtsTestWindow Fixture;

/* The window's smallest width (tts-window.ui): the page must fit in it. */
#define WINDOW_MIN_WIDTH 360

#define CANNOT_RETURN "Your web browser cannot return here by itself. Sign in above, or paste " \
                      "the address it ends on."

/* ---- helpers ---- */

/* Made once the window has drawn, its web process up (tts_test_window_open_window()). */
static TtsSigninPage *
signin_page (Fixture *fixture)
{
  return tts_test_lookup_page (fixture->window, TTS_TYPE_SIGNIN_PAGE);
}

/* The page's buttons and its paste-back field, as a user finds them: by what they read. */
static GtkButton *
browser_button (TtsSigninPage *page)
{
  return tts_test_find_button (GTK_WIDGET (page), "Use My _Web Browser");
}

static GtkButton *
copy_button (TtsSigninPage *page)
{
  return tts_test_find_button (GTK_WIDGET (page), "Copy _Link");
}

static GtkButton *
more_time_button (TtsSigninPage *page)
{
  return tts_test_find_button (GTK_WIDGET (page), "_More Time");
}

static GtkButton *
continue_button (TtsSigninPage *page)
{
  return tts_test_find_button (GTK_WIDGET (page), "C_ontinue");
}

static GtkEditable *
paste_entry (TtsSigninPage *page)
{
  GtkEditable *entry = tts_test_find_entry (GTK_WIDGET (page), "_Address");

  g_assert_nonnull (entry);
  return entry;
}

/* Whether paste-back is shown, or on its way in. */
static gboolean
paste_revealed (TtsSigninPage *page)
{
  GtkWidget *revealer = gtk_widget_get_ancestor (GTK_WIDGET (paste_entry (page)), GTK_TYPE_REVEALER);

  g_assert_nonnull (revealer);
  return gtk_revealer_get_reveal_child (GTK_REVEALER (revealer));
}

/* The field says nothing is wrong with it: no error style, nothing for a screen reader. */
static void
assert_no_paste_error (TtsSigninPage *page)
{
  GtkWidget *entry = GTK_WIDGET (paste_entry (page));

  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID,
                                    GTK_ACCESSIBLE_INVALID_FALSE);
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (entry),
                                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
}

static void
start_sign_in (Fixture *fixture)
{
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  tts_test_window_wait_for_first_page (fixture, "/auth.html");
}

/* As a click does: the button's action runs (gtk_widget_activate() would click only after
 * showing the button pressed for a moment). */
static void
press (GtkButton *button)
{
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
paste_back_shown (Fixture *fixture)
{
  return gtk_widget_get_mapped (GTK_WIDGET (continue_button (signin_page (fixture))));
}

/* Pastes @text into the field, then Continue (@with_enter: Enter in the field). */
static void
paste (Fixture    *fixture,
       const char *text,
       gboolean    with_enter)
{
  TtsSigninPage *page = signin_page (fixture);
  GtkEditable *entry = paste_entry (page);

  g_assert_true (paste_revealed (page));
  tts_test_window_wait_until (fixture, paste_back_shown, "paste-back to slide in");
  gtk_editable_set_text (entry, text);
  if (with_enter)
    /* What Enter's key binding emits in the field's text. */
    g_signal_emit_by_name (gtk_editable_get_delegate (entry), "activate");
  else
    press (continue_button (page));
}

/* The paste was refused with @message; the flow still waits, and the field says so. */
static void
assert_paste_refused (Fixture    *fixture,
                      const char *message)
{
  TtsSigninPage *page = signin_page (fixture);
  GtkWidget *entry = GTK_WIDGET (paste_entry (page));
  g_autofree char *text = NULL;

  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  gtk_test_accessible_assert_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID,
                                    GTK_ACCESSIBLE_INVALID_TRUE);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       message);
  /* The keyboard is back in the field, to paste again. */
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (fixture->window)), entry));

  /* Said under the field, in words. */
  text = tts_test_visible_text (GTK_WIDGET (page));
  g_assert_nonnull (strstr (text, message));
}

/* After the attempt, nothing of it is left on the page for the next one. */
static void
assert_paste_back_reset (Fixture *fixture)
{
  TtsSigninPage *page = signin_page (fixture);
  g_autofree char *shown = tts_test_shown_text (GTK_WIDGET (page));

  g_assert_false (paste_revealed (page));
  g_assert_cmpstr (gtk_editable_get_text (paste_entry (page)), ==, "");
  assert_no_paste_error (page);
  g_assert_null (strstr (shown, CANNOT_RETURN));
}

/* What tastytrade's page redirects to when the user allows, without a browser. */
static char *
redirect_location (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  char *location;

  location = tts_fake_tastytrade_complete_authorization (fixture->fake,
                                                         tts_flow_get_authorize_uri (fixture->flow),
                                                         TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (location);

  return location;
}

/* The page, at the window's smallest width, with all it shows now. */
static void
assert_fits_narrow_window (Fixture *fixture)
{
  int minimum = 0;

  gtk_widget_measure (GTK_WIDGET (signin_page (fixture)), GTK_ORIENTATION_HORIZONTAL, -1,
                      &minimum, NULL, NULL, NULL);
  g_test_message ("The sign-in page needs %d pixels", minimum);
  g_assert_cmpint (minimum, <=, WINDOW_MIN_WIDTH);
}

/* ---- 1. Use My Web Browser ---- */

/* The user's browser: opened on what the page hands it, then signing in as a person would. */
typedef struct
{
  GPtrArray *opened;
  gboolean   done;
  char      *body;
  guint      status;
  char      *final_uri;
  GError    *error;
} Browser;

static void
browser_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Browser *browser = user_data;

  browser->body = tts_test_browser_follow_finish (result, &browser->status, &browser->final_uri,
                                                  &browser->error);
  browser->done = TRUE;
}

static void
browser_open_cb (TtsSigninPage *page,
                 const char    *uri,
                 gpointer       user_data)
{
  Browser *browser = user_data;

  g_test_message ("Handed to the browser: %s", uri);
  g_ptr_array_add (browser->opened, g_strdup (uri));
}

static Browser *current_browser;

static gboolean
browser_done (Fixture *fixture)
{
  return current_browser->done;
}

static void
test_use_my_web_browser (Fixture       *fixture,
                         gconstpointer  data)
{
  TtsSigninPage *page = signin_page (fixture);
  Browser browser = { g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *authorize_uri = NULL;
  g_autoptr(GUri) final_uri = NULL;

  tts_signin_page_set_open_func (page, browser_open_cb, &browser);
  start_sign_in (fixture);
  authorize_uri = g_strdup (tts_flow_get_authorize_uri (fixture->flow));
  /* Our listener has the port: a browser outside can hand the answer back. */
  g_assert_null (tts_flow_get_listener_error (fixture->flow));
  g_assert_false (paste_revealed (page));

  press (browser_button (page));
  /* Exactly this attempt's sign-in went to the browser, once; paste-back stands by. */
  g_assert_cmpuint (browser.opened->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (browser.opened, 0), ==, authorize_uri);
  g_assert_true (paste_revealed (page));

  /* The browser comes to the front, and the user signs in there. */
  tts_test_window_open_other_window (fixture);
  tts_test_browser_follow_async (authorize_uri, TTS_TEST_USERNAME, TTS_TEST_PASSWORD, TTS_TEST_OTP,
                                 TRUE, NULL, browser_done_cb, &browser);
  current_browser = &browser;
  tts_test_window_wait_until (fixture, browser_done, "the browser to finish");
  g_assert_no_error (browser.error);

  /* The browser ended on the listener's own page, which sends the user back. */
  g_test_message ("The browser ended on %s", browser.final_uri);
  final_uri = g_uri_parse (browser.final_uri, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (final_uri);
  g_assert_cmpstr (g_uri_get_host (final_uri), ==, "localhost");
  g_assert_cmpint (g_uri_get_port (final_uri), ==, (int) fixture->redirect_port);
  g_assert_cmpuint (browser.status, ==, 200);
  g_assert_nonnull (strstr (browser.body, "Signed In"));
  g_assert_nonnull (strstr (browser.body, "Tastytrade API Setup continues in its own window."));

  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
  /* One sign-in, in the browser: the view did not sign in too. */
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 1);
  /* The answer came from outside: the window came to the front by itself. */
  tts_test_window_wait_until (fixture, tts_test_window_in_front, "the window to come to the front");
  assert_paste_back_reset (fixture);

  tts_signin_page_set_open_func (page, NULL, NULL);
  g_clear_pointer (&browser.opened, g_ptr_array_unref);
  g_clear_pointer (&browser.body, g_free);
  g_clear_pointer (&browser.final_uri, g_free);
}

/* Without a browser (as under the tests' bus, in the build userlands), the page says so and
 * offers the link instead: the real launcher, not the test's. */
static void
test_no_web_browser (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GAppInfo) browser = g_app_info_get_default_for_uri_scheme ("https");
  TtsSigninPage *page = signin_page (fixture);

  if (browser != NULL || tts_test_session_bus_offers ("org.freedesktop.portal.Desktop"))
    {
      g_test_skip ("A web browser is at hand: the test would open the sign-in in it");
      return;
    }

  start_sign_in (fixture);
  press (browser_button (page));
  g_assert_true (paste_revealed (page));
  tts_test_window_wait_for_toast (fixture, "Could not open your web browser. Copy the link instead.");
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
}

/* ---- 2. Copy Link, then paste-back ---- */

typedef struct
{
  gboolean  done;
  char     *text;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ClipboardRead *read = user_data;
  g_autoptr(GError) error = NULL;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

static ClipboardRead *current_read;

static gboolean
clipboard_read (Fixture *fixture)
{
  return current_read->done;
}

static char *
read_clipboard (Fixture *fixture)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->window));
  ClipboardRead read = { FALSE, NULL };

  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &read);
  current_read = &read;
  tts_test_window_wait_until (fixture, clipboard_read, "the clipboard");

  return read.text;
}

static gboolean
link_copied_toast_shown (Fixture *fixture)
{
  g_autofree char *text = tts_test_visible_text (GTK_WIDGET (fixture->window));

  return strstr (text, "Link copied.") != NULL;
}

static GtkWidget *current_entry;

static gboolean
focus_in_entry (Fixture *fixture)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

  return focus != NULL && gtk_widget_is_ancestor (focus, current_entry);
}

/* The redirect's address with its state swapped for another sign-in's. */
static char *
with_other_state (const char *location)
{
  g_autoptr(GUri) uri = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *query = NULL;

  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);
  g_assert_nonnull (g_hash_table_lookup (params, "state"));
  query = g_strdup_printf ("code=%s&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                           (const char *) g_hash_table_lookup (params, "code"));

  return g_uri_join (G_URI_FLAGS_ENCODED_QUERY, g_uri_get_scheme (uri), NULL,
                     g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri), query, NULL);
}

static void
test_copy_link_and_paste (Fixture       *fixture,
                          gconstpointer  data)
{
  TtsSigninPage *page = signin_page (fixture);
  GtkEditable *entry = paste_entry (page);
  g_autofree char *copied = NULL;
  g_autofree char *location = NULL;
  g_autofree char *wrong_state = NULL;
  g_autofree char *shown = NULL;

  start_sign_in (fixture);
  g_assert_false (paste_revealed (page));

  press (copy_button (page));
  copied = read_clipboard (fixture);
  g_assert_cmpstr (copied, ==, tts_flow_get_authorize_uri (fixture->flow));
  tts_test_window_wait_until (fixture, link_copied_toast_shown, "the toast about the copied link");
  g_assert_true (paste_revealed (page));
  /* Pasting is the next step: the keyboard is in the field once it has slid in. */
  current_entry = GTK_WIDGET (entry);
  tts_test_window_wait_until (fixture, focus_in_entry, "the keyboard in the field");

  /* Junk: said under the field; the sign-in still waits. */
  paste (fixture, "this is not it", FALSE);
  assert_paste_refused (fixture, "This is not the address your browser ended on. Copy the whole "
                                 "address from the browser’s address bar.");
  /* Typing again takes the complaint away. */
  gtk_editable_set_text (entry, "http://localhost");
  assert_no_paste_error (page);
  shown = tts_test_shown_text (GTK_WIDGET (page));
  g_assert_null (strstr (shown, "This is not the address"));

  /* The user went to another window (the browser, where the link went) and back: the window
   * comes forward by itself only for an answer that came from outside. */
  tts_test_window_open_other_window (fixture);

  /* Another sign-in's answer: refused by its state, without using the code. */
  location = redirect_location (fixture);
  wrong_state = with_other_state (location);
  paste (fixture, wrong_state, TRUE);
  assert_paste_refused (fixture, "The sign-in answer did not belong to this sign-in.");
  g_assert_false (tts_test_window_in_front (fixture));

  /* This attempt's own code, but alone: nothing shows it is not someone else's. */
  {
    g_autoptr(GUri) uri = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, NULL);
    g_autoptr(GHashTable) params = g_uri_parse_params (g_uri_get_query (uri), -1, "&",
                                                       G_URI_PARAMS_NONE, NULL);

    paste (fixture, g_hash_table_lookup (params, "code"), TRUE);
    assert_paste_refused (fixture, "This code comes without the sign-in’s state, so nothing "
                                   "shows that it is from this sign-in. Copy the whole address "
                                   "from the browser’s address bar.");
  }

  /* The whole address, with Enter: the same attempt goes on to the end. */
  paste (fixture, location, TRUE);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture->fake), ==, 1);
  /* The user pasted at the window: nothing to bring forward. */
  g_assert_false (tts_test_window_in_front (fixture));
  assert_paste_back_reset (fixture);
}

/* ---- 3. the redirect port is held ---- */

static void
assert_listener_problem_shown (Fixture *fixture)
{
  TtsSigninPage *page = signin_page (fixture);
  const GError *error = tts_flow_get_listener_error (fixture->flow);
  g_autofree char *port = g_strdup_printf ("port %u", fixture->redirect_port);
  g_autofree char *lower = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *text = NULL;

  g_assert_error ((GError *) error, TTS_ERROR, TTS_ERROR_PORT_IN_USE);
  expected = g_strdup_printf ("%s " CANNOT_RETURN "\n", error->message);
  /* Which port, in words. */
  lower = g_utf8_strdown (error->message, -1);
  g_assert_nonnull (strstr (lower, port));

  /* Paste-back is there from the start, with the reason in sight, as one label. */
  g_assert_true (paste_revealed (page));
  g_assert_true (paste_back_shown (fixture));
  text = tts_test_visible_text (GTK_WIDGET (page));
  g_test_message ("The page says: %s", text);
  g_assert_nonnull (strstr (text, expected));
  assert_fits_narrow_window (fixture);
}

static void
test_port_busy (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSocket) other4 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->redirect_port);
  g_autoptr(GSocket) other6 = NULL;
  g_autofree char *location = NULL;

  g_assert_nonnull (other4);
  if (tts_test_ipv6_loopback_works ())
    {
      other6 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, fixture->redirect_port);
      g_assert_nonnull (other6);
    }

  start_sign_in (fixture);
  g_assert_false (tts_flow_get_listener_owns_port (fixture->flow));
  assert_listener_problem_shown (fixture);

  /* Paste-back goes around the held port: from the browser, where the user was, to the
   * window, which does not jump forward by itself. */
  tts_test_window_open_other_window (fixture);
  location = redirect_location (fixture);
  paste (fixture, location, FALSE);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
  g_assert_false (tts_test_window_in_front (fixture));
  assert_paste_back_reset (fixture);

  /* The code never went to the other program. */
  tts_test_assert_never_connected (other4);
  tts_test_assert_never_connected (other6);
}

/* Another program, in a process of its own, holds the port on 127.0.0.1: the page names it
 * where the system tells. */
static void
test_port_busy_names_program (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GSubprocess) holder = tts_test_spawn_port_holder (fixture->redirect_port);
  g_autofree char *names = NULL;
  const char *message;

  if (holder == NULL)
    {
      g_test_skip ("No python3 to hold the port");
      return;
    }

  start_sign_in (fixture);
  assert_listener_problem_shown (fixture);

  message = tts_flow_get_listener_error (fixture->flow)->message;
  names = g_strdup_printf ("(process %s)", g_subprocess_get_identifier (holder));
  g_assert_nonnull (strstr (message, "python3"));
  g_assert_nonnull (strstr (message, names));

  tts_test_stop_port_holder (holder);
}

/* ---- 4. the visible wait ---- */

/* The time as the desktop shows it. gtk_test_init() runs the tests in en_US.UTF-8 where that
 * locale is installed, and there GLib's default clock is the 12-hour one. */
static char *
deadline_text (gint64 deadline)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.interface", TRUE);
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (deadline / G_USEC_PER_SEC);
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *clock_format = NULL;
  g_autofree char *clock = NULL;

  if (schema != NULL && g_settings_schema_has_key (schema, "clock-format"))
    {
      settings = g_settings_new_full (schema, NULL, NULL);
      clock_format = g_settings_get_string (settings, "clock-format");
    }
  clock = g_date_time_format (time, g_strcmp0 (clock_format, "12h") == 0 ? "%-l:%M %p" : "%H:%M");

  return g_strdup_printf ("Waiting until %s", clock);
}

static void
test_more_time (Fixture       *fixture,
                gconstpointer  data)
{
  TtsSigninPage *page = signin_page (fixture);
  g_autofree char *first_text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *timers = NULL;
  g_autofree char *shown = NULL;
  gint64 first;
  gint64 second;

  g_object_set (fixture->flow, "wait-timeout", 60, NULL);
  start_sign_in (fixture);

  first = tts_flow_get_wait_deadline (fixture->flow);
  g_assert_cmpint (first, >, g_get_real_time ());
  g_assert_cmpint (first, <=, g_get_real_time () + 60 * G_USEC_PER_SEC);
  first_text = deadline_text (first);
  shown = tts_test_visible_text (GTK_WIDGET (page));
  g_assert_nonnull (strstr (shown, first_text));

  /* Sitting on the loaded page, the only timer is the flow's deadline: the time shown is
   * not counted down. */
  timers = tts_test_own_timers ();
  g_assert_cmpstr (timers, ==, "[tastytrade-setup] sign-in wait");

  /* More Time: the full wait again from now (two minutes, for a time that must change). */
  g_object_set (fixture->flow, "wait-timeout", 120, NULL);
  press (more_time_button (page));
  second = tts_flow_get_wait_deadline (fixture->flow);
  g_assert_cmpint (second, >=, first + 60 * G_USEC_PER_SEC);
  expected = deadline_text (second);
  g_assert_cmpstr (expected, !=, first_text);
  g_clear_pointer (&shown, g_free);
  shown = tts_test_visible_text (GTK_WIDGET (page));
  g_assert_nonnull (strstr (shown, expected));
  g_assert_null (strstr (shown, first_text));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);

  g_clear_pointer (&timers, g_free);
  timers = tts_test_own_timers ();
  g_assert_cmpstr (timers, ==, "[tastytrade-setup] sign-in wait");
  assert_fits_narrow_window (fixture);
}

/* The wait runs out: said on the error page, never a silent hang; Try Again starts afresh. */
static void
test_wait_expires (Fixture       *fixture,
                   gconstpointer  data)
{
  TtsSigninPage *page = signin_page (fixture);

  start_sign_in (fixture);
  press (copy_button (page));
  gtk_editable_set_text (paste_entry (page), "half a paste");
  /* The user went to their browser with the link. */
  tts_test_window_open_other_window (fixture);
  /* A second left, from now. */
  g_object_set (fixture->flow, "wait-timeout", 1, NULL);
  press (more_time_button (page));

  tts_test_window_wait_until (fixture, tts_test_window_flow_failed, "the wait to run out");
  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR,
                  TTS_ERROR_SIGN_IN_EXPIRED);
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_PROGRESS_PAGE)));
  /* The link went out: the user may be in that browser, so the window comes forward. */
  tts_test_window_wait_until (fixture, tts_test_window_in_front, "the window to come to the front");
  assert_paste_back_reset (fixture);

  g_object_set (fixture->flow, "wait-timeout", TTS_FLOW_WAIT_SECONDS, NULL);
  tts_test_window_activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  assert_paste_back_reset (fixture);
  g_assert_cmpint (tts_flow_get_wait_deadline (fixture->flow), >, 0);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/window-browser/" path, Fixture, NULL, tts_test_window_set_up, func, tts_test_window_tear_down)

  ADD ("use-my-web-browser", test_use_my_web_browser);
  ADD ("no-web-browser", test_no_web_browser);
  ADD ("copy-link-and-paste", test_copy_link_and_paste);
  ADD ("port-busy", test_port_busy);
  ADD ("port-busy-names-program", test_port_busy_names_program);
  ADD ("more-time", test_more_time);
  ADD ("wait-expires", test_wait_expires);

#undef ADD

  return g_test_run ();
}

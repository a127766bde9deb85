/* test-broken-install.c: the window when the sign-in module cannot be loaded
 *
 * The module with WebKit is a file of its own; a broken or partial install may lack it. The
 * window must say so where the user looks (on the page, not in a toast that goes) and still
 * offer the way in that needs no WebKit: the user's own browser, whose answer the listener
 * catches. The browser here is the scripted one of tests/tts-test-browser.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-flow.h"
#include "tts-secrets-file.h"
#include "tts-test-browser.h"
#include "tts-test-files.h"
#include "tts-test-pages.h"
#include "tts-test-ports.h"
#include "tts-window-private.h"

#define CLIENT_ID     "broken-client-id"
#define CLIENT_SECRET "broken-client-secret"
#define USERNAME      "alice"
#define PASSWORD      "correct horse"
#define OTP           "246810"

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *redirect_uri;
  char              *folder_path;
  TtsWindow         *window;
  TtsFlow           *flow;
  char              *page;          /* what the browser ended on */
  gboolean           browsed;
} Fixture;

static gboolean
expired_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *fixture);

static void
wait_until (Fixture    *fixture,
            Condition   condition,
            const char *what)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (60, expired_cb, &expired);

  while (!condition (fixture) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (guard);
}

static gboolean
shows_unavailable (Fixture *fixture)
{
  GtkWidget *page = tts_test_lookup_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE);
  g_autofree char *text = page != NULL ? tts_test_shown_text (page) : NULL;

  return text != NULL && strstr (text, "Signing In Here Is Not Possible") != NULL;
}

static gboolean
waiting_for_browser (Fixture *fixture)
{
  g_autofree char *text = tts_test_shown_text (GTK_WIDGET (tts_test_visible_page (fixture->window)));

  return strstr (text, "Waiting for Your Web Browser") != NULL;
}

static gboolean
flow_ended (Fixture *fixture)
{
  TtsFlowState state = tts_flow_get_state (fixture->flow);

  return fixture->browsed &&
         (state == TTS_FLOW_STATE_DONE || state == TTS_FLOW_STATE_FAILED);
}

static gboolean
flow_failed (Fixture *fixture)
{
  return tts_flow_get_state (fixture->flow) == TTS_FLOW_STATE_FAILED;
}

static void
followed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  fixture->page = tts_test_browser_follow_finish (result, NULL, NULL, &error);
  g_assert_no_error (error);
  fixture->browsed = TRUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint port = tts_test_free_port ();

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);
  fixture->redirect_uri = g_strdup_printf ("http://localhost:%u", port);
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, fixture->redirect_uri);
  tts_fake_tastytrade_set_user (fixture->fake, USERNAME, PASSWORD, OTP);
  tts_fake_tastytrade_add_account (fixture->fake, "5WX01234", "Individual", "Individual", "owner");

  fixture->folder_path = g_dir_make_tmp ("tts-broken-XXXXXX", &error);
  g_assert_no_error (error);

  fixture->window = g_object_ref_sink (tts_window_new (NULL, FALSE,
                                                       tts_fake_tastytrade_get_auth_uri (fixture->fake),
                                                       tts_fake_tastytrade_get_api_uri (fixture->fake),
                                                       fixture->redirect_uri, NULL));
  fixture->flow = tts_window_get_flow (fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->fake);
  tts_test_remove_tree (fixture->folder_path);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->redirect_uri, g_free);
  g_clear_pointer (&fixture->page, g_free);
}

static void
fill_in (Fixture *fixture)
{
  GtkWidget *page = tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE);
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->folder_path);

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.primary", NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.primary", NULL);
  g_assert_true (tts_test_visible_page (fixture->window) == TTS_PAGE (page));
  gtk_editable_set_text (tts_test_find_entry (page, "Client _ID"), CLIENT_ID);
  gtk_editable_set_text (tts_test_find_entry (page, "Client Se_cret"), CLIENT_SECRET);
  tts_credentials_page_set_folder (TTS_CREDENTIALS_PAGE (page), folder);
  g_assert_true (tts_page_get_complete (TTS_PAGE (page)));
}

/* Said on the page, and Sign In goes on in the browser to a saved file. */
static void
test_signs_in_with_browser (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *saved = NULL;

  fill_in (fixture);
  wait_until (fixture, shows_unavailable, "the page to say the sign-in view is missing");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.primary", NULL);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  wait_until (fixture, waiting_for_browser, "the window to wait for the browser");

  /* No browser opens under the tests: the user opens the address themselves. */
  tts_test_browser_follow_async (tts_flow_get_authorize_uri (fixture->flow), USERNAME, PASSWORD,
                                 OTP, TRUE, NULL, followed_cb, fixture);
  wait_until (fixture, flow_ended, "the sign-in in the browser to end");
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_DONE);
  g_assert_nonnull (strstr (fixture->page, "Signed In"));
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, CLIENT_SECRET));
}

/* With the port held by another program, nothing can bring the answer back: the attempt
 * ends with that reason at once, rather than waiting for nothing. */
static void
test_port_held (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GUri) uri = g_uri_parse (fixture->redirect_uri, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GSocket) other4 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, g_uri_get_port (uri));
  g_autoptr(GSocket) other6 = tts_test_occupy_port (G_SOCKET_FAMILY_IPV6, g_uri_get_port (uri));

  fill_in (fixture);
  wait_until (fixture, shows_unavailable, "the page to say the sign-in view is missing");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.primary", NULL);
  wait_until (fixture, flow_failed, "the attempt to end");
  g_assert_error ((GError *) tts_flow_get_error (fixture->flow), TTS_ERROR, TTS_ERROR_PORT_IN_USE);
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 tts_test_find_page (fixture->window, TTS_TYPE_PROGRESS_PAGE));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *module_dir = NULL;
  int status;

  /* An install without the module: an empty folder where it should be. */
  module_dir = g_dir_make_tmp ("tts-no-module-XXXXXX", NULL);
  g_assert_nonnull (module_dir);
  g_setenv ("TASTYTRADE_SETUP_MODULE_DIR", module_dir, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/broken-install/signs-in-with-browser", Fixture, NULL, fixture_set_up,
              test_signs_in_with_browser, fixture_tear_down);
  g_test_add ("/broken-install/port-held", Fixture, NULL, fixture_set_up,
              test_port_held, fixture_tear_down);

  status = g_test_run ();
  g_rmdir (module_dir);

  return status;
}

/* test-markup.c: what comes from outside is shown as text, never parsed as Pango markup
 *
 * Account data from tastytrade's answer, the folder the user picked and the messages of
 * toasts go through every row, toast and dialog that shows them, with `<b>`, `&` and
 * `<span …>` in them. Parsed as markup, `5WX<b>77</b>` would show as "5WX77", and a lone
 * `&` would blank the label with a warning (fatal here).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>

#include "tts-check-dialog.h"
#include "tts-done-page.h"
#include "tts-error.h"
#include "tts-test-window.h"

typedef TtsTestWindow Fixture;

#define HOSTILE_NUMBER   "5WX<b>77</b>"
#define HOSTILE_NICKNAME "Tom & Jerry"
#define HOSTILE_TYPE     "<span foreground=\"red\">Margin</span> & Cash"
/* No slash: it is a file name. Parsed as markup, `&amp;` would show as `&`. */
#define HOSTILE_FOLDER   "R&D <b>bold &amp; <span size=\"xx-large\">big"

/* A folder of the user's with markup in its name, made in the fixture's folder. */
static GFile *
hostile_folder (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->folder_path, HOSTILE_FOLDER, NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  return g_file_new_for_path (path);
}

static void
assert_shows (GtkWidget  *widget,
              const char *text)
{
  g_autofree char *shown = tts_test_visible_text (widget);

  if (strstr (shown, text) == NULL)
    g_error ("“%s” is not shown as it is; the labels say:\n%s", text, shown);
}

/* The folder row, and the row that says the folder already has a file. */
static void
test_credentials_page (Fixture       *fixture,
                       gconstpointer  data)
{
  TtsCredentialsPage *page = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));
  g_autoptr(GFile) folder = hostile_folder (fixture);
  g_autoptr(GFile) secrets = g_file_get_child (folder, ".secrets");
  g_autofree char *path = g_file_get_path (folder);

  g_assert_true (g_file_replace_contents (secrets, "# mine\n", 7, NULL, FALSE,
                                          G_FILE_CREATE_PRIVATE, NULL, NULL, NULL));
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_credentials_page_set_folder (page, folder);
  tts_test_window_wait_until (fixture, (TtsTestCondition) tts_test_window_flow_idle, "the page");

  assert_shows (GTK_WIDGET (page), path);
}

/* "Check It" on a folder whose file has gone: the dialog names the file, as it is. */
static void
test_check_dialog (Fixture       *fixture,
                   gconstpointer  data)
{
  TtsCredentialsPage *page = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));
  g_autoptr(GFile) folder = hostile_folder (fixture);
  g_autoptr(GFile) secrets = g_file_get_child (folder, ".secrets");
  g_autofree char *path = g_file_get_path (secrets);
  g_autoptr(GError) error = NULL;

  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_credentials_page_set_folder (page, folder);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.check-existing", NULL);
  tts_test_window_wait_until (fixture, tts_test_window_check_shown, "the check to finish");

  g_object_get (tts_window_get_check_dialog (fixture->window), "error", &error, NULL);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_NO_CREDENTIALS);
  assert_shows (GTK_WIDGET (tts_window_get_check_dialog (fixture->window)), path);
}

/* A toast repeats what it is given. */
static void
test_toast (Fixture       *fixture,
            gconstpointer  data)
{
  const char *text = "Could not open “" HOSTILE_FOLDER "” & more";

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-toast", "s", text);
  tts_test_window_wait_for_toast (fixture, text);
}

/* A whole sign-in into the hostile folder, with an account whose every field is markup: the
 * done page shows the file's path and the account as tastytrade sent them. */
static void
test_done_page (Fixture       *fixture,
                gconstpointer  data)
{
  TtsCredentialsPage *page = TTS_CREDENTIALS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE));
  g_autoptr(GFile) folder = hostile_folder (fixture);
  g_autoptr(GFile) secrets = g_file_get_child (folder, ".secrets");
  g_autofree char *path = g_file_get_path (secrets);
  GtkWidget *done;

  tts_fake_tastytrade_add_account (fixture->fake, HOSTILE_NUMBER, HOSTILE_NICKNAME, HOSTILE_TYPE,
                                   "owner");
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_credentials_page_set_folder (page, folder);
  tts_test_window_activate_primary (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  g_assert_true (g_file_query_exists (secrets, NULL));

  done = GTK_WIDGET (TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE)));
  assert_shows (done, path);
  assert_shows (done, HOSTILE_NUMBER);
  assert_shows (done, HOSTILE_TYPE);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add ("/markup/" path, Fixture, NULL, tts_test_window_set_up, func, tts_test_window_tear_down)

  ADD ("credentials-page", test_credentials_page);
  ADD ("check-dialog", test_check_dialog);
  ADD ("toast", test_toast);
  ADD ("done-page", test_done_page);

#undef ADD

  return g_test_run ();
}

/* test-secret-hygiene.c: secrets never escape, through a whole flow with full debug logging
 *
 * Each case runs the real window against the fake with G_MESSAGES_DEBUG=all while
 * everything written to stdout and stderr (ours, GLib's, libsoup's, WebKit's child
 * processes') goes to a file. The client secret, the password typed in the login page and
 * every code and token the fake issued (the quote token for DXLink included) must then
 * appear nowhere: not in that output, not in the environment or command line of any process
 * we started, and not on screen. What the redirect server answers is checked in
 * test-redirect-server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE /* memmem */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tts-error.h"
#include "tts-test-window.h"

typedef struct
{
  TtsTestWindow  window;       /* first: the harness takes a pointer to it */
  int            saved_stdout;
  int            saved_stderr;
  char          *capture_path;
  GString       *output;       /* what was captured, once the capture ended */
} Fixture;

static void
start_capture (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  int fd = g_file_open_tmp ("tts-hygiene-XXXXXX.log", &fixture->capture_path, &error);

  g_assert_no_error (error);
  /* A failure inside the capture is reported there: the file stays until the case passes. */
  g_test_message ("Output of this case goes to %s", fixture->capture_path);
  fflush (stdout);
  fflush (stderr);
  fixture->saved_stdout = dup (STDOUT_FILENO);
  fixture->saved_stderr = dup (STDERR_FILENO);
  g_assert_cmpint (fixture->saved_stdout, >=, 0);
  g_assert_cmpint (fixture->saved_stderr, >=, 0);
  /* Child processes started from now on (WebKit's) inherit these too. */
  g_assert_cmpint (dup2 (fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  g_assert_cmpint (dup2 (fd, STDERR_FILENO), ==, STDERR_FILENO);
  close (fd);
}

static void
end_capture (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (fixture->saved_stdout < 0)
    return;

  fflush (stdout);
  fflush (stderr);
  dup2 (fixture->saved_stdout, STDOUT_FILENO);
  dup2 (fixture->saved_stderr, STDERR_FILENO);
  close (fixture->saved_stdout);
  close (fixture->saved_stderr);
  fixture->saved_stdout = fixture->saved_stderr = -1;

  g_assert_true (g_file_get_contents (fixture->capture_path, &contents, &length, &error));
  g_assert_no_error (error);
  fixture->output = g_string_new_len (contents, length);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  start_capture (fixture);
  tts_test_window_set_up (&fixture->window, data);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  end_capture (fixture);
  tts_test_window_tear_down (&fixture->window, data);
  g_unlink (fixture->capture_path);
  g_clear_pointer (&fixture->capture_path, g_free);
  if (fixture->output != NULL)
    g_string_free (fixture->output, TRUE);
}

/* Everything that must stay secret in this run. */
static GPtrArray *
collect_secrets (Fixture *fixture)
{
  GPtrArray *issued = tts_fake_tastytrade_get_issued_secrets (fixture->window.fake);
  GPtrArray *secrets = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (secrets, g_strdup (TTS_TEST_CLIENT_SECRET));
  g_ptr_array_add (secrets, g_strdup (TTS_TEST_PASSWORD));
  for (guint i = 0; i < issued->len; i++)
    {
      const char *secret = g_ptr_array_index (issued, i);
      g_autofree char *escaped = g_uri_escape_string (secret, NULL, FALSE);

      g_ptr_array_add (secrets, g_strdup (secret));
      /* Codes travel in URIs: look for their escaped form too. */
      if (strcmp (escaped, secret) != 0)
        g_ptr_array_add (secrets, g_steal_pointer (&escaped));
    }

  return secrets;
}

static void
assert_no_secret_in (GPtrArray  *secrets,
                     const char *where,
                     const char *text,
                     gsize       length)
{
  for (guint i = 0; i < secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (secrets, i);

      if (memmem (text, length, secret, strlen (secret)) != NULL)
        g_error ("Secret %u of this run (%zu bytes) appeared in %s", i, strlen (secret), where);
    }
}

static char *
read_proc (int         pid,
           const char *name,
           gsize      *length)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, name);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, length, NULL))
    return NULL;

  return contents;
}

static int
parent_of (int pid)
{
  gsize length = 0;
  g_autofree char *stat = read_proc (pid, "stat", &length);
  const char *end = stat != NULL ? strrchr (stat, ')') : NULL;
  int ppid = -1;

  /* "pid (comm) state ppid …": comm may hold spaces and parentheses. */
  if (end != NULL && sscanf (end + 1, " %*c %d", &ppid) != 1)
    ppid = -1;

  return ppid;
}

/* Our descendants (WebKit's web and network processes, bus helpers we started), with the
 * command line and environment each was given. */
static guint
assert_no_secret_in_children (GPtrArray *secrets)
{
  g_autoptr(GHashTable) ours = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) pids = g_ptr_array_new ();
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint checked = 0;
  gboolean grew = TRUE;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    if (g_ascii_isdigit (name[0]))
      g_ptr_array_add (pids, GINT_TO_POINTER (atoi (name)));

  g_hash_table_add (ours, GINT_TO_POINTER (getpid ()));
  while (grew)
    {
      grew = FALSE;
      for (guint i = 0; i < pids->len; i++)
        {
          int pid = GPOINTER_TO_INT (g_ptr_array_index (pids, i));

          if (!g_hash_table_contains (ours, GINT_TO_POINTER (pid)) &&
              g_hash_table_contains (ours, GINT_TO_POINTER (parent_of (pid))))
            {
              g_hash_table_add (ours, GINT_TO_POINTER (pid));
              grew = TRUE;
            }
        }
    }

  for (guint i = 0; i < pids->len; i++)
    {
      int pid = GPOINTER_TO_INT (g_ptr_array_index (pids, i));
      g_autofree char *cmdline = NULL;
      g_autofree char *environ_block = NULL;
      g_autofree char *where = NULL;
      gsize cmdline_length = 0;
      gsize environ_length = 0;

      if (pid == getpid () || !g_hash_table_contains (ours, GINT_TO_POINTER (pid)))
        continue;

      cmdline = read_proc (pid, "cmdline", &cmdline_length);
      environ_block = read_proc (pid, "environ", &environ_length);
      where = g_strdup_printf ("the command line or environment of process %d", pid);
      if (cmdline != NULL)
        assert_no_secret_in (secrets, where, cmdline, cmdline_length);
      if (environ_block != NULL)
        assert_no_secret_in (secrets, where, environ_block, environ_length);
      checked++;
    }

  return checked;
}

static void
assert_no_secret_in_environment (GPtrArray *secrets)
{
  g_auto(GStrv) environment = g_get_environ ();

  for (guint i = 0; environment[i] != NULL; i++)
    assert_no_secret_in (secrets, "our environment", environment[i], strlen (environment[i]));
}

static void
collect_mapped_text (GtkWidget *widget,
                     GString   *text)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_mapped_text (child, text);
}

/* What the window shows: people share screenshots of it. */
static void
assert_no_secret_on_screen (Fixture   *fixture,
                            GPtrArray *secrets)
{
  g_autoptr(GString) text = g_string_new (NULL);

  collect_mapped_text (GTK_WIDGET (fixture->window.window), text);
  g_assert_cmpuint (text->len, >, 0);
  assert_no_secret_in (secrets, "the text on screen", text->str, text->len);
}

/* Ends the capture and looks everywhere. */
static void
assert_nothing_escaped (Fixture *fixture)
{
  g_autoptr(GPtrArray) secrets = collect_secrets (fixture);
  guint children;

  assert_no_secret_on_screen (fixture, secrets);
  assert_no_secret_in_environment (secrets);
  children = assert_no_secret_in_children (secrets);
  /* At least WebKit's web process. */
  g_assert_cmpuint (children, >, 0);

  end_capture (fixture);
  /* The capture really holds the program's debug output, or this test proves nothing. */
  g_assert_nonnull (strstr (fixture->output->str, "tts-core-DEBUG"));
  g_assert_nonnull (strstr (fixture->output->str, "Flow state: TTS_FLOW_STATE_"));
  assert_no_secret_in (secrets, "stdout or stderr", fixture->output->str, fixture->output->len);

  g_test_message ("Looked for %u secret strings in %zu bytes of output and %u child processes",
                  secrets->len, fixture->output->len, children);
}

/* The done page's market checks ran to a quote, with a quote token the fake issued. */
static void
wait_for_quote (TtsTestWindow *window)
{
  tts_test_window_wait_until (window, tts_test_window_market_checked, "the market checks");
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (window->fake, "/api-quote-tokens"), ==, 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (window->fake), ==, 1);
}

/* Sign-in, code exchange, verification and save: codes and both tokens pass through. */
static void
test_sign_in (Fixture       *fixture,
              gconstpointer  data)
{
  TtsTestWindow *window = &fixture->window;
  tts_test_window_fill_credentials (window, FALSE, NULL);
  tts_test_window_activate_primary (window);
  g_assert_true (tts_flow_get_listener_owns_port (window->flow));
  tts_test_window_sign_in_on_page (window);
  tts_test_window_assert_flow_done (window);
  tts_test_window_assert_secrets_saved (window);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (window->fake), ==, 1);
  /* The quote token passes through too: to DXLink, and nowhere else. */
  wait_for_quote (window);

  assert_nothing_escaped (fixture);
}

/* The refresh token the user pasted, verified and saved. */
static void
test_refresh_token (Fixture       *fixture,
                    gconstpointer  data)
{
  TtsTestWindow *window = &fixture->window;
  g_autofree char *grant = tts_fake_tastytrade_create_grant (window->fake, TTS_TEST_CLIENT_ID);

  tts_test_window_fill_credentials (window, TRUE, grant);
  tts_test_window_activate_primary (window);
  tts_test_window_assert_flow_done (window);
  tts_test_window_assert_secrets_saved (window);
  wait_for_quote (window);

  assert_nothing_escaped (fixture);
}

/* A rejected secret: the error the user reads and the logs must not quote it. */
static void
test_rejected (Fixture       *fixture,
               gconstpointer  data)
{
  TtsTestWindow *window = &fixture->window;
  g_autofree char *grant = NULL;

  /* The secret was regenerated on the site: the one the user has is now wrong. */
  tts_fake_tastytrade_add_client (window->fake, TTS_TEST_CLIENT_ID, "regenerated-secret",
                                  window->redirect_uri);
  grant = tts_fake_tastytrade_create_grant (window->fake, TTS_TEST_CLIENT_ID);
  tts_test_window_fill_credentials (window, TRUE, grant);
  tts_test_window_activate_primary (window);
  tts_test_window_wait_until (window, tts_test_window_flow_failed, "the flow to fail");
  g_assert_error ((GError *) tts_flow_get_error (window->flow), TTS_ERROR, TTS_ERROR_INVALID_CLIENT);

  assert_nothing_escaped (fixture);
}

/* TAP owns stdout, where GLib writes debug lines: every message goes to stderr, which the
 * capture takes as well. */
static GLogWriterOutput
log_to_stderr (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);

  fprintf (stderr, "%s\n", line);
  fflush (stderr);

  return G_LOG_WRITER_HANDLED;
}

int
main (int   argc,
      char *argv[])
{
  /* Full debug logging, also for the processes WebKit starts later; set before any thread
   * starts. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_log_set_writer_func (log_to_stderr, NULL, NULL);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_log_set_debug_enabled (TRUE);

#define ADD(path, func) \
  g_test_add ("/secret-hygiene/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("sign-in", test_sign_in);
  ADD ("refresh-token", test_refresh_token);
  ADD ("rejected", test_rejected);

#undef ADD

  return g_test_run ();
}

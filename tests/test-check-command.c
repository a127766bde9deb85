/* test-check-command.c: `tastytrade-setup --check` and TtsSetupCheck against the fake
 *
 * The real program runs as a child without a display and with a session bus nobody
 * answers on, while the fake tastytrade serves from this process's main loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "tts-account.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-key-set.h"
#include "tts-secrets-file.h"
#include "tts-setup-check.h"
#include "tts-test-errors.h"
#include "tts-test-files.h"
#include "tts-test-ports.h"
#include "tts-token-client.h"
#include "tts-tokens.h"

#define CLIENT_ID      "check-client-id"
#define CLIENT_SECRET  "check-secret-5f2a9c7d1e3b"
#define WRONG_SECRET   "wrong-secret-8b1d0e6f4a2c"
#define REDIRECT_URI   "http://localhost:8000"
#define USER_AGENT     "tastytrade-setup/test"
#define ACCOUNT_NUMBER "5WX01234"
#define ACCOUNT_2      "5WY98765"

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *folder_path;
  char              *refresh_token;
  /* Secrets of this test beyond what the fake issued, e.g. a wrong secret in a file. */
  GPtrArray         *secrets;
  /* Run the program with G_MESSAGES_DEBUG=all (its debug log then goes to stdout). */
  gboolean           debug;
  /* A session bus that nobody should connect to: it hangs up on anyone who does. */
  char              *bus_path;
  char              *bus_address;
  GSocket           *bus;
  GSource           *bus_source;
  guint              bus_connections;
} Fixture;

typedef struct
{
  gboolean  done;
  char     *out;
  char     *err;
  GError   *error;
} Output;

static gboolean
bus_incoming_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GSocket) connection = g_socket_accept (socket, NULL, NULL);

  if (connection != NULL)
    {
      fixture->bus_connections++;
      g_socket_close (connection, NULL);
    }

  return G_SOURCE_CONTINUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI);
  tts_fake_tastytrade_add_account (fixture->fake, ACCOUNT_NUMBER, "Individual", "Individual", "owner");
  tts_fake_tastytrade_add_account (fixture->fake, ACCOUNT_2, "Roth", "Roth IRA", "read-only");
  fixture->refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  fixture->folder_path = g_dir_make_tmp ("tts-check-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->secrets = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (fixture->secrets, g_strdup (CLIENT_SECRET));
  g_ptr_array_add (fixture->secrets, g_strdup (WRONG_SECRET));

  fixture->bus_path = g_build_filename (fixture->folder_path, "bus", NULL);
  fixture->bus_address = g_strconcat ("unix:path=", fixture->bus_path, NULL);
  fixture->bus = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  address = g_unix_socket_address_new (fixture->bus_path);
  g_assert_true (g_socket_bind (fixture->bus, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (fixture->bus, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (fixture->bus, FALSE);
  fixture->bus_source = g_socket_create_source (fixture->bus, G_IO_IN, NULL);
  g_source_set_callback (fixture->bus_source, G_SOURCE_FUNC (bus_incoming_cb), fixture, NULL);
  g_source_attach (fixture->bus_source, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_cmpuint (fixture->bus_connections, ==, 0);
  g_source_destroy (fixture->bus_source);
  g_clear_pointer (&fixture->bus_source, g_source_unref);
  g_socket_close (fixture->bus, NULL);
  g_clear_object (&fixture->bus);

  tts_test_remove_tree (fixture->folder_path);

  g_clear_object (&fixture->fake);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->refresh_token, g_free);
  g_clear_pointer (&fixture->secrets, g_ptr_array_unref);
  g_clear_pointer (&fixture->bus_path, g_free);
  g_clear_pointer (&fixture->bus_address, g_free);
}

/* Helpers */

static char *
write_file (const char *folder,
            const char *name,
            const char *content)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (folder, name, NULL);

  g_assert_true (g_file_set_contents_full (path, content, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  g_assert_no_error (error);

  return path;
}

static char *
read_file (const char *folder,
           const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;
  char *content = NULL;

  g_assert_true (g_file_get_contents (path, &content, NULL, &error));
  g_assert_no_error (error);

  return content;
}

static char *
fetcher_text (const char *secret,
              const char *token)
{
  return g_strdup_printf ("# Tastytrade OAuth Credentials\n\n"
                          "TT_API_CLIENT_ID=%s\nTT_API_CLIENT_SECRET=%s\nTT_REFRESH_TOKEN=%s\n",
                          CLIENT_ID, secret, token);
}

static void
assert_no_secret (Fixture    *fixture,
                  const char *text)
{
  GPtrArray *issued = tts_fake_tastytrade_get_issued_secrets (fixture->fake);

  g_assert_nonnull (text);
  for (guint i = 0; i < fixture->secrets->len; i++)
    g_assert_null (strstr (text, g_ptr_array_index (fixture->secrets, i)));
  for (guint i = 0; i < issued->len; i++)
    g_assert_null (strstr (text, g_ptr_array_index (issued, i)));
}

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Output *output = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result,
                                        &output->out, &output->err, &output->error);
  output->done = TRUE;
}

/* Runs the program with @args after its name, in @cwd (NULL: the test's), headless, while
 * the fake answers. Returns its exit status; *out and *err hold what it printed. */
static int
run_program (Fixture            *fixture,
             const char * const *args,
             const char         *cwd,
             char              **out,
             char              **err)
{
  const char *program = g_getenv ("TTS_SETUP_PROGRAM");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Output output = { 0 };

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (gpointer) program);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (gpointer) *args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* No display, and a session bus that does not answer: GTK must not start, and the
   * application must not register. */
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fixture->bus_address, TRUE);
  /* gvfs, where installed, would talk to the bus for GFile's sake: not the program's doing. */
  g_subprocess_launcher_setenv (launcher, "GIO_USE_VFS", "local", TRUE);
  /* English messages, whatever the machine's language. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  if (fixture->debug)
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &output);
  while (!output.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (output.error);

  g_test_message ("stdout: %s", output.out);
  g_test_message ("stderr: %s", output.err);

  /* A crash, or a warning under G_DEBUG=fatal-warnings, would be a signal. */
  g_assert_true (g_subprocess_get_if_exited (process));
  /* A connection the program made would be waiting to be taken. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (fixture->bus_connections, ==, 0);

  assert_no_secret (fixture, output.out);
  assert_no_secret (fixture, output.err);
  *out = output.out;
  *err = output.err;

  return g_subprocess_get_exit_status (process);
}

static int
run_check (Fixture     *fixture,
           const char  *path,
           char       **out,
           char       **err)
{
  const char *args[] = {
    "--check", path, "--api-url", tts_fake_tastytrade_get_api_uri (fixture->fake), NULL
  };

  return run_program (fixture, args, NULL, out, err);
}

/* The first line of @text, which must end in a newline. */
static char *
first_line (const char *text)
{
  const char *end = strchr (text, '\n');

  g_assert_nonnull (end);
  return g_strndup (text, end - text);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* The command */

typedef struct
{
  const char *name;
  const char *text;   /* @SECRET@ and @TOKEN@ stand for the values */
  TtsKeySet   key_set;
  gboolean    sends_client_id;
} Names;

static const Names names[] = {
  { "fetcher",
    "TT_API_CLIENT_ID=" CLIENT_ID "\nTT_API_CLIENT_SECRET=@SECRET@\nTT_REFRESH_TOKEN=@TOKEN@\n",
    TTS_KEY_SET_FETCHER, TRUE },
  { "tastyware",
    "# tastyware\nexport TT_SECRET=\"@SECRET@\"\nTT_REFRESH='@TOKEN@'\n",
    TTS_KEY_SET_TASTYWARE, FALSE },
  { "tastytrade-sdk",
    "TT_CLIENT_ID=" CLIENT_ID "\r\nTT_CLIENT_SECRET=@SECRET@\r\nTT_REFRESH_TOKEN=@TOKEN@\r\n",
    TTS_KEY_SET_TASTYTRADE_SDK, TRUE },
};

static void
test_good (Fixture       *fixture,
           gconstpointer  data)
{
  const Names *set = data;
  g_autoptr(GString) template = g_string_new (set->text);
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *line = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *after = NULL;
  g_autofree char *backup = NULL;
  TtsFakeRequest *request;

  g_string_replace (template, "@SECRET@", CLIENT_SECRET, 0);
  g_string_replace (template, "@TOKEN@", fixture->refresh_token, 0);
  text = g_string_free (g_steal_pointer (&template), FALSE);
  path = write_file (fixture->folder_path, ".secrets", text);

  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 0);

  expected = g_strdup_printf ("OK: tastytrade accepts the credentials in %s (production).", path);
  line = first_line (out);
  g_assert_cmpstr (line, ==, expected);
  g_assert_nonnull (strstr (out, "\n  " ACCOUNT_NUMBER "  Individual  (owner)\n"));
  g_assert_nonnull (strstr (out, "\n  " ACCOUNT_2 "  Roth  (read-only)\n"));
  /* Then what the fetcher needs, one line each. */
  g_assert_nonnull (strstr (out, "\nOption chains: Readable: SPX and SPXW, 42 expirations\n"));
  g_assert_nonnull (strstr (out, "\nLive quotes: SPX 5910.10 / 5911.30 at "));
  g_assert_true (g_str_has_suffix (out, " (level api)\n"));
  g_assert_cmpuint (count_lines (out), ==, 5);

  /* As the contract says: client_id only when the file has one, and our User-Agent. */
  request = tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token");
  g_assert_nonnull (request);
  g_assert_cmpint (g_hash_table_contains (request->params, "client_id"), ==, set->sends_client_id);
  g_assert_true (g_str_has_prefix (request->user_agent, "tastytrade-setup/"));
  g_assert_nonnull (tts_fake_tastytrade_get_last_request (fixture->fake, "/customers/me/accounts"));

  /* A check changes nothing when the token stays the same. */
  after = read_file (fixture->folder_path, ".secrets");
  g_assert_cmpstr (after, ==, text);
  backup = g_build_filename (fixture->folder_path, ".secrets.backup", NULL);
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
}

static void
test_sandbox (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *fetcher = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *text = g_strconcat (fetcher, TTS_KEY_SANDBOX "=true\n", NULL);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *expected = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 0);
  expected = g_strdup_printf ("OK: tastytrade accepts the credentials in %s (sandbox).\n", path);
  g_assert_true (g_str_has_prefix (out, expected));

  /* No market data there is expected, and said plainly; the credentials still pass. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER);
  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\nLive quotes: tastytrade’s sandbox may have no market data, "
                                 "and it gave none here. This is expected there"));
  g_assert_cmpstr (err, ==, "");
}

/* A failed market check is a line of its own, with its reason and next step; the exit status
 * still speaks about the credentials. */
static void
test_market_lines (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *fetcher = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", fetcher);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER);
  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\nOption chains: Readable: SPX and SPXW, 42 expirations\n"));
  g_assert_nonnull (strstr (out, "\nLive quotes: tastytrade streams quotes only to customers "
                                 "with an opened account, and this login has none. Open a "
                                 "brokerage account on tastytrade’s site and fund it, then try "
                                 "again.\n"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_GRANTED);
  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\nLive quotes: tastytrade has not granted market data for API "
                                 "use to this login. Ask tastytrade’s API support"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_TOKEN_REJECTED);
  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\nLive quotes: tastytrade’s quote service did not accept the "
                                 "quote token."));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  tts_fake_tastytrade_fail_requests (fixture->fake, "/option-chains/SPX/nested", 10, 503,
                                     "text/html", "<html>down</html>");
  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\nOption chains: tastytrade could not answer (server error "
                                 "503)."));
}

static void
test_revoked (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *text = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *line = NULL;

  tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);

  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  expected = g_strdup_printf ("Rejected: tastytrade no longer accepts the refresh token in %s: "
                              "its grant was deleted, or the client secret was regenerated.",
                              path);
  line = first_line (err);
  g_assert_cmpstr (line, ==, expected);
  /* The remedy, on the second line. */
  g_assert_cmpuint (count_lines (err), ==, 2);
}

static void
test_wrong_secret (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *text = fetcher_text (WRONG_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "Rejected: tastytrade’s production service did not accept "
                                        "the client ID or client secret in "));
  g_assert_nonnull (strstr (err, path));
  g_assert_nonnull (strstr (err, "TT_SANDBOX=true"));
  g_assert_cmpuint (count_lines (err), ==, 2);

  /* --sandbox checks against the sandbox, and says so. */
  {
    const char *args[] = { "--check", "--sandbox", path,
                           "--api-url", tts_fake_tastytrade_get_api_uri (fixture->fake), NULL };
    g_autofree char *out2 = NULL;
    g_autofree char *err2 = NULL;

    g_assert_cmpint (run_program (fixture, args, NULL, &out2, &err2), ==, 1);
    g_assert_true (g_str_has_prefix (err2, "Rejected: tastytrade’s sandbox did not accept "));
  }
}

static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *text = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *api = g_strdup_printf ("http://127.0.0.1:%u", tts_test_free_port ());
  const char *args[] = { "--check", path, "--api-url", api, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_program (fixture, args, NULL, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "Could not check: tastytrade refused the connection.\n"));
  g_assert_cmpuint (count_lines (err), ==, 2);
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->folder_path, "absent.env", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_check (fixture, path, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  expected = g_strdup_printf ("Could not check: There is no file named “%s”.\n", path);
  g_assert_true (g_str_has_prefix (err, expected));
  g_assert_cmpuint (count_lines (err), ==, 2);

  /* An empty folder: its .secrets is what is missing. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&expected, g_free);
  g_clear_pointer (&path, g_free);
  path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 2);
  expected = g_strdup_printf ("Could not check: There is no file named “%s”.\n", path);
  g_assert_true (g_str_has_prefix (err, expected));

  /* Nothing was sent anywhere. */
  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture->fake)->len, ==, 0);
}

static void
test_no_credentials (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = write_file (fixture->folder_path, ".secrets",
                                      "# nothing here yet\nOTHER_KEY=1\nTT_API_CLIENT_ID=" CLIENT_ID "\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "Could not check: "));
  g_assert_nonnull (strstr (err, path));
  g_assert_nonnull (strstr (err, "holds no client secret and refresh token"));
  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture->fake)->len, ==, 0);
}

/* A folder means its .secrets, or its .env when it has no .secrets; a file means itself. */
static void
test_folder_and_file (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *good = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *bad = fetcher_text (WRONG_SECRET, fixture->refresh_token);
  g_autofree char *env_path = write_file (fixture->folder_path, ".env", good);
  g_autofree char *secrets_path = NULL;
  g_autofree char *other_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* Only .env: the folder means .env. */
  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, env_path));

  /* Both: the folder means .secrets, which here is wrong; the file path still means .env. */
  secrets_path = write_file (fixture->folder_path, ".secrets", bad);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, secrets_path));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_check (fixture, env_path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, env_path));

  /* Any other name, given as a file. */
  other_path = write_file (fixture->folder_path, "tastytrade.env", good);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_check (fixture, other_path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, other_path));
}

/* Without PATH: the current folder, named in full; a relative PATH works from there too. */
static void
test_current_folder (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *text = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  const char *api = tts_fake_tastytrade_get_api_uri (fixture->fake);
  const char *no_path[] = { "--check", "--api-url", api, NULL };
  const char *relative[] = { "--api-url", api, "--check", "./.secrets", NULL };
  g_autofree char *expected = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  expected = g_strdup_printf ("OK: tastytrade accepts the credentials in %s (production).\n", path);

  g_assert_cmpint (run_program (fixture, no_path, fixture->folder_path, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, expected));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_program (fixture, relative, fixture->folder_path, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, expected));
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  const char *api = tts_fake_tastytrade_get_api_uri (fixture->fake);
  const char *two_paths[] = { "--check", fixture->folder_path, fixture->folder_path, NULL };
  const char *bad_api[] = { "--check", fixture->folder_path, "--api-url", "ftp://example.com", NULL };
  const char *bad_name[] = { "--check", "my secrets", "--api-url", api, NULL };
  /* Without --check, a stray argument is refused before any window (there is no display). */
  const char *stray[] = { fixture->folder_path, NULL };
  const char * const *cases[] = { two_paths, bad_api, bad_name, stray };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (run_program (fixture, cases[i], fixture->folder_path, &out, &err), ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "tastytrade-setup: "));
      g_assert_cmpuint (count_lines (err), ==, 1);
    }

  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture->fake)->len, ==, 0);
}


/* The fake never hands out a new refresh token on a refresh (tastytrade is not known to
 * either). An answer injected in place of its own does: a real access token of the fake,
 * and the refresh token of another real grant. Returns that refresh token. */
static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static char *
inject_rotation (Fixture *fixture)
{
  g_autoptr(TtsTokenClient) client = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  char *new_token;

  client = tts_token_client_new (tts_fake_tastytrade_get_api_uri (fixture->fake), USER_AGENT);
  tts_token_client_refresh_async (client, CLIENT_ID, CLIENT_SECRET, fixture->refresh_token,
                                  NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  tokens = tts_token_client_refresh_finish (client, result, &error);
  g_assert_no_error (error);

  new_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  body = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                          "\"refresh_token\":\"%s\"}",
                          tokens->access_token, new_token);
  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json", body);

  return new_token;
}

static void
test_rotation (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *fetcher = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *text = g_strconcat (fetcher, "OTHER_KEY=kept\n", NULL);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *new_token = inject_rotation (fixture);
  g_autofree char *expected = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(TtsStoredCredentials) credentials = NULL;

  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "OK: "));
  g_assert_nonnull (strstr (out, "\n  " ACCOUNT_NUMBER "  Individual  (owner)\n"));
  expected = g_strdup_printf ("\ntastytrade handed out a new refresh token; it was saved in %s, "
                              "and the previous content in %s.backup.\nOption chains: ",
                              path, path);
  g_assert_nonnull (strstr (out, expected));

  saved = read_file (fixture->folder_path, ".secrets");
  credentials = tts_stored_credentials_parse (saved, strlen (saved));
  g_assert_nonnull (credentials);
  g_assert_cmpstr (credentials->refresh_token, ==, new_token);
  g_assert_cmpstr (credentials->client_secret, ==, CLIENT_SECRET);
  g_assert_cmpstr (credentials->client_id, ==, CLIENT_ID);
  g_assert_nonnull (strstr (saved, "OTHER_KEY=kept\n"));
  backup = read_file (fixture->folder_path, ".secrets.backup");
  g_assert_cmpstr (backup, ==, text);

  /* The new token is the one that works from now on. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 0);
  g_assert_null (strstr (out, "new refresh token"));
  g_assert_cmpuint (count_lines (out), ==, 5);
}

/* A renewed token saved in a git repository whose .gitignore is a link: said, not written
 * through. */
static void
test_rotation_gitignore_link (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *fetcher = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", fetcher);
  g_autofree char *target = write_file (fixture->folder_path, "shared-ignore", "build/\n");
  g_autofree char *link = g_build_filename (fixture->folder_path, ".gitignore", NULL);
  g_autofree char *dot_git = g_build_filename (fixture->folder_path, ".git", NULL);
  g_autofree char *new_token = inject_rotation (fixture);
  g_autofree char *expected = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (g_mkdir (dot_git, 0700), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);

  g_assert_cmpint (run_check (fixture, fixture->folder_path, &out, &err), ==, 0);
  expected = g_strdup_printf ("\nIts folder is in a git repository whose .gitignore is a link or "
                              "cannot be changed: add %s and its backup to the .gitignore "
                              "yourself, or git may share them.\nOption chains: ",
                              path);
  g_assert_nonnull (strstr (out, expected));
  kept = read_file (fixture->folder_path, "shared-ignore");
  g_assert_cmpstr (kept, ==, "build/\n");
}

/* With the whole debug log on, still no secret, on any outcome. */
static void
test_debug_log (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *fetcher = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *wrong = fetcher_text (WRONG_SECRET, fixture->refresh_token);
  g_autofree char *good_path = write_file (fixture->folder_path, ".secrets", fetcher);
  g_autofree char *wrong_path = write_file (fixture->folder_path, "wrong.env", wrong);
  g_autofree char *new_token = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  fixture->debug = TRUE;

  /* run_program() checks each output for secrets. */
  new_token = inject_rotation (fixture);
  g_assert_cmpint (run_check (fixture, good_path, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "tts-core-DEBUG"));
  /* The quote token went to DXLink in this run: it is among the secrets looked for. */
  g_assert_nonnull (strstr (out, "DXLink: first quote"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_check (fixture, wrong_path, &out, &err), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  g_assert_cmpint (run_check (fixture, good_path, &out, &err), ==, 1);
}

/* TtsSetupCheck itself */

static TtsSetupCheck *
new_check (Fixture    *fixture,
           const char *file_name)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->folder_path);
  g_autoptr(TtsSecretsFile) file = tts_secrets_file_new_for_name (folder, file_name);
  TtsSetupCheck *check;

  check = tts_setup_check_new (file, tts_fake_tastytrade_get_api_uri (fixture->fake), USER_AGENT);
  g_object_set (check, "timeout", 10, "retry-delay", 1, NULL);

  return check;
}

static gboolean
run_core_check (TtsSetupCheck  *check,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tts_setup_check_run_async (check, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return tts_setup_check_run_finish (check, result, error);
}

/* A new refresh token goes back under the names and with the marker the file had. */
static void
test_core_rotation (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *text = g_strdup_printf ("# tastyware, sandbox\nTT_SECRET=%s\nTT_REFRESH=%s\n"
                                           TTS_KEY_SANDBOX "=true\n",
                                           CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *new_token = inject_rotation (fixture);
  g_autoptr(TtsSetupCheck) check = new_check (fixture, ".secrets");
  g_autoptr(TtsStoredCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *expected = NULL;
  TtsAccount *account;

  g_assert_true (run_core_check (check, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (tts_setup_check_get_token_renewed (check));
  g_assert_true (tts_setup_check_get_sandbox (check));
  g_assert_cmpint (tts_setup_check_get_key_set (check), ==, TTS_KEY_SET_TASTYWARE);
  g_assert_cmpuint (g_list_model_get_n_items (tts_setup_check_get_accounts (check)), ==, 2);
  account = g_list_model_get_item (tts_setup_check_get_accounts (check), 0);
  g_assert_cmpstr (tts_account_get_number (account), ==, ACCOUNT_NUMBER);
  g_object_unref (account);

  saved = read_file (fixture->folder_path, ".secrets");
  expected = g_strdup_printf ("# tastyware, sandbox\nTT_SECRET=%s\nTT_REFRESH=%s\n"
                              TTS_KEY_SANDBOX "=true\n",
                              CLIENT_SECRET, new_token);
  g_assert_cmpstr (saved, ==, expected);
  credentials = tts_stored_credentials_parse (saved, strlen (saved));
  g_assert_cmpint (credentials->key_set, ==, TTS_KEY_SET_TASTYWARE);
  g_assert_true (credentials->sandbox);
  backup = read_file (fixture->folder_path, ".secrets.backup");
  g_assert_cmpstr (backup, ==, text);

  /* Again: the same token comes back, nothing is written. */
  g_assert_true (run_core_check (check, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (tts_setup_check_get_token_renewed (check));
  g_clear_pointer (&saved, g_free);
  saved = read_file (fixture->folder_path, ".secrets");
  g_assert_cmpstr (saved, ==, expected);
}

/* The new token cannot be saved: say so, and that the file may be stale now. */
static void
test_core_rotation_not_saved (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *text = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autofree char *backup_path = g_build_filename (fixture->folder_path, ".secrets.backup", NULL);
  g_autofree char *new_token = inject_rotation (fixture);
  g_autoptr(TtsSetupCheck) check = new_check (fixture, ".secrets");
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = NULL;
  const char *secrets[] = { CLIENT_SECRET, fixture->refresh_token, new_token, NULL };

  /* A backup that is a folder makes the save refuse, even for root. */
  g_assert_cmpint (g_mkdir (backup_path, 0700), ==, 0);

  g_assert_false (run_core_check (check, NULL, &error));
  tts_test_assert_plain_error (error, TTS_ERROR_UNSAFE_FILE, secrets);
  g_assert_true (g_str_has_prefix (error->message, "tastytrade handed out a new refresh token"));
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpint (tts_setup_check_exit_status (error), ==, 2);
  g_assert_false (tts_setup_check_get_token_renewed (check));

  saved = read_file (fixture->folder_path, ".secrets");
  g_assert_cmpstr (saved, ==, text);
}

typedef struct
{
  const char   *name;
  TtsErrorCode  code;
  int           status;
} Failure;

static const Failure failures[] = {
  { "revoked", TTS_ERROR_INVALID_GRANT, 1 },
  { "wrong-secret", TTS_ERROR_INVALID_CLIENT, 1 },
  { "no-read-scope", TTS_ERROR_FORBIDDEN, 1 },
  { "server-error", TTS_ERROR_SERVICE_UNAVAILABLE, 2 },
  { "unreachable", TTS_ERROR_NETWORK, 2 },
  { "no-credentials", TTS_ERROR_NO_CREDENTIALS, 2 },
  { "unsafe-file", TTS_ERROR_UNSAFE_FILE, 2 },
};

static void
test_core_failure (Fixture       *fixture,
                   gconstpointer  data)
{
  const Failure *failure = data;
  g_autofree char *text = fetcher_text (g_str_equal (failure->name, "wrong-secret") ? WRONG_SECRET
                                                                                    : CLIENT_SECRET,
                                        fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autoptr(TtsSetupCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  const char *secrets[] = { CLIENT_SECRET, WRONG_SECRET, fixture->refresh_token, NULL };

  if (g_str_equal (failure->name, "revoked"))
    tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  else if (g_str_equal (failure->name, "no-read-scope"))
    tts_fake_tastytrade_fail_requests (fixture->fake, "/customers/me/accounts", 1, 403,
                                       "application/json",
                                       "{\"error\":{\"code\":\"forbidden\",\"message\":\"Forbidden\"}}");
  else if (g_str_equal (failure->name, "server-error"))
    tts_fake_tastytrade_fail_token_requests (fixture->fake, 3, 503, "text/html",
                                             "<html><body>503</body></html>");
  else if (g_str_equal (failure->name, "no-credentials"))
    {
      g_clear_pointer (&path, g_free);
      path = write_file (fixture->folder_path, ".secrets", "TT_API_CLIENT_ID=" CLIENT_ID "\n");
    }
  else if (g_str_equal (failure->name, "unsafe-file"))
    {
      g_assert_cmpint (g_unlink (path), ==, 0);
      g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
    }

  if (g_str_equal (failure->name, "unreachable"))
    {
      g_autoptr(GFile) folder = g_file_new_for_path (fixture->folder_path);
      g_autoptr(TtsSecretsFile) file = tts_secrets_file_new (folder);
      g_autofree char *api = g_strdup_printf ("http://127.0.0.1:%u", tts_test_free_port ());

      check = tts_setup_check_new (file, api, USER_AGENT);
      g_object_set (check, "timeout", 10, "retry-delay", 1, NULL);
    }
  else
    check = new_check (fixture, ".secrets");

  g_assert_false (run_core_check (check, NULL, &error));
  /* The file's own sentences start with its quoted name, not a capital. */
  if (failure->code == TTS_ERROR_NO_CREDENTIALS || failure->code == TTS_ERROR_UNSAFE_FILE)
    {
      g_assert_error (error, TTS_ERROR, (int) failure->code);
      g_assert_nonnull (strstr (error->message, path));
      for (gsize i = 0; secrets[i] != NULL; i++)
        g_assert_null (strstr (error->message, secrets[i]));
    }
  else
    tts_test_assert_plain_error (error, failure->code, secrets);
  g_assert_cmpint (tts_setup_check_exit_status (error), ==, failure->status);
  g_assert_cmpuint (g_list_model_get_n_items (tts_setup_check_get_accounts (check)), ==, 0);
  g_assert_false (tts_setup_check_get_token_renewed (check));
}

static void
test_core_busy_and_cancel (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *text = fetcher_text (CLIENT_SECRET, fixture->refresh_token);
  g_autofree char *path = write_file (fixture->folder_path, ".secrets", text);
  g_autoptr(TtsSetupCheck) check = new_check (fixture, ".secrets");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GError) error = NULL;

  /* One run at a time. */
  tts_setup_check_run_async (check, NULL, store_result_cb, &first);
  g_assert_false (run_core_check (check, NULL, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_FAILED);
  g_clear_error (&error);
  while (first == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (tts_setup_check_run_finish (check, first, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (tts_setup_check_get_accounts (check)), ==, 2);

  /* Cancelled while the refresh waits for its answer. */
  tts_fake_tastytrade_hold (fixture->fake, "/oauth/token");
  g_clear_object (&first);
  tts_setup_check_run_async (check, cancellable, store_result_cb, &first);
  while (tts_fake_tastytrade_get_held (fixture->fake, "/oauth/token") == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  while (first == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (tts_setup_check_run_finish (check, first, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (tts_setup_check_exit_status (error), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (tts_setup_check_get_accounts (check)), ==, 0);
  tts_fake_tastytrade_release (fixture->fake, "/oauth/token");
}

static void
test_exit_status (void)
{
  g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  g_assert_cmpint (tts_setup_check_exit_status (NULL), ==, 0);
  g_assert_cmpint (tts_setup_check_exit_status (io), ==, 2);

  for (int code = TTS_ERROR_FAILED; code <= TTS_ERROR_SIGN_IN_EXPIRED; code++)
    {
      g_autoptr(GError) error = g_error_new_literal (TTS_ERROR, code, "x");
      int expected = (code == TTS_ERROR_INVALID_GRANT || code == TTS_ERROR_INVALID_CLIENT ||
                      code == TTS_ERROR_FORBIDDEN) ? 1 : 2;

      g_assert_cmpint (tts_setup_check_exit_status (error), ==, expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strdup_printf ("/check-command/good/%s", names[i].name);
      ADD (path, &names[i], test_good);
    }
  ADD ("/check-command/sandbox", NULL, test_sandbox);
  ADD ("/check-command/market-lines", NULL, test_market_lines);
  ADD ("/check-command/revoked", NULL, test_revoked);
  ADD ("/check-command/wrong-secret", NULL, test_wrong_secret);
  ADD ("/check-command/unreachable", NULL, test_unreachable);
  ADD ("/check-command/missing-file", NULL, test_missing_file);
  ADD ("/check-command/no-credentials", NULL, test_no_credentials);
  ADD ("/check-command/folder-and-file", NULL, test_folder_and_file);
  ADD ("/check-command/current-folder", NULL, test_current_folder);
  ADD ("/check-command/usage", NULL, test_usage);
  ADD ("/check-command/rotation", NULL, test_rotation);
  ADD ("/check-command/rotation-gitignore-link", NULL, test_rotation_gitignore_link);
  ADD ("/check-command/debug-log", NULL, test_debug_log);

  ADD ("/setup-check/rotation", NULL, test_core_rotation);
  ADD ("/setup-check/rotation-not-saved", NULL, test_core_rotation_not_saved);
  for (gsize i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/setup-check/failure/%s", failures[i].name);
      ADD (path, &failures[i], test_core_failure);
    }
  ADD ("/setup-check/busy-and-cancel", NULL, test_core_busy_and_cancel);
  g_test_add_func ("/setup-check/exit-status", test_exit_status);

#undef ADD

  return g_test_run ();
}

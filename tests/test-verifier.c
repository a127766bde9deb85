/* test-verifier.c: TtsVerifier against the in-process fake tastytrade
 *
 * The verifier refreshes, reads the accounts and saves, in the order its TtsVerifierSave
 * says. What it did and when is seen from outside: its "step" notifications, what the
 * folder held at each of them, and the requests the fake received.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tts-account.h"
#include "tts-core-enums.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-key-set.h"
#include "tts-secrets-file.h"
#include "tts-test-errors.h"
#include "tts-test-files.h"
#include "tts-token-client.h"
#include "tts-tokens.h"
#include "tts-verifier.h"

#define CLIENT_ID      "verifier-client-id"
#define CLIENT_SECRET  "verifier-secret-4e8b2d6a9c1f"
#define REDIRECT_URI   "http://localhost:8000"
#define USER_AGENT     "tastytrade-setup/test"
#define ACCOUNT_1      "5WX01234"
#define ACCOUNT_2      "5WY98765"
#define ACCOUNTS_PATH  "/customers/me/accounts"
#define TOKEN_PATH     "/oauth/token"
/* The accounts call's answer to an access token it does not take. */
#define TOKEN_INVALID_BODY \
  "{\"error\":{\"code\":\"token_invalid\"," \
  "\"message\":\"This request requires a valid access token\"}}"
/* Another line of the user's in an existing file, which a save keeps. */
#define OTHER_LINE     "OTHER_KEY=kept\n"

typedef struct
{
  TtsFakeTastytrade *fake;
  TtsTokenClient    *client;
  char              *folder_path;
  char              *secrets_path;
  TtsSecretsFile    *file;
  /* What Create Grant on the site gave: the token each run starts from. */
  char              *refresh_token;

  TtsVerifier       *verifier;
  GCancellable      *cancellable;
  /* Cancel the run when "step" says this (IDLE: never). */
  TtsVerifierStep    cancel_at;
  /* Every step "step" notified, in order, and what .secrets held then (NULL: no file). */
  GArray            *steps;
  GPtrArray         *files_at_step;

  /* The run's outcome. */
  gboolean           done;
  GPtrArray         *accounts;
  GError            *error;
} Fixture;

/* Everything the core library logged, to look for secrets in. */
static GString *core_log;

/* A handler for the core's domain: GLib's test harness handles the other messages itself
 * (since 2.80 it bypasses any log writer in tests). */
static void
core_log_handler (const char     *log_domain,
                  GLogLevelFlags  log_level,
                  const char     *message,
                  gpointer        user_data)
{
  g_string_append (core_log, message);
  g_string_append_c (core_log, '\n');

  /* Debug lines stay here rather than on the TAP stream. */
  if (!(log_level & G_LOG_LEVEL_DEBUG))
    g_log_default_handler (log_domain, log_level, message, user_data);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI);
  tts_fake_tastytrade_add_account (fixture->fake, ACCOUNT_1, "Individual", "Individual", "owner");
  tts_fake_tastytrade_add_account (fixture->fake, ACCOUNT_2, "Roth", "Roth IRA", "read-only");
  fixture->refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  fixture->client = tts_token_client_new (tts_fake_tastytrade_get_api_uri (fixture->fake),
                                          USER_AGENT);
  tts_token_client_set_timeout (fixture->client, 10);
  tts_token_client_set_retry_delay (fixture->client, 1);

  fixture->folder_path = g_dir_make_tmp ("tts-verifier-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->secrets_path = g_build_filename (fixture->folder_path, TTS_SECRETS_FILE_NAME, NULL);
  folder = g_file_new_for_path (fixture->folder_path);
  fixture->file = tts_secrets_file_new (folder);

  fixture->cancellable = g_cancellable_new ();
  fixture->cancel_at = TTS_VERIFIER_STEP_IDLE;
  fixture->steps = g_array_new (FALSE, FALSE, sizeof (TtsVerifierStep));
  fixture->files_at_step = g_ptr_array_new_with_free_func (g_free);

  g_string_truncate (core_log, 0);
}

/* Every secret of the test: the client secret and whatever the fake issued (codes, access
 * and refresh tokens, a rotated one included), NULL-terminated. */
static GPtrArray *
dup_known_secrets (Fixture *fixture)
{
  return tts_fake_tastytrade_dup_secrets (fixture->fake, CLIENT_SECRET);
}

static void
assert_no_secret_in (const char *text,
                     Fixture    *fixture)
{
  g_autoptr(GPtrArray) secrets = dup_known_secrets (fixture);

  /* Not every token is long: make sure there are some, and that they are not empty. */
  g_assert_cmpuint (secrets->len, >=, 3);
  for (guint i = 0; i + 1 < secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (secrets, i);

      g_assert_cmpuint (strlen (secret), >, 8);
      g_assert_null (strstr (text, secret));
    }
}

/* @error is a plain TtsError @code that shows no secret. */
static void
assert_plain_error (Fixture      *fixture,
                    TtsErrorCode  code)
{
  g_autoptr(GPtrArray) secrets = dup_known_secrets (fixture);

  tts_test_assert_plain_error (fixture->error, code, (const char * const *) secrets->pdata);
}

/* A save's error is the secrets file's, which starts with the file's name in quotes, so is
 * not held to tts_test_assert_plain_error()'s shape; it shows no secret all the same. */
static void
assert_save_error (Fixture      *fixture,
                   TtsErrorCode  code)
{
  g_assert_error (fixture->error, TTS_ERROR, (int) code);
  g_test_message ("Message: %s", fixture->error->message);
  g_assert_nonnull (strstr (fixture->error->message, fixture->folder_path));
  assert_no_secret_in (fixture->error->message, fixture);
  assert_no_secret_in (tts_error_get_remedy (fixture->error), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Whatever the outcome, the core library logged no secret. */
  assert_no_secret_in (core_log->str, fixture);

  tts_test_remove_tree (fixture->folder_path);

  /* A finished run leaves nothing holding the verifier (and its copy of the token). */
  if (fixture->verifier != NULL)
    g_assert_finalize_object (g_steal_pointer (&fixture->verifier));
  g_clear_object (&fixture->cancellable);
  g_clear_pointer (&fixture->steps, g_array_unref);
  g_clear_pointer (&fixture->files_at_step, g_ptr_array_unref);
  g_clear_pointer (&fixture->accounts, g_ptr_array_unref);
  g_clear_error (&fixture->error);
  g_clear_object (&fixture->file);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->fake);
  g_clear_pointer (&fixture->refresh_token, g_free);
  g_clear_pointer (&fixture->secrets_path, g_free);
  g_clear_pointer (&fixture->folder_path, g_free);
}

/* Helpers */

static char *
read_secrets (Fixture *fixture)
{
  char *text = NULL;

  if (!g_file_get_contents (fixture->secrets_path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
write_secrets (Fixture    *fixture,
               const char *refresh_token)
{
  g_autofree char *text = g_strdup_printf ("TT_API_CLIENT_ID=%s\n"
                                           "TT_API_CLIENT_SECRET=%s\n"
                                           "TT_REFRESH_TOKEN=%s\n"
                                           OTHER_LINE,
                                           CLIENT_ID, CLIENT_SECRET, refresh_token);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents_full (fixture->secrets_path, text, -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error));
  g_assert_no_error (error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Every entry of the folder, sorted, with its type, mode and content (a link's target): two
 * equal snapshots mean nothing in it was created, deleted, replaced or changed. */
static char *
snapshot_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GString *snapshot = g_string_new (NULL);
  const char *name;

  if (dir == NULL)
    return g_string_free (snapshot, FALSE);

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);
      g_autofree char *content = NULL;
      struct stat st;

      g_assert_cmpint (g_lstat (child, &st), ==, 0);
      g_string_append_printf (snapshot, "%s %o ", (char *) g_ptr_array_index (names, i),
                              (guint) st.st_mode);
      if (S_ISLNK (st.st_mode))
        content = g_file_read_link (child, NULL);
      else if (S_ISREG (st.st_mode))
        g_assert_true (g_file_get_contents (child, &content, NULL, NULL));
      g_string_append_printf (snapshot, "[%s]\n", content != NULL ? content : "");
    }

  return g_string_free (snapshot, FALSE);
}

static guint
count_requests (Fixture    *fixture,
                const char *path)
{
  return tts_fake_tastytrade_count_requests (fixture->fake, path);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The next answer of the token endpoint carries a live access token and @refresh_token, as
 * tastytrade's would if it handed out refresh tokens on a refresh. */
static void
inject_refresh_answer (Fixture    *fixture,
                       const char *refresh_token)
{
  g_autoptr(TtsTokenClient) client = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  /* A refresh of its own, on the side, for an access token the fake knows. */
  client = tts_token_client_new (tts_fake_tastytrade_get_api_uri (fixture->fake), USER_AGENT);
  tts_token_client_refresh_async (client, CLIENT_ID, CLIENT_SECRET, fixture->refresh_token,
                                  NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  tokens = tts_token_client_refresh_finish (client, result, &error);
  g_assert_no_error (error);

  body = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                          "\"refresh_token\":\"%s\"}",
                          tokens->access_token, refresh_token);
  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json", body);
}

/* tastytrade rotates: the answer to the next refresh carries a new refresh token, itself a
 * live grant. Returns it. */
static char *
inject_rotation (Fixture *fixture)
{
  char *new_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  g_assert_cmpstr (new_token, !=, fixture->refresh_token);
  inject_refresh_answer (fixture, new_token);

  return new_token;
}

static void
step_cb (TtsVerifier *verifier,
         GParamSpec  *pspec,
         Fixture     *fixture)
{
  TtsVerifierStep step = tts_verifier_get_step (verifier);

  g_array_append_val (fixture->steps, step);
  g_ptr_array_add (fixture->files_at_step, read_secrets (fixture));

  if (step == fixture->cancel_at)
    g_cancellable_cancel (fixture->cancellable);
}

/* The steps notified, by nick: "refreshing listing saving done". */
static char *
dup_steps (Fixture *fixture)
{
  GEnumClass *klass = g_type_class_ref (TTS_TYPE_VERIFIER_STEP);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < fixture->steps->len; i++)
    {
      GEnumValue *value = g_enum_get_value (klass, g_array_index (fixture->steps,
                                                                  TtsVerifierStep, i));

      g_assert_nonnull (value);
      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, value->value_nick);
    }

  g_type_class_unref (klass);
  return g_string_free (text, FALSE);
}

#define assert_steps(fixture, expected) \
  G_STMT_START { \
    g_autofree char *steps_ = dup_steps (fixture); \
    g_assert_cmpstr (steps_, ==, expected); \
  } G_STMT_END

/* What .secrets held when "step" first said @step; fails when it never did. */
static const char *
file_at_step (Fixture         *fixture,
              TtsVerifierStep  step)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    {
      if (g_array_index (fixture->steps, TtsVerifierStep, i) == step)
        return g_ptr_array_index (fixture->files_at_step, i);
    }

  g_assert_not_reached ();
  return NULL;
}

static void
make_verifier (Fixture         *fixture,
               TtsSecretsFile  *file,
               TtsVerifierSave  save)
{
  fixture->verifier = tts_verifier_new (fixture->client, file != NULL ? file : fixture->file,
                                        save);
  g_signal_connect (fixture->verifier, "notify::step", G_CALLBACK (step_cb), fixture);

  /* Nothing said before a run. */
  g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==, TTS_VERIFIER_STEP_IDLE);
  g_assert_null (tts_verifier_get_refresh_token (fixture->verifier));
  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_false (fixture->done);
  fixture->accounts = tts_verifier_run_finish (TTS_VERIFIER (object), result, &fixture->error);
  fixture->done = TRUE;
}

static gboolean
expire_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Starts the run; with @cancel_now the cancellable is cancelled as soon as it started. */
static void
start (Fixture    *fixture,
       const char *client_id,
       const char *refresh_token,
       gboolean    cancel_now)
{
  tts_verifier_run_async (fixture->verifier, client_id, CLIENT_SECRET, refresh_token,
                          fixture->cancellable, run_cb, fixture);
  if (cancel_now)
    g_cancellable_cancel (fixture->cancellable);
}

/* Iterates the main context until the run's callback came; a guard turns a hang into a
 * failure. Returns whether the run gave accounts. */
static gboolean
wait_for_run (Fixture *fixture)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (30, expire_cb, &expired);

  while (!fixture->done && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (guard);

  /* One or the other, and the step it ended in is the last one notified. */
  g_assert_true ((fixture->accounts == NULL) != (fixture->error == NULL));
  g_assert_cmpuint (fixture->steps->len, >, 0);
  g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==,
                   g_array_index (fixture->steps, TtsVerifierStep, fixture->steps->len - 1));

  return fixture->accounts != NULL;
}

static gboolean
run (Fixture    *fixture,
     const char *client_id,
     const char *refresh_token)
{
  start (fixture, client_id, refresh_token, FALSE);
  return wait_for_run (fixture);
}

/* The fake's two accounts, as it lists them. */
static void
assert_accounts (Fixture *fixture)
{
  TtsAccount *account;

  g_assert_nonnull (fixture->accounts);
  g_assert_cmpuint (fixture->accounts->len, ==, 2);

  account = g_ptr_array_index (fixture->accounts, 0);
  g_assert_true (TTS_IS_ACCOUNT (account));
  g_assert_cmpstr (tts_account_get_number (account), ==, ACCOUNT_1);
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "owner");

  account = g_ptr_array_index (fixture->accounts, 1);
  g_assert_true (TTS_IS_ACCOUNT (account));
  g_assert_cmpstr (tts_account_get_number (account), ==, ACCOUNT_2);
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Roth");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Roth IRA");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "read-only");
}

/* .secrets holds the client and @refresh_token, readable by its owner only. */
static void
assert_saved (Fixture    *fixture,
              const char *refresh_token)
{
  g_autofree char *text = read_secrets (fixture);
  g_autoptr(TtsStoredCredentials) credentials = NULL;
  struct stat st;

  g_assert_nonnull (text);
  credentials = tts_stored_credentials_parse (text, strlen (text));
  g_assert_nonnull (credentials);
  g_assert_cmpint (credentials->key_set, ==, TTS_KEY_SET_FETCHER);
  g_assert_cmpstr (credentials->client_id, ==, CLIENT_ID);
  g_assert_cmpstr (credentials->client_secret, ==, CLIENT_SECRET);
  g_assert_cmpstr (credentials->refresh_token, ==, refresh_token);
  g_assert_false (credentials->sandbox);

  g_assert_cmpint (g_lstat (fixture->secrets_path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* Whether @text is a saved file that holds @refresh_token. */
static gboolean
holds_token (const char *text,
             const char *refresh_token)
{
  g_autoptr(TtsStoredCredentials) credentials = NULL;

  if (text == NULL)
    return FALSE;
  credentials = tts_stored_credentials_parse (text, strlen (text));
  return credentials != NULL && g_strcmp0 (credentials->refresh_token, refresh_token) == 0;
}

/* The wizard: TTS_VERIFIER_SAVE_VERIFIED */

/* Refresh, read the accounts, then, and only then, save. */
static void
test_verified_success (Fixture       *fixture,
                       gconstpointer  data)
{
  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_VERIFIED);
  g_assert_true (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_steps (fixture, "refreshing listing saving done");
  assert_accounts (fixture);
  assert_saved (fixture, fixture->refresh_token);
  /* Not a byte on disk until the accounts were read. */
  g_assert_null (file_at_step (fixture, TTS_VERIFIER_STEP_LISTING));
  g_assert_null (file_at_step (fixture, TTS_VERIFIER_STEP_SAVING));
  g_assert_true (holds_token (file_at_step (fixture, TTS_VERIFIER_STEP_DONE),
                              fixture->refresh_token));

  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, fixture->refresh_token);
  g_assert_cmpuint (count_requests (fixture, TOKEN_PATH), ==, 1);
  g_assert_cmpuint (count_requests (fixture, ACCOUNTS_PATH), ==, 1);
}

/* tastyware's names have no client ID: none is sent, none written. */
static void
test_verified_no_client_id (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autoptr(TtsStoredCredentials) credentials = NULL;
  TtsFakeRequest *request;

  tts_secrets_file_set_key_set (fixture->file, TTS_KEY_SET_TASTYWARE);
  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_VERIFIED);
  g_assert_true (run (fixture, NULL, fixture->refresh_token));

  assert_steps (fixture, "refreshing listing saving done");
  request = tts_fake_tastytrade_get_last_request (fixture->fake, TOKEN_PATH);
  g_assert_nonnull (request);
  g_assert_false (g_hash_table_contains (request->params, "client_id"));

  text = read_secrets (fixture);
  g_assert_nonnull (text);
  credentials = tts_stored_credentials_parse (text, strlen (text));
  g_assert_nonnull (credentials);
  g_assert_cmpint (credentials->key_set, ==, TTS_KEY_SET_TASTYWARE);
  g_assert_null (credentials->client_id);
  g_assert_cmpstr (credentials->refresh_token, ==, fixture->refresh_token);
  g_assert_null (strstr (text, CLIENT_ID));
}

/* tastytrade hands out a new refresh token: that one is saved, and said. */
static void
test_verified_rotation (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *new_token = inject_rotation (fixture);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_VERIFIED);
  g_assert_true (run (fixture, CLIENT_ID, fixture->refresh_token));

  /* Still after the accounts: the wizard saves only what it proved. */
  assert_steps (fixture, "refreshing listing saving done");
  g_assert_null (file_at_step (fixture, TTS_VERIFIER_STEP_SAVING));
  assert_accounts (fixture);
  assert_saved (fixture, new_token);
  g_assert_true (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, new_token);
}

/* The setup check: TTS_VERIFIER_SAVE_RENEWED */

/* Nothing new from tastytrade: nothing written, whether a file is there or not. */
static void
test_renewed_unchanged (Fixture       *fixture,
                        gconstpointer  data)
{
  gboolean with_file = GPOINTER_TO_INT (data);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (with_file)
    write_secrets (fixture, fixture->refresh_token);
  before = snapshot_folder (fixture->folder_path);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_RENEWED);
  g_assert_true (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_steps (fixture, "refreshing listing done");
  assert_accounts (fixture);
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, before);
  if (!with_file)
    g_assert_cmpstr (after, ==, "");

  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, fixture->refresh_token);
}

/* An answer that carries the very token given is no rotation. */
static void
test_renewed_same_token (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  inject_refresh_answer (fixture, fixture->refresh_token);
  write_secrets (fixture, fixture->refresh_token);
  before = snapshot_folder (fixture->folder_path);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_RENEWED);
  g_assert_true (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_steps (fixture, "refreshing listing done");
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
}

/* A new token goes into the file at once, before the accounts are read: the old one may
 * already be dead, and reading the accounts may fail. */
static void
test_renewed_rotation (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *new_token = NULL;
  g_autofree char *old_text = NULL;
  g_autofree char *backup_path = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *text = NULL;

  write_secrets (fixture, fixture->refresh_token);
  old_text = read_secrets (fixture);
  new_token = inject_rotation (fixture);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_RENEWED);
  g_assert_true (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_steps (fixture, "refreshing saving listing done");
  /* The old file while saving; the new token in it by the time the accounts are asked for. */
  g_assert_cmpstr (file_at_step (fixture, TTS_VERIFIER_STEP_SAVING), ==, old_text);
  g_assert_true (holds_token (file_at_step (fixture, TTS_VERIFIER_STEP_LISTING), new_token));

  assert_accounts (fixture);
  assert_saved (fixture, new_token);
  /* A save like any other: the user's other lines kept, the old file backed up. */
  text = read_secrets (fixture);
  g_assert_nonnull (strstr (text, OTHER_LINE));
  backup_path = g_strconcat (fixture->secrets_path, ".backup", NULL);
  g_assert_true (g_file_get_contents (backup_path, &backup, NULL, NULL));
  g_assert_cmpstr (backup, ==, old_text);

  g_assert_true (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, new_token);
  g_assert_cmpuint (count_requests (fixture, ACCOUNTS_PATH), ==, 1);
}

/* The new token is kept even when reading the accounts then fails. */
static void
test_renewed_rotation_listing_fails (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *new_token = NULL;

  write_secrets (fixture, fixture->refresh_token);
  new_token = inject_rotation (fixture);
  tts_fake_tastytrade_fail_requests (fixture->fake, ACCOUNTS_PATH, 1, 403, "application/json",
                                     "{\"error\":{\"code\":\"forbidden\","
                                     "\"message\":\"The scope does not permit this request\"}}");

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_RENEWED);
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_steps (fixture, "refreshing saving listing");
  assert_plain_error (fixture, TTS_ERROR_FORBIDDEN);
  assert_saved (fixture, new_token);
  g_assert_true (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, new_token);
}

/* Failures */

/* How tastytrade refuses a refresh token. */
typedef enum
{
  REFUSAL_REVOKED,        /* the grant deleted on the site */
  REFUSAL_INVALID_GRANT,  /* the token endpoint says invalid_grant */
} Refusal;

typedef struct
{
  TtsVerifierSave save;
  Refusal         refusal;
} RefusalCase;

static const RefusalCase refusal_cases[] = {
  { TTS_VERIFIER_SAVE_VERIFIED, REFUSAL_REVOKED },
  { TTS_VERIFIER_SAVE_VERIFIED, REFUSAL_INVALID_GRANT },
  { TTS_VERIFIER_SAVE_RENEWED, REFUSAL_REVOKED },
  { TTS_VERIFIER_SAVE_RENEWED, REFUSAL_INVALID_GRANT },
};

/* A refused refresh: the refresh's error, no accounts asked for, nothing written. */
static void
test_refresh_refused (Fixture       *fixture,
                      gconstpointer  data)
{
  const RefusalCase *refusal = data;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (refusal->save == TTS_VERIFIER_SAVE_RENEWED)
    write_secrets (fixture, fixture->refresh_token);
  before = snapshot_folder (fixture->folder_path);

  if (refusal->refusal == REFUSAL_REVOKED)
    tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  else
    tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 401, "application/json",
                                             "{\"error_code\":\"invalid_grant\","
                                             "\"error_description\":\"Grant revoked\"}");

  make_verifier (fixture, NULL, refusal->save);
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_plain_error (fixture, TTS_ERROR_INVALID_GRANT);
  assert_steps (fixture, "refreshing");
  g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==, TTS_VERIFIER_STEP_REFRESHING);
  g_assert_cmpuint (count_requests (fixture, TOKEN_PATH), ==, 1);
  g_assert_cmpuint (count_requests (fixture, ACCOUNTS_PATH), ==, 0);
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
}

/* The access token does not read the accounts: the wizard writes nothing. */
static void
test_verified_listing_fails (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *after = NULL;

  tts_fake_tastytrade_fail_requests (fixture->fake, ACCOUNTS_PATH, 1, 401, "application/json",
                                     TOKEN_INVALID_BODY);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_VERIFIED);
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_plain_error (fixture, TTS_ERROR_INVALID_GRANT);
  assert_steps (fixture, "refreshing listing");
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, "");
}

/* Cancelled */

typedef struct
{
  TtsVerifierSave save;
  /* Cancel when "step" says this; IDLE: as soon as the run started. */
  TtsVerifierStep cancel_at;
  /* The step the run then ends in. */
  TtsVerifierStep ends_in;
  const char     *steps;
} CancelCase;

static const CancelCase cancel_cases[] = {
  { TTS_VERIFIER_SAVE_VERIFIED, TTS_VERIFIER_STEP_IDLE, TTS_VERIFIER_STEP_REFRESHING,
    "refreshing" },
  { TTS_VERIFIER_SAVE_VERIFIED, TTS_VERIFIER_STEP_LISTING, TTS_VERIFIER_STEP_LISTING,
    "refreshing listing" },
  { TTS_VERIFIER_SAVE_VERIFIED, TTS_VERIFIER_STEP_SAVING, TTS_VERIFIER_STEP_SAVING,
    "refreshing listing saving" },
  { TTS_VERIFIER_SAVE_RENEWED, TTS_VERIFIER_STEP_IDLE, TTS_VERIFIER_STEP_REFRESHING,
    "refreshing" },
  { TTS_VERIFIER_SAVE_RENEWED, TTS_VERIFIER_STEP_LISTING, TTS_VERIFIER_STEP_LISTING,
    "refreshing listing" },
};

/* Cancelled: G_IO_ERROR_CANCELLED in the step it was in, nothing written. */
static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  const CancelCase *cancel = data;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (cancel->save == TTS_VERIFIER_SAVE_RENEWED)
    write_secrets (fixture, fixture->refresh_token);
  before = snapshot_folder (fixture->folder_path);

  make_verifier (fixture, NULL, cancel->save);
  fixture->cancel_at = cancel->cancel_at;
  start (fixture, CLIENT_ID, fixture->refresh_token, cancel->cancel_at == TTS_VERIFIER_STEP_IDLE);
  g_assert_false (wait_for_run (fixture));

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_no_secret_in (fixture->error->message, fixture);
  assert_steps (fixture, cancel->steps);
  g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==, cancel->ends_in);
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
}

/* Cancelled once the new token is in the file: it stays there, and is said to be. */
static void
test_renewed_rotation_cancelled_listing (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *new_token = NULL;

  write_secrets (fixture, fixture->refresh_token);
  new_token = inject_rotation (fixture);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_RENEWED);
  fixture->cancel_at = TTS_VERIFIER_STEP_LISTING;
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_steps (fixture, "refreshing saving listing");
  assert_saved (fixture, new_token);
  g_assert_true (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, new_token);
}

/* Cancelled just as the new token is about to be saved. The old one may already be dead
 * (that is why the save comes first), so the new one must still reach the file, or a
 * cancelled check leaves a setup that no longer works. */
static void
test_renewed_rotation_cancelled_saving (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *new_token = NULL;

  write_secrets (fixture, fixture->refresh_token);
  new_token = inject_rotation (fixture);

  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_RENEWED);
  fixture->cancel_at = TTS_VERIFIER_STEP_SAVING;
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, new_token);
  assert_saved (fixture, new_token);
  g_assert_true (tts_verifier_get_token_renewed (fixture->verifier));
}

/* Cancelled once the file is written, as a cancel that comes while the save is past its
 * last cancellation point (tts_secrets_file_save_async() then reports the save done): the
 * run is done, and says so, rather than report a cancel that changed nothing. "step" saying
 * DONE is the one moment a test can cancel at that point for sure. */
static void
test_verified_cancelled_after_save (Fixture       *fixture,
                                    gconstpointer  data)
{
  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_VERIFIED);
  fixture->cancel_at = TTS_VERIFIER_STEP_DONE;
  run (fixture, CLIENT_ID, fixture->refresh_token);

  assert_steps (fixture, "refreshing listing saving done");
  assert_saved (fixture, fixture->refresh_token);
  /* The file is written: the run succeeded, as the save did (and as "step" says). */
  g_assert_no_error (fixture->error);
  assert_accounts (fixture);
}

/* A failed save */

typedef enum
{
  UNSAFE_LINK,      /* .secrets is a symbolic link */
  MISSING_FOLDER,   /* the folder went away */
} SaveFault;

static void
assert_save_failed (Fixture   *fixture,
                    SaveFault  fault)
{
  assert_save_error (fixture, fault == UNSAFE_LINK ? TTS_ERROR_UNSAFE_FILE
                                                   : TTS_ERROR_WRITE_FAILED);
  g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==, TTS_VERIFIER_STEP_SAVING);
}

/* Makes the save fail as @fault says; returns the secrets file the run uses. */
static TtsSecretsFile *
break_save (Fixture   *fixture,
            SaveFault  fault)
{
  g_autoptr(GFile) missing = NULL;
  g_autofree char *missing_path = NULL;

  if (fault == UNSAFE_LINK)
    {
      /* Root writes through any permission; a link is refused whoever runs the test. Its
       * target is in the folder, so that the snapshots see it stay untouched. */
      g_autofree char *target = g_build_filename (fixture->folder_path, "elsewhere", NULL);

      g_assert_true (g_file_set_contents (target, "untouched\n", -1, NULL));
      g_assert_cmpint (symlink (target, fixture->secrets_path), ==, 0);
      return g_object_ref (fixture->file);
    }

  missing_path = g_build_filename (fixture->folder_path, "gone", NULL);
  missing = g_file_new_for_path (missing_path);
  return tts_secrets_file_new (missing);
}

static void
test_verified_save_fails (Fixture       *fixture,
                          gconstpointer  data)
{
  SaveFault fault = GPOINTER_TO_INT (data);
  g_autoptr(TtsSecretsFile) file = break_save (fixture, fault);
  g_autofree char *before = snapshot_folder (fixture->folder_path);
  g_autofree char *after = NULL;

  make_verifier (fixture, file, TTS_VERIFIER_SAVE_VERIFIED);
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_save_failed (fixture, fault);
  assert_steps (fixture, "refreshing listing saving");
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
}

/* A new token that cannot be saved: the run stops there, before the accounts. */
static void
test_renewed_save_fails (Fixture       *fixture,
                         gconstpointer  data)
{
  SaveFault fault = GPOINTER_TO_INT (data);
  g_autoptr(TtsSecretsFile) file = break_save (fixture, fault);
  g_autofree char *new_token = inject_rotation (fixture);
  g_autofree char *before = snapshot_folder (fixture->folder_path);
  g_autofree char *after = NULL;

  make_verifier (fixture, file, TTS_VERIFIER_SAVE_RENEWED);
  g_assert_false (run (fixture, CLIENT_ID, fixture->refresh_token));

  assert_save_failed (fixture, fault);
  assert_steps (fixture, "refreshing saving");
  g_assert_cmpuint (count_requests (fixture, ACCOUNTS_PATH), ==, 0);
  after = snapshot_folder (fixture->folder_path);
  g_assert_cmpstr (after, ==, before);
  /* Renewed, but not in the file: not said to be. */
  g_assert_false (tts_verifier_get_token_renewed (fixture->verifier));
  g_assert_cmpstr (tts_verifier_get_refresh_token (fixture->verifier), ==, new_token);
}

/* Secrets */

/* One failure after another, with a renewed token out and a regenerated client secret: no
 * secret in any error message, nor (see fixture_tear_down()) in the core library's log. */
static void
test_no_secret_in_errors (Fixture       *fixture,
                          gconstpointer  data)
{
  static const struct
  {
    TtsVerifierSave save;
    TtsVerifierStep ends_in;
    TtsErrorCode    code;
  } runs[] = {
    /* A new token, saved, then an access token the accounts call refuses. */
    { TTS_VERIFIER_SAVE_RENEWED, TTS_VERIFIER_STEP_LISTING, TTS_ERROR_INVALID_GRANT },
    /* The wizard saving to a link. */
    { TTS_VERIFIER_SAVE_VERIFIED, TTS_VERIFIER_STEP_SAVING, TTS_ERROR_UNSAFE_FILE },
    /* The grant deleted on the site. */
    { TTS_VERIFIER_SAVE_RENEWED, TTS_VERIFIER_STEP_REFRESHING, TTS_ERROR_INVALID_GRANT },
    /* The secret regenerated on the site, the old one given. */
    { TTS_VERIFIER_SAVE_VERIFIED, TTS_VERIFIER_STEP_REFRESHING, TTS_ERROR_INVALID_CLIENT },
  };
  g_autofree char *new_token = NULL;
  g_autofree char *last_grant = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      const char *token = fixture->refresh_token;

      g_clear_object (&fixture->verifier);
      g_clear_error (&fixture->error);
      g_clear_pointer (&fixture->accounts, g_ptr_array_unref);
      g_array_set_size (fixture->steps, 0);
      g_ptr_array_set_size (fixture->files_at_step, 0);
      fixture->done = FALSE;

      switch (i)
        {
        case 0:
          new_token = inject_rotation (fixture);
          tts_fake_tastytrade_fail_requests (fixture->fake, ACCOUNTS_PATH, 1, 401,
                                             "application/json", TOKEN_INVALID_BODY);
          break;
        case 1:
          {
            g_autofree char *target = g_build_filename (fixture->folder_path, "elsewhere", NULL);

            g_assert_true (g_file_set_contents (target, "untouched\n", -1, NULL));
            g_assert_cmpint (g_unlink (fixture->secrets_path), ==, 0);
            g_assert_cmpint (symlink (target, fixture->secrets_path), ==, 0);
            token = new_token;
          }
          break;
        case 2:
          tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
          token = new_token;
          break;
        case 3:
          /* A new secret kills the grants; a grant made since is live, with it only. */
          tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, "regenerated-secret-1b2c3d",
                                          REDIRECT_URI);
          last_grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
          token = last_grant;
          break;
        default:
          g_assert_not_reached ();
        }

      make_verifier (fixture, NULL, runs[i].save);
      g_assert_false (run (fixture, CLIENT_ID, token));
      g_test_message ("Run %u: %s", i, fixture->error->message);
      if (runs[i].ends_in == TTS_VERIFIER_STEP_SAVING)
        assert_save_error (fixture, runs[i].code);
      else
        assert_plain_error (fixture, runs[i].code);
      g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==, runs[i].ends_in);
    }

  /* The log was caught at all: the look for secrets in it is not empty-handed. */
  g_assert_cmpuint (core_log->len, >, 0);
}

/* A verifier runs once. */
static void
test_runs_once (Fixture       *fixture,
                gconstpointer  data)
{
  make_verifier (fixture, NULL, TTS_VERIFIER_SAVE_VERIFIED);
  g_assert_true (run (fixture, CLIENT_ID, fixture->refresh_token));

  g_test_expect_message ("tts-core", G_LOG_LEVEL_CRITICAL, "*STEP_IDLE*");
  tts_verifier_run_async (fixture->verifier, CLIENT_ID, CLIENT_SECRET, fixture->refresh_token,
                          NULL, run_cb, fixture);
  g_test_assert_expected_messages ();
  g_assert_cmpint (tts_verifier_get_step (fixture->verifier), ==, TTS_VERIFIER_STEP_DONE);
  g_assert_cmpuint (count_requests (fixture, TOKEN_PATH), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  static const char * const save_names[] = { "verified", "renewed" };
  static const char * const refusal_names[] = { "revoked", "invalid-grant" };
  static const char * const step_names[] = { "at-once", "refreshing", "listing", "saving",
                                             "done" };

  int status;

  /* Newer GLib drops debug messages before any writer unless their domain is asked for;
   * set before anything logs or starts a thread. */
  g_setenv ("G_MESSAGES_DEBUG", "tts-core", TRUE);
  g_test_init (&argc, &argv, NULL);
  core_log = g_string_new (NULL);
  g_log_set_handler ("tts-core", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     core_log_handler, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/verifier/verified/success", test_verified_success, NULL);
  ADD ("/verifier/verified/no-client-id", test_verified_no_client_id, NULL);
  ADD ("/verifier/verified/rotation", test_verified_rotation, NULL);
  ADD ("/verifier/verified/listing-fails", test_verified_listing_fails, NULL);
  ADD ("/verifier/verified/cancelled-after-save", test_verified_cancelled_after_save, NULL);
  ADD ("/verifier/verified/save-fails/link", test_verified_save_fails,
       GINT_TO_POINTER (UNSAFE_LINK));
  ADD ("/verifier/verified/save-fails/no-folder", test_verified_save_fails,
       GINT_TO_POINTER (MISSING_FOLDER));

  ADD ("/verifier/renewed/unchanged/no-file", test_renewed_unchanged, GINT_TO_POINTER (FALSE));
  ADD ("/verifier/renewed/unchanged/file", test_renewed_unchanged, GINT_TO_POINTER (TRUE));
  ADD ("/verifier/renewed/same-token", test_renewed_same_token, NULL);
  ADD ("/verifier/renewed/rotation", test_renewed_rotation, NULL);
  ADD ("/verifier/renewed/rotation-listing-fails", test_renewed_rotation_listing_fails, NULL);
  ADD ("/verifier/renewed/rotation-cancelled-listing", test_renewed_rotation_cancelled_listing,
       NULL);
  ADD ("/verifier/renewed/rotation-cancelled-saving", test_renewed_rotation_cancelled_saving,
       NULL);
  ADD ("/verifier/renewed/save-fails/link", test_renewed_save_fails,
       GINT_TO_POINTER (UNSAFE_LINK));
  ADD ("/verifier/renewed/save-fails/no-folder", test_renewed_save_fails,
       GINT_TO_POINTER (MISSING_FOLDER));

  for (gsize i = 0; i < G_N_ELEMENTS (refusal_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/verifier/%s/refresh-refused/%s",
                                               save_names[refusal_cases[i].save],
                                               refusal_names[refusal_cases[i].refusal]);

      ADD (path, test_refresh_refused, &refusal_cases[i]);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (cancel_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/verifier/%s/cancelled/%s",
                                               save_names[cancel_cases[i].save],
                                               step_names[cancel_cases[i].cancel_at]);

      ADD (path, test_cancelled, &cancel_cases[i]);
    }

  ADD ("/verifier/no-secret-in-errors", test_no_secret_in_errors, NULL);
  ADD ("/verifier/runs-once", test_runs_once, NULL);

#undef ADD

  status = g_test_run ();
  g_string_free (core_log, TRUE);
  return status;
}

/* test-secrets-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-secrets-file.h"

#define CLIENT_ID     "3fa85f64-5717-4562-b3fc-2c963f66afa6"
#define CLIENT_SECRET "s3cr3t with space & #hash"
#define REFRESH_TOKEN "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl-_"

#define NEW_FILE_CONTENT \
  "# Tastytrade OAuth credentials, written by Tastytrade API Setup\n" \
  "# DO NOT COMMIT THIS FILE TO VERSION CONTROL\n" \
  "# Keep this file secure and private\n" \
  "\n" \
  "TT_API_CLIENT_ID=" CLIENT_ID "\n" \
  "TT_API_CLIENT_SECRET='" CLIENT_SECRET "'\n" \
  "TT_REFRESH_TOKEN=" REFRESH_TOKEN "\n"

/* ---- helpers ---- */

typedef struct
{
  char *dir;
} Fixture;

static void
remove_tree (const char *path)
{
  struct stat st;

  if (g_lstat (path, &st) != 0)
    return;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("tts-secrets-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static char *
child_path (Fixture    *fixture,
            const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

static void
write_child (Fixture    *fixture,
             const char *name,
             const char *contents,
             mode_t      mode)
{
  g_autofree char *path = child_path (fixture, name);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static char *
read_child (Fixture    *fixture,
            const char *name)
{
  g_autofree char *path = child_path (fixture, name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);

  return contents;
}

static mode_t
child_mode (Fixture    *fixture,
            const char *name)
{
  g_autofree char *path = child_path (fixture, name);
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));

  return st.st_mode & 07777;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The folder's entries, sorted, comma-separated: shows any temporary file left behind. */
static char *
list_dir (Fixture *fixture)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **) names->pdata);
}

static TtsSecretsFile *
secrets_file_for (const char *dir)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);

  return tts_secrets_file_new (folder);
}

/* Returns whether the save kept a backup. */
static gboolean
save_ok (const char *dir)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (dir);
  g_autoptr(GError) error = NULL;

  g_assert_false (tts_secrets_file_get_backup_made (file));
  g_assert_true (tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, NULL, &error));
  g_assert_no_error (error);

  return tts_secrets_file_get_backup_made (file);
}

static void
save_fails (Fixture *fixture,
            GQuark   domain,
            int      code)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;

  g_assert_false (tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, NULL, &error));
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  /* Secrets never appear in messages. */
  g_assert_null (strstr (error->message, CLIENT_SECRET));
  g_assert_null (strstr (error->message, REFRESH_TOKEN));
}

static gboolean
run_git (const char *dir,
         const char *arg)
{
  g_autofree char *git = g_find_program_in_path ("git");
  const char *argv[] = { NULL, "-C", dir, arg, "-q", NULL };
  int status = -1;

  if (git == NULL)
    return FALSE;

  argv[0] = git;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  return TRUE;
}

/* `git init` when git is installed, else a bare .git folder as the fallback sees it. */
static void
make_work_tree (const char *dir)
{
  if (!run_git (dir, "init"))
    {
      g_autofree char *dot_git = g_build_filename (dir, ".git", NULL);

      g_assert_cmpint (g_mkdir (dot_git, 0700), ==, 0);
    }
}

/* ---- new files ---- */

static void
check_new_file_with_umask (Fixture *fixture,
                           mode_t   mask)
{
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  mode_t old_mask;

  old_mask = umask (mask);
  /* Nothing to back up in an empty folder. */
  g_assert_false (save_ok (fixture->dir));
  umask (old_mask);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, NEW_FILE_CONTENT);
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
}

static void
test_new_umask_022 (Fixture       *fixture,
                    gconstpointer  data)
{
  check_new_file_with_umask (fixture, 022);
}

static void
test_new_umask_000 (Fixture       *fixture,
                    gconstpointer  data)
{
  check_new_file_with_umask (fixture, 000);
}

static void
test_new_umask_277 (Fixture       *fixture,
                    gconstpointer  data)
{
  /* A umask that would even take our own write bit away. */
  check_new_file_with_umask (fixture, 0277);
}

static void
test_accessors (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autofree char *path = child_path (fixture, ".secrets");
  g_autofree char *backup_path = child_path (fixture, ".secrets.backup");
  g_autofree char *file_path = g_file_get_path (tts_secrets_file_get_file (file));
  g_autofree char *got_backup_path = g_file_get_path (tts_secrets_file_get_backup_file (file));
  g_autofree char *folder_path = g_file_get_path (tts_secrets_file_get_folder (file));

  g_assert_cmpstr (file_path, ==, path);
  g_assert_cmpstr (got_backup_path, ==, backup_path);
  g_assert_cmpstr (folder_path, ==, fixture->dir);
}

/* ---- an existing file ---- */

static void
test_existing_file (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *old = "# my notes\r\nOTHER=keep me\r\n\r\nTT_REFRESH_TOKEN=old-token\r\n";
  g_autofree char *contents = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *listing = NULL;

  write_child (fixture, ".secrets", old, 0644);
  write_child (fixture, ".secrets.backup", "an older backup\n", 0644);

  g_assert_true (save_ok (fixture->dir));

  backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (backup, ==, old);
  g_assert_cmpuint (child_mode (fixture, ".secrets.backup"), ==, 0600);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==,
                   "# my notes\r\nOTHER=keep me\r\n\r\nTT_REFRESH_TOKEN=" REFRESH_TOKEN "\r\n"
                   "TT_API_CLIENT_ID=" CLIENT_ID "\r\n"
                   "TT_API_CLIENT_SECRET='" CLIENT_SECRET "'\r\n");
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");
}

static void
test_empty_existing_file (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *contents = NULL;
  g_autofree char *backup = NULL;

  write_child (fixture, ".secrets", "", 0600);
  save_ok (fixture->dir);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, NEW_FILE_CONTENT);
  backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (backup, ==, "");
}

/* ---- refusals ---- */

static void
test_symlink_refused (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = child_path (fixture, ".secrets");
  g_autofree char *target = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *link = NULL;

  write_child (fixture, "elsewhere", "precious\n", 0644);
  g_assert_cmpint (symlink ("elsewhere", path), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  target = read_child (fixture, "elsewhere");
  g_assert_cmpstr (target, ==, "precious\n");
  link = g_file_read_link (path, NULL);
  g_assert_cmpstr (link, ==, "elsewhere");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,elsewhere");
}

static void
test_dangling_symlink_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *path = child_path (fixture, ".secrets");
  g_autofree char *listing = NULL;

  g_assert_cmpint (symlink ("not-yet", path), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
}

static void
test_directory_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *path = child_path (fixture, ".secrets");
  g_autofree char *listing = NULL;

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
}

static void
test_backup_symlink_refused (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *backup_path = child_path (fixture, ".secrets.backup");
  g_autofree char *contents = NULL;
  g_autofree char *target = NULL;
  g_autofree char *listing = NULL;

  write_child (fixture, ".secrets", "TT_REFRESH_TOKEN=old\n", 0600);
  write_child (fixture, "elsewhere", "precious\n", 0644);
  g_assert_cmpint (symlink ("elsewhere", backup_path), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "TT_REFRESH_TOKEN=old\n");
  target = read_child (fixture, "elsewhere");
  g_assert_cmpstr (target, ==, "precious\n");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup,elsewhere");
}

static void
test_backup_directory_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *backup_path = child_path (fixture, ".secrets.backup");
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;

  write_child (fixture, ".secrets", "TT_REFRESH_TOKEN=old\n", 0600);
  g_assert_cmpint (g_mkdir (backup_path, 0700), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "TT_REFRESH_TOKEN=old\n");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");
}

static void
test_foreign_owner_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = child_path (fixture, ".secrets");
  g_autofree char *contents = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("Giving a file to another user needs root");
      return;
    }

  write_child (fixture, ".secrets", "TT_REFRESH_TOKEN=theirs\n", 0600);
  g_assert_cmpint (chown (path, 65534, 65534), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "TT_REFRESH_TOKEN=theirs\n");
}

static void
test_invalid_value (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  g_assert_false (tts_secrets_file_save (file, CLIENT_ID, "two\nlines", REFRESH_TOKEN, NULL, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, "");
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
                                         cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, "");
}

/* ---- failures while writing ---- */

static void
test_read_only_folder (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("Folder permissions do not bind root; /secrets-file/write-fails covers "
                   "a failed write");
      return;
    }

  write_child (fixture, ".secrets", "TT_REFRESH_TOKEN=old\n", 0600);
  g_assert_cmpint (g_chmod (fixture->dir, 0500), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_WRITE_FAILED);

  g_assert_cmpint (g_chmod (fixture->dir, 0700), ==, 0);
  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "TT_REFRESH_TOKEN=old\n");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
}

/* A file size limit makes write() fail halfway, for root too. */
static void
test_write_fails (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *path = child_path (fixture, ".secrets");
  struct rlimit old_limit, limit;
  void (*old_handler) (int);
  gboolean saved;

  write_child (fixture, ".secrets", "OTHER=1\n", 0600);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  limit = old_limit;
  limit.rlim_cur = 64;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  saved = tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, NULL, &error);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  signal (SIGXFSZ, old_handler);

  g_assert_false (saved);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "OTHER=1\n");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
}

/* ---- .gitignore ---- */

static void
test_gitignore_added_once (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *gitignore = NULL;
  g_autofree char *again = NULL;

  make_work_tree (fixture->dir);

  save_ok (fixture->dir);
  gitignore = read_child (fixture, ".gitignore");
  g_assert_cmpstr (gitignore, ==, ".secrets\n.secrets.backup\n");

  save_ok (fixture->dir);
  again = read_child (fixture, ".gitignore");
  g_assert_cmpstr (again, ==, ".secrets\n.secrets.backup\n");
}

static void
test_gitignore_kept (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *gitignore = NULL;

  make_work_tree (fixture->dir);
  write_child (fixture, ".gitignore", "build/\n/.secrets\n*.log", 0644);

  save_ok (fixture->dir);

  gitignore = read_child (fixture, ".gitignore");
  g_assert_cmpstr (gitignore, ==, "build/\n/.secrets\n*.log\n.secrets.backup\n");
}

static void
test_gitignore_subfolder (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *sub = child_path (fixture, "sub");
  g_autofree char *gitignore_path = g_build_filename (sub, ".gitignore", NULL);
  g_autofree char *top_gitignore_path = child_path (fixture, ".gitignore");
  g_autofree char *gitignore = NULL;

  make_work_tree (fixture->dir);
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);

  save_ok (sub);

  g_assert_true (g_file_get_contents (gitignore_path, &gitignore, NULL, NULL));
  g_assert_cmpstr (gitignore, ==, ".secrets\n.secrets.backup\n");
  g_assert_false (g_file_test (top_gitignore_path, G_FILE_TEST_EXISTS));
}

static void
test_gitignore_not_a_repository (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *listing = NULL;
  g_autofree char *dir = g_strdup (fixture->dir);

  /* Only meaningful when nothing above the temporary folder is a work tree. */
  for (;;)
    {
      g_autofree char *dot_git = g_build_filename (dir, ".git", NULL);
      g_autofree char *parent = g_path_get_dirname (dir);

      if (g_file_test (dot_git, G_FILE_TEST_EXISTS))
        {
          g_test_skip ("The temporary folder is inside a git work tree");
          return;
        }
      if (strcmp (parent, dir) == 0)
        break;
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }

  save_ok (fixture->dir);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
}

/* ---- async ---- */

typedef struct
{
  gboolean  done;
  gboolean  saved;
  GError   *error;
} AsyncResult;

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncResult *state = user_data;

  state->saved = tts_secrets_file_save_finish (TTS_SECRETS_FILE (object), result, &state->error);
  state->done = TRUE;
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autofree char *contents = NULL;
  g_autofree char *secret = g_strdup (CLIENT_SECRET);
  g_autofree char *token = g_strdup (REFRESH_TOKEN);
  AsyncResult state = { 0 };

  tts_secrets_file_save_async (file, CLIENT_ID, secret, token, NULL, save_cb, &state);
  /* The task keeps its own copies: the caller may wipe its strings at once. */
  memset (secret, 'x', strlen (secret));
  memset (token, 'x', strlen (token));

  while (!state.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (state.error);
  g_assert_true (state.saved);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, NEW_FILE_CONTENT);
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);
}

static void
add_test (const char *path,
          void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_test ("/secrets-file/new/umask-022", test_new_umask_022);
  add_test ("/secrets-file/new/umask-000", test_new_umask_000);
  add_test ("/secrets-file/new/umask-277", test_new_umask_277);
  add_test ("/secrets-file/accessors", test_accessors);
  add_test ("/secrets-file/existing", test_existing_file);
  add_test ("/secrets-file/existing-empty", test_empty_existing_file);
  add_test ("/secrets-file/refuse/symlink", test_symlink_refused);
  add_test ("/secrets-file/refuse/dangling-symlink", test_dangling_symlink_refused);
  add_test ("/secrets-file/refuse/directory", test_directory_refused);
  add_test ("/secrets-file/refuse/backup-symlink", test_backup_symlink_refused);
  add_test ("/secrets-file/refuse/backup-directory", test_backup_directory_refused);
  add_test ("/secrets-file/refuse/foreign-owner", test_foreign_owner_refused);
  add_test ("/secrets-file/refuse/invalid-value", test_invalid_value);
  add_test ("/secrets-file/cancelled", test_cancelled);
  add_test ("/secrets-file/read-only-folder", test_read_only_folder);
  add_test ("/secrets-file/write-fails", test_write_fails);
  add_test ("/secrets-file/gitignore/added-once", test_gitignore_added_once);
  add_test ("/secrets-file/gitignore/kept", test_gitignore_kept);
  add_test ("/secrets-file/gitignore/subfolder", test_gitignore_subfolder);
  add_test ("/secrets-file/gitignore/not-a-repository", test_gitignore_not_a_repository);
  add_test ("/secrets-file/async", test_async);

  return g_test_run ();
}

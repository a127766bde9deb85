/* test-secrets-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-key-set.h"
#include "tts-secrets-file.h"
#include "tts-secrets-file-private.h"
#include "tts-test-files.h"
#include "tts-test-python-dotenv.h"

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

/* The user and group nobody, for files that belong to someone else. */
#define NOBODY 65534

/* ---- helpers ---- */

typedef TtsTestFolder Fixture;

static char *
child_path (Fixture    *fixture,
            const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

static void
write_at (const char *dir,
          const char *name,
          const char *contents,
          mode_t      mode)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static char *
read_at (const char *dir,
         const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);

  return contents;
}

static mode_t
mode_at (const char *dir,
         const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));

  return st.st_mode & 07777;
}

static void
write_child (Fixture    *fixture,
             const char *name,
             const char *contents,
             mode_t      mode)
{
  write_at (fixture->dir, name, contents, mode);
}

static char *
read_child (Fixture    *fixture,
            const char *name)
{
  return read_at (fixture->dir, name);
}

static mode_t
child_mode (Fixture    *fixture,
            const char *name)
{
  return mode_at (fixture->dir, name);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The folder's entries, sorted, comma-separated: shows any temporary file left behind. */
static char *
list_dir_at (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (",", (char **) names->pdata);
}

static char *
list_dir (Fixture *fixture)
{
  return list_dir_at (fixture->dir);
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

/* The usual values, through @file. */
static gboolean
save_values (TtsSecretsFile  *file,
             GError         **error)
{
  return tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, NULL, error);
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
  g_autofree char *listing = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("Giving a file to another user needs root");
      return;
    }

  write_child (fixture, ".secrets", "TT_REFRESH_TOKEN=theirs\n", 0600);
  g_assert_cmpint (chown (path, NOBODY, NOBODY), ==, 0);

  save_fails (fixture, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "TT_REFRESH_TOKEN=theirs\n");
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");
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

/* Whether every folder above @path lets other users through. */
static gboolean
reachable_by_others (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  for (;;)
    {
      g_autofree char *parent = g_path_get_dirname (dir);
      struct stat st;

      if (g_stat (dir, &st) != 0 || !(st.st_mode & S_IXOTH))
        return FALSE;
      if (strcmp (parent, dir) == 0)
        return TRUE;
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }
}

/* The real thing, also where CI runs as root: folder permissions do not bind root, so a
 * subprocess does the test as nobody (effective IDs only: it becomes root again to clean up).
 * /secrets-file/fault/create-temp/EACCES and EROFS inject the same failures. */
static void
test_read_only_folder (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  gboolean as_root = geteuid () == 0;

  if (as_root && !g_test_subprocess ())
    {
      if (!reachable_by_others (fixture->dir))
        {
          g_test_skip ("The temporary folder is out of reach of other users");
          return;
        }
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  if (as_root)
    {
      g_assert_cmpint (chown (fixture->dir, NOBODY, NOBODY), ==, 0);
      g_assert_cmpint (setegid (NOBODY), ==, 0);
      g_assert_cmpint (seteuid (NOBODY), ==, 0);
    }

  write_child (fixture, ".secrets", "TT_REFRESH_TOKEN=old\n", 0600);
  g_assert_cmpint (g_chmod (fixture->dir, 0500), ==, 0);

  {
    g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = NULL;

    expected = g_strdup_printf ("You are not allowed to save files in the folder “%s”. Choose "
                                "another folder, or change its permissions.",
                                fixture->dir);
    g_assert_false (tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, NULL,
                                           &error));
    g_assert_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED);
    g_assert_cmpstr (error->message, ==, expected);
  }

  g_assert_cmpint (g_chmod (fixture->dir, 0700), ==, 0);
  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, "TT_REFRESH_TOKEN=old\n");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets");

  if (as_root)
    {
      g_assert_cmpint (seteuid (0), ==, 0);
      g_assert_cmpint (setegid (0), ==, 0);
    }
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

/* A repository's own configuration runs commands in git (core.fsmonitor, hooks, filters,
 * pagers, aliases): a folder from an unpacked archive or a cloned project is enough. Saving
 * runs none of them, and still keeps .gitignore right, with patterns and negations. */
static void
test_gitignore_hostile_config (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *marker = child_path (fixture, "ran");
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *hooks = child_path (fixture, "hooks");
  g_autofree char *hook = g_build_filename (hooks, "post-index-change", NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\ntouch '%s'\n", marker);
  g_autofree char *gitignore = NULL;

  make_work_tree (fixture->dir);
  config_path = g_build_filename (fixture->dir, ".git", "config", NULL);
  config = g_strdup_printf ("[core]\n\tfsmonitor = touch '%s'; false\n\thooksPath = %s\n"
                            "\tpager = touch '%s'\n[alias]\n\tcheck-ignore = !touch '%s'\n"
                            "[filter \"x\"]\n\tclean = touch '%s'\n",
                            marker, hooks, marker, marker, marker);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));
  g_assert_cmpint (g_mkdir (hooks, 0700), ==, 0);
  g_assert_true (g_file_set_contents (hook, script, -1, NULL));
  g_assert_cmpint (g_chmod (hook, 0700), ==, 0);
  write_child (fixture, ".gitattributes", "* filter=x\n", 0644);
  /* .secrets* is ignored by a pattern, then the backup taken back by a negation. */
  write_child (fixture, ".gitignore", "# mine\n.secret*\n!.secrets.backup\nbuild/\n", 0644);

  save_ok (fixture->dir);
  save_ok (fixture->dir);

  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  gitignore = read_child (fixture, ".gitignore");
  g_assert_cmpstr (gitignore, ==, "# mine\n.secret*\n!.secrets.backup\nbuild/\n.secrets.backup\n");
}

/* A .gitignore that is a link is never written through, so .secrets is not ignored there:
 * the user is told (a link to a file elsewhere, a dangling one, a folder). */
static void
test_gitignore_not_updated_told (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *elsewhere = g_build_filename (g_get_tmp_dir (), "tts-test-elsewhere-XXXXXX", NULL);
  g_autofree char *target = NULL;
  g_autofree char *gitignore_path = child_path (fixture, ".gitignore");
  g_autofree char *kept = NULL;

  make_work_tree (fixture->dir);

  /* A plain repository: ignored, nothing to tell. */
  {
    g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);

    g_assert_true (save_values (file, NULL));
    g_assert_false (tts_secrets_file_get_git_may_add (file));
  }
  g_assert_cmpint (g_unlink (gitignore_path), ==, 0);

  g_assert_nonnull (g_mkdtemp (elsewhere));
  target = g_build_filename (elsewhere, "shared-ignore", NULL);
  g_assert_true (g_file_set_contents (target, "build/\n", -1, NULL));
  g_assert_cmpint (symlink (target, gitignore_path), ==, 0);
  {
    g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);

    g_assert_true (save_values (file, NULL));
    g_assert_true (tts_secrets_file_get_git_may_add (file));
  }
  g_assert_true (g_file_get_contents (target, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "build/\n");

  /* Already ignored through the link: still said, as it is not read either. */
  g_assert_cmpint (g_unlink (gitignore_path), ==, 0);
  g_assert_cmpint (g_mkdir (gitignore_path, 0700), ==, 0);
  {
    g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);

    g_assert_true (save_values (file, NULL));
    g_assert_true (tts_secrets_file_get_git_may_add (file));
  }
  g_assert_cmpint (g_rmdir (gitignore_path), ==, 0);
  g_assert_cmpint (g_unlink (target), ==, 0);
  g_assert_cmpint (g_rmdir (elsewhere), ==, 0);
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

/* ---- faults injected into each system call of a save ---- */

#define OLD_SECRETS  "# mine\nOTHER=1\nTT_REFRESH_TOKEN=old-token\n"
#define OLDER_BACKUP "TT_REFRESH_TOKEN=older-token\n"
#define MERGED_SECRETS \
  "# mine\nOTHER=1\nTT_REFRESH_TOKEN=" REFRESH_TOKEN "\n" \
  "TT_API_CLIENT_ID=" CLIENT_ID "\n" \
  "TT_API_CLIENT_SECRET='" CLIENT_SECRET "'\n"

/* What the user reads: {folder}, {file} and {reason} are filled in by expected_message (). */
#define MSG_DISK_FULL    "The disk is full, so “{file}” could not be saved."
#define MSG_READ_ONLY    "The folder “{folder}” is on a disk that cannot be written to. " \
                         "Choose another folder."
#define MSG_NOT_ALLOWED  "You are not allowed to save files in the folder “{folder}”. " \
                         "Choose another folder, or change its permissions."
#define MSG_DISK_ERROR   "The disk reported an error while “{file}” was being saved."
#define MSG_OTHER        "“{file}” could not be saved: {reason}."

static const char * const step_names[] = {
  "open-folder",
  "create-temp",
  "chmod-temp",
  "write-temp",
  "fsync-temp",
  "close-temp",
  "create-backup-temp",
  "chmod-backup-temp",
  "write-backup-temp",
  "fsync-backup-temp",
  "close-backup-temp",
  "rename-backup",
  "rename",
  "fsync-folder",
};
G_STATIC_ASSERT (G_N_ELEMENTS (step_names) == TTS_SECRETS_FILE_N_STEPS);

typedef struct
{
  TtsSecretsFileStep  step;
  int                 errnum;
  const char         *errname;
  const char         *message;
} FaultCase;

static const FaultCase fault_cases[] = {
  { TTS_SECRETS_FILE_STEP_OPEN_FOLDER, EACCES, "EACCES", MSG_NOT_ALLOWED },
  { TTS_SECRETS_FILE_STEP_OPEN_FOLDER, EIO, "EIO", MSG_DISK_ERROR },
  /* A read-only folder, as root sees it only through a read-only mount or these faults. */
  { TTS_SECRETS_FILE_STEP_CREATE_TEMP, EACCES, "EACCES", MSG_NOT_ALLOWED },
  { TTS_SECRETS_FILE_STEP_CREATE_TEMP, EROFS, "EROFS", MSG_READ_ONLY },
  { TTS_SECRETS_FILE_STEP_CREATE_TEMP, ENOSPC, "ENOSPC", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_CREATE_TEMP, EDQUOT, "EDQUOT", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_CHMOD_TEMP, EPERM, "EPERM", MSG_NOT_ALLOWED },
  { TTS_SECRETS_FILE_STEP_WRITE_TEMP, ENOSPC, "ENOSPC", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_WRITE_TEMP, EDQUOT, "EDQUOT", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_WRITE_TEMP, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_FSYNC_TEMP, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_FSYNC_TEMP, ENOSPC, "ENOSPC", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_CLOSE_TEMP, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_CREATE_BACKUP_TEMP, ENOSPC, "ENOSPC", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_CHMOD_BACKUP_TEMP, EPERM, "EPERM", MSG_NOT_ALLOWED },
  { TTS_SECRETS_FILE_STEP_WRITE_BACKUP_TEMP, ENOSPC, "ENOSPC", MSG_DISK_FULL },
  { TTS_SECRETS_FILE_STEP_FSYNC_BACKUP_TEMP, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_CLOSE_BACKUP_TEMP, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_RENAME_BACKUP, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_RENAME_BACKUP, EACCES, "EACCES", MSG_NOT_ALLOWED },
  { TTS_SECRETS_FILE_STEP_RENAME_BACKUP, EXDEV, "EXDEV", MSG_OTHER },
  { TTS_SECRETS_FILE_STEP_RENAME, EXDEV, "EXDEV", MSG_OTHER },
  { TTS_SECRETS_FILE_STEP_RENAME, EIO, "EIO", MSG_DISK_ERROR },
  { TTS_SECRETS_FILE_STEP_RENAME, EACCES, "EACCES", MSG_NOT_ALLOWED },
  { TTS_SECRETS_FILE_STEP_RENAME, ENOSPC, "ENOSPC", MSG_DISK_FULL },
};

static gboolean
is_backup_step (TtsSecretsFileStep step)
{
  return step >= TTS_SECRETS_FILE_STEP_CREATE_BACKUP_TEMP
         && step <= TTS_SECRETS_FILE_STEP_RENAME_BACKUP;
}

static char *
expected_message (const FaultCase *fault,
                  const char      *dir)
{
  g_autoptr(GString) message = g_string_new (fault->message);
  g_autofree char *file = g_build_filename (dir, is_backup_step (fault->step)
                                                 ? ".secrets.backup" : ".secrets", NULL);

  g_string_replace (message, "{folder}", dir, 0);
  g_string_replace (message, "{file}", file, 0);
  g_string_replace (message, "{reason}", g_strerror (fault->errnum), 0);

  return g_string_free (g_steal_pointer (&message), FALSE);
}

static void
assert_fault_error (const FaultCase *fault,
                    const char      *dir,
                    const GError    *error)
{
  g_autofree char *expected = expected_message (fault, dir);

  g_assert_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (strstr (error->message, CLIENT_SECRET));
  g_assert_null (strstr (error->message, REFRESH_TOKEN));
}

static void
make_folder (const char *path)
{
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
}

static void
test_fault (Fixture       *fixture,
            gconstpointer  data)
{
  const FaultCase *fault = data;
  g_autofree char *dir = child_path (fixture, "existing");
  g_autofree char *empty_dir = child_path (fixture, "empty");
  g_autoptr(TtsSecretsFile) file = NULL;
  g_autoptr(TtsSecretsFile) new_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *retried = NULL;
  g_autofree char *retried_backup = NULL;
  g_autofree char *retried_listing = NULL;
  g_autofree char *empty_listing = NULL;

  /* A folder with a .secrets and an older backup. */
  make_folder (dir);
  write_at (dir, ".secrets", OLD_SECRETS, 0600);
  write_at (dir, ".secrets.backup", OLDER_BACKUP, 0600);
  file = secrets_file_for (dir);
  tts_secrets_file_set_fault (file, fault->step, fault->errnum);

  g_assert_false (save_values (file, &error));
  assert_fault_error (fault, dir, error);
  g_assert_false (tts_secrets_file_get_backup_made (file));

  contents = read_at (dir, ".secrets");
  g_assert_cmpstr (contents, ==, OLD_SECRETS);
  g_assert_cmpuint (mode_at (dir, ".secrets"), ==, 0600);
  backup = read_at (dir, ".secrets.backup");
  /* Only the last rename comes after the backup's: then the backup is the intact .secrets. */
  g_assert_cmpstr (backup, ==,
                   fault->step == TTS_SECRETS_FILE_STEP_RENAME ? OLD_SECRETS : OLDER_BACKUP);
  g_assert_cmpuint (mode_at (dir, ".secrets.backup"), ==, 0600);
  listing = list_dir_at (dir);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");

  /* Try Again once the cause is gone. */
  tts_secrets_file_set_fault (file, fault->step, 0);
  g_clear_error (&error);
  g_assert_true (save_values (file, &error));
  g_assert_no_error (error);
  g_assert_true (tts_secrets_file_get_backup_made (file));
  retried = read_at (dir, ".secrets");
  g_assert_cmpstr (retried, ==, MERGED_SECRETS);
  retried_backup = read_at (dir, ".secrets.backup");
  g_assert_cmpstr (retried_backup, ==, OLD_SECRETS);
  retried_listing = list_dir_at (dir);
  g_assert_cmpstr (retried_listing, ==, ".secrets,.secrets.backup");

  /* An empty folder: nothing to back up, so the backup's steps never run. */
  make_folder (empty_dir);
  new_file = secrets_file_for (empty_dir);
  tts_secrets_file_set_fault (new_file, fault->step, fault->errnum);
  g_clear_error (&error);
  if (is_backup_step (fault->step))
    {
      g_assert_true (tts_secrets_file_save (new_file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
                                            NULL, &error));
      g_assert_no_error (error);
      empty_listing = list_dir_at (empty_dir);
      g_assert_cmpstr (empty_listing, ==, ".secrets");
    }
  else
    {
      g_assert_false (tts_secrets_file_save (new_file, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN,
                                             NULL, &error));
      assert_fault_error (fault, empty_dir, error);
      empty_listing = list_dir_at (empty_dir);
      g_assert_cmpstr (empty_listing, ==, "");
    }
}

/* After the rename the new file is in place: a folder that cannot be synced is no failure. */
static void
test_fault_fsync_folder (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *listing = NULL;

  write_child (fixture, ".secrets", OLD_SECRETS, 0600);
  write_child (fixture, ".secrets.backup", OLDER_BACKUP, 0600);
  tts_secrets_file_set_fault (file, TTS_SECRETS_FILE_STEP_FSYNC_FOLDER, EIO);

  g_assert_true (save_values (file, &error));
  g_assert_no_error (error);
  g_assert_true (tts_secrets_file_get_backup_made (file));

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, MERGED_SECRETS);
  backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (backup, ==, OLD_SECRETS);
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);
  g_assert_cmpuint (child_mode (fixture, ".secrets.backup"), ==, 0600);
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");
}

/* ---- 0600 at every instant ---- */

typedef struct
{
  const char *dir;
  char       *temp;      /* the new content's temporary file, once created */
  guint       seen;      /* a bit per step */
} ModeCheck;

static void
assert_private_file (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpuint (st.st_uid, ==, geteuid ());
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
}

static void
check_mode_cb (TtsSecretsFileStep  step,
               const char         *path,
               gpointer            user_data)
{
  ModeCheck *check = user_data;
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autofree char *basename = g_path_get_basename (path);

  g_test_message ("after %s: %s", step_names[step], path);
  g_assert_false (check->seen & (1u << step));
  check->seen |= 1u << step;

  if (step == TTS_SECRETS_FILE_STEP_OPEN_FOLDER || step == TTS_SECRETS_FILE_STEP_FSYNC_FOLDER)
    {
      g_assert_cmpstr (path, ==, check->dir);
      return;
    }

  /* Every file of a save lives in the folder itself. */
  g_assert_cmpstr (dirname, ==, check->dir);
  if (step == TTS_SECRETS_FILE_STEP_CREATE_TEMP)
    check->temp = g_strdup (path);
  if (step == TTS_SECRETS_FILE_STEP_RENAME_BACKUP)
    g_assert_cmpstr (basename, ==, ".secrets.backup");
  else if (step == TTS_SECRETS_FILE_STEP_RENAME)
    g_assert_cmpstr (basename, ==, ".secrets");
  else
    {
      g_assert_true (g_str_has_prefix (basename, ".secrets."));
      g_assert_cmpstr (basename, !=, ".secrets.backup");
    }

  assert_private_file (path);
  /* The new content waits through the backup's steps too. */
  if (check->temp != NULL && step != TTS_SECRETS_FILE_STEP_RENAME)
    assert_private_file (check->temp);
}

static void
check_modes_with_umask (Fixture *fixture,
                        mode_t   mask)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  ModeCheck check = { fixture->dir, NULL, 0 };
  mode_t old_mask;
  gboolean saved;

  /* A readable old file: neither its mode nor the umask may leak into the new ones. */
  write_child (fixture, ".secrets", OLD_SECRETS, 0644);
  tts_secrets_file_set_step_func (file, check_mode_cb, &check);

  old_mask = umask (mask);
  saved = save_values (file, &error);
  umask (old_mask);

  g_assert_no_error (error);
  g_assert_true (saved);
  /* The callback saw every step, so every step was checked. */
  g_assert_cmpuint (check.seen, ==, (1u << TTS_SECRETS_FILE_N_STEPS) - 1);
  g_assert_false (g_file_test (check.temp, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);
  g_assert_cmpuint (child_mode (fixture, ".secrets.backup"), ==, 0600);
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");
  g_free (check.temp);
}

static void
test_mode_umask_000 (Fixture       *fixture,
                     gconstpointer  data)
{
  check_modes_with_umask (fixture, 000);
}

static void
test_mode_umask_022 (Fixture       *fixture,
                     gconstpointer  data)
{
  check_modes_with_umask (fixture, 022);
}

static void
test_mode_umask_077 (Fixture       *fixture,
                     gconstpointer  data)
{
  check_modes_with_umask (fixture, 077);
}

/* ---- the folder goes away ---- */

#define MSG_FOLDER_GONE       "The folder “%s” no longer exists. Choose another folder."
#define MSG_FOLDER_NOT_FOLDER "“%s” is no longer a folder. Choose another folder."

static void
assert_folder_error (TtsSecretsFile *file,
                     const char     *expected)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (save_values (file, &error));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_folder_deleted (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *dir = child_path (fixture, "project");
  g_autofree char *expected = g_strdup_printf (MSG_FOLDER_GONE, dir);
  g_autoptr(TtsSecretsFile) file = NULL;
  g_autofree char *listing = NULL;

  make_folder (dir);
  file = secrets_file_for (dir);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  assert_folder_error (file, expected);

  /* Not recreated, nothing written next to it. */
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, "");
}

static void
delete_folder_cb (TtsSecretsFileStep  step,
                  const char         *path,
                  gpointer            user_data)
{
  if (step == TTS_SECRETS_FILE_STEP_OPEN_FOLDER)
    g_assert_cmpint (g_rmdir (path), ==, 0);
}

/* Deleted after the save has opened it: the save holds the folder, not its name. */
static void
test_folder_deleted_during_save (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *dir = child_path (fixture, "project");
  g_autofree char *expected = g_strdup_printf (MSG_FOLDER_GONE, dir);
  g_autoptr(TtsSecretsFile) file = NULL;
  g_autofree char *listing = NULL;

  make_folder (dir);
  file = secrets_file_for (dir);
  tts_secrets_file_set_step_func (file, delete_folder_cb, NULL);

  assert_folder_error (file, expected);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, "");
}

static void
test_folder_replaced_by_file (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *dir = child_path (fixture, "project");
  g_autofree char *expected = g_strdup_printf (MSG_FOLDER_NOT_FOLDER, dir);
  g_autoptr(TtsSecretsFile) file = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;

  make_folder (dir);
  file = secrets_file_for (dir);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  write_child (fixture, "project", "not a folder\n", 0644);

  assert_folder_error (file, expected);

  contents = read_child (fixture, "project");
  g_assert_cmpstr (contents, ==, "not a folder\n");
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, "project");
}

/* ---- the backup ---- */

/* One generation: each save's backup is the .secrets just before it; an older one goes. */
static void
test_backup_replaced (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *second = NULL;
  g_autofree char *second_backup = NULL;
  g_autofree char *listing = NULL;

  write_child (fixture, ".secrets", OLD_SECRETS, 0600);
  write_child (fixture, ".secrets.backup", OLDER_BACKUP, 0644);

  g_assert_true (save_values (file, &error));
  g_assert_no_error (error);
  g_assert_true (tts_secrets_file_get_backup_made (file));
  first = read_child (fixture, ".secrets");
  g_assert_cmpstr (first, ==, MERGED_SECRETS);
  backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (backup, ==, OLD_SECRETS);
  g_assert_cmpuint (child_mode (fixture, ".secrets.backup"), ==, 0600);

  g_assert_true (tts_secrets_file_save (file, CLIENT_ID, CLIENT_SECRET, "second-token", NULL,
                                        &error));
  g_assert_no_error (error);
  second = read_child (fixture, ".secrets");
  g_assert_cmpstr (second, ==,
                   "# mine\nOTHER=1\nTT_REFRESH_TOKEN=second-token\n"
                   "TT_API_CLIENT_ID=" CLIENT_ID "\n"
                   "TT_API_CLIENT_SECRET='" CLIENT_SECRET "'\n");
  second_backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (second_backup, ==, MERGED_SECRETS);
  g_assert_cmpuint (child_mode (fixture, ".secrets.backup"), ==, 0600);

  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");
}

/* A backup that is a hard link: its name is replaced, the other name keeps its bytes. */
static void
test_backup_hard_link (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *other = child_path (fixture, "notes.txt");
  g_autofree char *backup_path = child_path (fixture, ".secrets.backup");
  g_autofree char *notes = NULL;
  g_autofree char *backup = NULL;

  write_child (fixture, ".secrets", OLD_SECRETS, 0600);
  write_child (fixture, "notes.txt", "precious\n", 0644);
  g_assert_cmpint (link (other, backup_path), ==, 0);

  g_assert_true (save_ok (fixture->dir));

  notes = read_child (fixture, "notes.txt");
  g_assert_cmpstr (notes, ==, "precious\n");
  g_assert_cmpuint (child_mode (fixture, "notes.txt"), ==, 0644);
  backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (backup, ==, OLD_SECRETS);
}

/* ---- values a dotenv parser could misread ---- */

/* Each save rewrites the previous save's values in place, so odd old values are covered too. */
static void
test_python_values (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *values[] = {
    "#hash", "a #b", "a# b", "tab\t#b",
    "$", "$HOME", "$ {HOME}", "${", "}{$",
    "it's", "'", "''", "\"", "\"\"", "say \"hi\"", "'starts", "\"starts", "ends'", "ends\"",
    "with space", "  leading", "trailing  ", "  both  ", " ",
    "=", "a=b=c", "=starts", "KEY=value # not a comment",
    "back\\slash", "\\\\", "two\\\\back slashes", "x\\'y", "\\'", "\\\"",
    "\\n is not a line break", "trailing\\", "\\", "it's#odd\\",
    "caf\xc3\xa9 \xe2\x82\xac", "\xc2\xa0nbsp\xc2\xa0", "\xf0\x9f\x94\x91 key",
    "\xe6\x97\xa5\xe6\x9c\xac",
    "", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl-_",
  };
  const char *keys[] = {
    TTS_DOTENV_KEY_CLIENT_ID, TTS_DOTENV_KEY_CLIENT_SECRET, TTS_DOTENV_KEY_REFRESH_TOKEN,
  };
  g_autofree char *path = child_path (fixture, ".secrets");

  if (!tts_test_python_dotenv_available ())
    {
      g_test_skip ("python3 with the dotenv module is not installed");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (values); i += 3)
    {
      g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
      g_autoptr(GError) error = NULL;
      g_autoptr(GHashTable) read = NULL;
      const char *triple[3];

      for (guint k = 0; k < 3; k++)
        triple[k] = values[(i + k) % G_N_ELEMENTS (values)];

      g_assert_true (tts_secrets_file_save (file, triple[0], triple[1], triple[2], NULL, &error));
      g_assert_no_error (error);

      read = tts_test_python_dotenv_read (path);
      g_assert_cmpuint (g_hash_table_size (read), ==, 3);
      for (guint k = 0; k < 3; k++)
        {
          g_test_message ("%s=[%s]", keys[k], triple[k]);
          /* An empty client ID is not written: the one before stays. */
          if (k == 0 && triple[k][0] == '\0')
            g_assert_cmpstr (g_hash_table_lookup (read, keys[k]), !=, "");
          else
            g_assert_cmpstr (g_hash_table_lookup (read, keys[k]), ==, triple[k]);
        }
    }
}

/* A line break would end the value early and start a line of the user's choosing. */
static void
test_line_breaks_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char *bad[] = { "two\nlines", "two\rlines", "two\r\nlines", "final\n", "\r", "\n" };
  static const char *keys[] = {
    TTS_DOTENV_KEY_CLIENT_ID, TTS_DOTENV_KEY_CLIENT_SECRET, TTS_DOTENV_KEY_REFRESH_TOKEN,
  };

  write_child (fixture, ".secrets", OLD_SECRETS, 0600);
  write_child (fixture, ".secrets.backup", OLDER_BACKUP, 0600);

  for (guint k = 0; k < 3; k++)
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
        g_autoptr(GError) error = NULL;
        g_autofree char *contents = NULL;
        g_autofree char *backup = NULL;
        g_autofree char *listing = NULL;
        const char *values[] = { CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN };

        values[k] = bad[i];
        g_assert_false (tts_secrets_file_save (file, values[0], values[1], values[2], NULL,
                                               &error));
        g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
        /* It names the key, never a value. */
        g_assert_nonnull (strstr (error->message, keys[k]));
        g_assert_null (strstr (error->message, "lines"));
        g_assert_null (strstr (error->message, CLIENT_SECRET));
        g_assert_null (strstr (error->message, REFRESH_TOKEN));

        contents = read_child (fixture, ".secrets");
        g_assert_cmpstr (contents, ==, OLD_SECRETS);
        backup = read_child (fixture, ".secrets.backup");
        g_assert_cmpstr (backup, ==, OLDER_BACKUP);
        listing = list_dir (fixture);
        g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");
      }
}

/* ---- an existing file with every kind of line at once ---- */

static void
test_existing_everything (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char old[] =
    "# Project settings\r\n"
    "\r\n"
    "OTHER_KEY=keep-me\r\n"
    "export TT_REFRESH_TOKEN=old\r\n"
    "QUOTED=\"double # not a comment\"\r\n"
    "SINGLE='it\\'s kept'   # a note\r\n"
    "  # an indented comment\r\n"
    "TT_API_CLIENT_SECRET=\"old secret\"  # rotated monthly\r\n"
    "\r\n"
    "EMPTY=\r\n"
    "LAST=no final newline";
  /* Only the three values change; the one key that was missing is appended after the line
   * break the last line lacked, with the file's CRLF. */
  static const char expected[] =
    "# Project settings\r\n"
    "\r\n"
    "OTHER_KEY=keep-me\r\n"
    "export TT_REFRESH_TOKEN=" REFRESH_TOKEN "\r\n"
    "QUOTED=\"double # not a comment\"\r\n"
    "SINGLE='it\\'s kept'   # a note\r\n"
    "  # an indented comment\r\n"
    "TT_API_CLIENT_SECRET='" CLIENT_SECRET "'  # rotated monthly\r\n"
    "\r\n"
    "EMPTY=\r\n"
    "LAST=no final newline\r\n"
    "TT_API_CLIENT_ID=" CLIENT_ID "\r\n";
  g_autofree char *contents = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *path = child_path (fixture, ".secrets");

  write_child (fixture, ".secrets", old, 0600);

  g_assert_true (save_ok (fixture->dir));

  contents = read_child (fixture, ".secrets");
  g_assert_cmpstr (contents, ==, expected);
  backup = read_child (fixture, ".secrets.backup");
  g_assert_cmpstr (backup, ==, old);
  g_assert_cmpuint (child_mode (fixture, ".secrets"), ==, 0600);
  g_assert_cmpuint (child_mode (fixture, ".secrets.backup"), ==, 0600);
  listing = list_dir (fixture);
  g_assert_cmpstr (listing, ==, ".secrets,.secrets.backup");

  /* The user's scripts read every other key as before, and ours. */
  if (tts_test_python_dotenv_available ())
    {
      g_autoptr(GHashTable) read = tts_test_python_dotenv_read (path);

      g_assert_cmpuint (g_hash_table_size (read), ==, 8);
      g_assert_cmpstr (g_hash_table_lookup (read, "OTHER_KEY"), ==, "keep-me");
      g_assert_cmpstr (g_hash_table_lookup (read, "QUOTED"), ==, "double # not a comment");
      g_assert_cmpstr (g_hash_table_lookup (read, "SINGLE"), ==, "it's kept");
      g_assert_cmpstr (g_hash_table_lookup (read, "EMPTY"), ==, "");
      g_assert_cmpstr (g_hash_table_lookup (read, "LAST"), ==, "no final newline");
      g_assert_cmpstr (g_hash_table_lookup (read, TTS_DOTENV_KEY_CLIENT_ID), ==, CLIENT_ID);
      g_assert_cmpstr (g_hash_table_lookup (read, TTS_DOTENV_KEY_CLIENT_SECRET), ==, CLIENT_SECRET);
      g_assert_cmpstr (g_hash_table_lookup (read, TTS_DOTENV_KEY_REFRESH_TOKEN), ==, REFRESH_TOKEN);
    }
}

/* ---- key sets, the sandbox marker, other file names, reading back ---- */

/* Each set's names as python-dotenv reads them, and only those. */
static void
test_key_sets (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = child_path (fixture, ".secrets");

  for (TtsKeySet set = 0; set < TTS_KEY_SET_N_SETS; set++)
    {
      g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
      g_autoptr(TtsStoredCredentials) stored = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      const char *values[] = { CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN };
      guint n_keys = 0;

      g_test_message ("%s", tts_key_set_to_string (set));
      g_assert_cmpint (g_unlink (path) == 0 || errno == ENOENT, ==, TRUE);
      tts_secrets_file_set_key_set (file, set);
      g_assert_cmpint (tts_secrets_file_get_key_set (file), ==, set);
      g_assert_true (save_values (file, &error));
      g_assert_no_error (error);
      g_assert_cmpint (child_mode (fixture, ".secrets"), ==, 0600);

      text = read_child (fixture, ".secrets");
      g_assert_null (strstr (text, TTS_KEY_SANDBOX));
      for (TtsCredentialKind kind = 0; kind <= TTS_CREDENTIAL_REFRESH_TOKEN; kind++)
        if (tts_key_set_get_key (set, kind) != NULL)
          n_keys++;

      if (tts_test_python_dotenv_available ())
        {
          g_autoptr(GHashTable) read = tts_test_python_dotenv_read (path);

          g_assert_cmpuint (g_hash_table_size (read), ==, n_keys);
          for (TtsCredentialKind kind = 0; kind <= TTS_CREDENTIAL_REFRESH_TOKEN; kind++)
            {
              const char *key = tts_key_set_get_key (set, kind);

              if (key != NULL)
                g_assert_cmpstr (g_hash_table_lookup (read, key), ==, values[kind]);
            }
        }

      /* And this program reads any of them back. */
      stored = tts_stored_credentials_parse (text, strlen (text));
      g_assert_nonnull (stored);
      g_assert_cmpint (stored->key_set, ==, set);
      g_assert_cmpstr (stored->client_secret, ==, CLIENT_SECRET);
      g_assert_cmpstr (stored->refresh_token, ==, REFRESH_TOKEN);
      g_assert_cmpstr (stored->client_id, ==, set == TTS_KEY_SET_TASTYWARE ? NULL : CLIENT_ID);
      g_assert_false (stored->sandbox);
    }

  /* The names are the ones the SDKs document. */
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_FETCHER, TTS_CREDENTIAL_CLIENT_ID), ==, "TT_API_CLIENT_ID");
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_FETCHER, TTS_CREDENTIAL_CLIENT_SECRET), ==, "TT_API_CLIENT_SECRET");
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_FETCHER, TTS_CREDENTIAL_REFRESH_TOKEN), ==, "TT_REFRESH_TOKEN");
  g_assert_null (tts_key_set_get_key (TTS_KEY_SET_TASTYWARE, TTS_CREDENTIAL_CLIENT_ID));
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_TASTYWARE, TTS_CREDENTIAL_CLIENT_SECRET), ==, "TT_SECRET");
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_TASTYWARE, TTS_CREDENTIAL_REFRESH_TOKEN), ==, "TT_REFRESH");
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_TASTYTRADE_SDK, TTS_CREDENTIAL_CLIENT_ID), ==, "TT_CLIENT_ID");
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_TASTYTRADE_SDK, TTS_CREDENTIAL_CLIENT_SECRET), ==, "TT_CLIENT_SECRET");
  g_assert_cmpstr (tts_key_set_get_key (TTS_KEY_SET_TASTYTRADE_SDK, TTS_CREDENTIAL_REFRESH_TOKEN), ==, "TT_REFRESH_TOKEN");
}

/* A file read with no client ID (renewed by a check) gets no empty one. */
static void
test_empty_client_id_not_written (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  write_child (fixture, ".secrets", "TT_API_CLIENT_SECRET=s\nTT_REFRESH_TOKEN=old\n", 0600);
  g_assert_true (tts_secrets_file_save (file, "", CLIENT_SECRET, REFRESH_TOKEN, NULL, &error));
  g_assert_no_error (error);
  text = read_child (fixture, ".secrets");
  g_assert_null (strstr (text, "TT_API_CLIENT_ID"));
  g_assert_nonnull (strstr (text, "TT_REFRESH_TOKEN=" REFRESH_TOKEN "\n"));
}

/* Switching sets adds the new names and keeps the old ones: nothing a script reads is lost. */
static void
test_key_set_switch_keeps_old_names (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (save_values (file, &error));
  tts_secrets_file_set_key_set (file, TTS_KEY_SET_TASTYWARE);
  g_assert_true (save_values (file, &error));
  g_assert_no_error (error);

  text = read_child (fixture, ".secrets");
  g_assert_nonnull (strstr (text, "TT_API_CLIENT_SECRET="));
  g_assert_nonnull (strstr (text, "TT_SECRET="));
  g_assert_nonnull (strstr (text, "TT_REFRESH="));
  g_assert_true (tts_secrets_file_get_backup_made (file));
}

static char *
python_read_one (const char *path,
                 const char *key)
{
  g_autoptr(GHashTable) read = tts_test_python_dotenv_read (path);

  return g_strdup (g_hash_table_lookup (read, key));
}

static void
test_sandbox_marker (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = child_path (fixture, ".secrets");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(TtsStoredCredentials) stored = NULL;

  /* Sandbox credentials say so. */
  {
    g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);

    tts_secrets_file_set_sandbox (file, TRUE);
    g_assert_true (save_values (file, &error));
    g_assert_no_error (error);
  }
  text = read_child (fixture, ".secrets");
  g_assert_nonnull (strstr (text, "\nTT_SANDBOX=true\n"));
  stored = tts_stored_credentials_parse (text, strlen (text));
  g_assert_true (stored->sandbox);
  if (tts_test_python_dotenv_available ())
    {
      g_autofree char *value = python_read_one (path, "TT_SANDBOX");

      g_assert_cmpstr (value, ==, "true");
    }
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&stored, tts_stored_credentials_free);

  /* Production credentials over them turn the marker off, in place. */
  {
    g_autoptr(TtsSecretsFile) file = secrets_file_for (fixture->dir);

    g_assert_true (save_values (file, &error));
    g_assert_no_error (error);
  }
  text = read_child (fixture, ".secrets");
  g_assert_nonnull (strstr (text, "\nTT_SANDBOX=false\n"));
  g_assert_null (strstr (text, "TT_SANDBOX=true"));
  stored = tts_stored_credentials_parse (text, strlen (text));
  g_assert_false (stored->sandbox);
}

static void
test_other_file_name (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->dir);
  g_autoptr(TtsSecretsFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *gitignore = NULL;
  g_autofree char *basename = NULL;

  make_work_tree (fixture->dir);
  write_child (fixture, ".env", "DEBUG=1\n", 0644);
  file = tts_secrets_file_new_for_name (folder, ".env");
  g_assert_cmpstr (tts_secrets_file_get_file_name (file), ==, ".env");
  basename = g_file_get_basename (tts_secrets_file_get_backup_file (file));
  g_assert_cmpstr (basename, ==, ".env.backup");

  g_assert_true (save_values (file, &error));
  g_assert_no_error (error);
  g_assert_true (tts_secrets_file_get_backup_made (file));

  listing = list_dir (fixture);
  g_assert_nonnull (strstr (listing, ".env,.env.backup,"));
  g_assert_null (strstr (listing, ".secrets"));
  backup = read_child (fixture, ".env.backup");
  g_assert_cmpstr (backup, ==, "DEBUG=1\n");
  g_assert_cmpint (child_mode (fixture, ".env"), ==, 0600);
  gitignore = read_child (fixture, ".gitignore");
  g_assert_nonnull (strstr (gitignore, ".env\n"));
  g_assert_nonnull (strstr (gitignore, ".env.backup\n"));

  if (tts_test_python_dotenv_available ())
    {
      g_autofree char *path = child_path (fixture, ".env");
      g_autofree char *debug = python_read_one (path, "DEBUG");
      g_autofree char *token = python_read_one (path, "TT_REFRESH_TOKEN");

      g_assert_cmpstr (debug, ==, "1");
      g_assert_cmpstr (token, ==, REFRESH_TOKEN);
    }
}

static void
test_file_names_refused (void)
{
  static const char *bad[] = {
    "", ".", "..", "a/b", "/etc/passwd", "../.secrets", "with space", "quo\"te", "it's",
    "back\\slash", "tab\there", "line\nbreak", "\xff",
    "a-name-far-too-long-to-be-a-dotfile-anyone-would-type-by-hand-really",
  };
  static const char *good[] = { ".secrets", ".env", "tastytrade.env", ".env.local" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tts_secrets_file_name_is_valid (bad[i], &error));
      g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
    }
  g_assert_false (tts_secrets_file_name_is_valid (NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (tts_secrets_file_name_is_valid (good[i], NULL));
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  TtsStoredCredentials **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = tts_secrets_file_load_finish (TTS_SECRETS_FILE (object), result, &error);
  g_assert_no_error (error);
}

static void
assert_load_fails (Fixture    *fixture,
                   const char *name,
                   int         code)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->dir);
  g_autoptr(TtsSecretsFile) file = tts_secrets_file_new_for_name (folder, name);
  g_autoptr(TtsStoredCredentials) stored = NULL;
  g_autoptr(GError) error = NULL;

  stored = tts_secrets_file_load (file, NULL, &error);
  g_assert_null (stored);
  g_assert_error (error, TTS_ERROR, code);
  g_test_message ("%s: %s", name, error->message);
  g_assert_null (strstr (error->message, CLIENT_SECRET));
  g_assert_null (strstr (error->message, REFRESH_TOKEN));
}

static void
test_load (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->dir);
  g_autoptr(TtsSecretsFile) file = tts_secrets_file_new (folder);
  g_autoptr(TtsStoredCredentials) stored = NULL;
  g_autofree char *target = child_path (fixture, "real-secrets");
  g_autofree char *link = child_path (fixture, "linked");
  g_autofree char *big = g_strnfill (1024 * 1024 + 1, '#');

  /* Someone else's names, in someone else's layout, with the sandbox marked. */
  write_child (fixture, ".secrets",
               "# mine\nexport TT_SECRET=\"" CLIENT_SECRET "\"\nTT_REFRESH=" REFRESH_TOKEN "\n"
               "TT_SANDBOX=True\n", 0600);
  tts_secrets_file_load_async (file, NULL, load_cb, &stored);
  while (stored == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (stored->key_set, ==, TTS_KEY_SET_TASTYWARE);
  g_assert_null (stored->client_id);
  g_assert_cmpstr (stored->client_secret, ==, CLIENT_SECRET);
  g_assert_cmpstr (stored->refresh_token, ==, REFRESH_TOKEN);
  g_assert_true (stored->sandbox);

  /* A link is read through: reading cannot put anything anywhere. */
  write_child (fixture, "real-secrets", "TT_CLIENT_SECRET=x\nTT_REFRESH_TOKEN=y\n", 0600);
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_clear_pointer (&stored, tts_stored_credentials_free);
  {
    g_autoptr(TtsSecretsFile) linked = tts_secrets_file_new_for_name (folder, "linked");

    stored = tts_secrets_file_load (linked, NULL, NULL);
  }
  g_assert_nonnull (stored);
  g_assert_cmpint (stored->key_set, ==, TTS_KEY_SET_TASTYTRADE_SDK);

  assert_load_fails (fixture, ".missing", TTS_ERROR_NO_CREDENTIALS);
  write_child (fixture, ".partial", "TT_API_CLIENT_ID=id\nTT_REFRESH_TOKEN=\n", 0600);
  assert_load_fails (fixture, ".partial", TTS_ERROR_NO_CREDENTIALS);
  write_child (fixture, ".big", big, 0600);
  assert_load_fails (fixture, ".big", TTS_ERROR_UNSAFE_FILE);
  g_assert_cmpint (g_mkdir (link = (g_free (link), child_path (fixture, ".dir")), 0700), ==, 0);
  assert_load_fails (fixture, ".dir", TTS_ERROR_UNSAFE_FILE);
}

/* Precedence and the sandbox marker's spellings, as python-dotenv users write them. */
static void
test_stored_credentials_parse (void)
{
  static const struct {
    const char *text;
    const char *secret;
    const char *token;
    gboolean    sandbox;
  } cases[] = {
    /* The set that is whole wins over a stray name of another. */
    { "TT_SECRET=b\nTT_API_CLIENT_SECRET=a\nTT_REFRESH=r\n", "b", "r", FALSE },
    /* No set is whole: a mix. */
    { "TT_API_CLIENT_SECRET=a\nTT_REFRESH=r\n", "a", "r", FALSE },
    { "TT_CLIENT_SECRET=c\nTT_SECRET=b\nTT_REFRESH_TOKEN=t\nTT_REFRESH=r\n", "c", "t", FALSE },
    { "TT_API_CLIENT_SECRET=\nTT_SECRET=b\nTT_REFRESH=r\nTT_SANDBOX=1\n", "b", "r", TRUE },
    { "TT_SECRET=b\nTT_REFRESH=r\nTT_SANDBOX=yes\n", "b", "r", TRUE },
    { "TT_SECRET=b\nTT_REFRESH=r\nTT_SANDBOX=false\n", "b", "r", FALSE },
    { "TT_SECRET=b\nTT_REFRESH=r\nTT_SANDBOX=no\n", "b", "r", FALSE },
    { "TT_SECRET=b\nTT_REFRESH=r\n# TT_SANDBOX=true\n", "b", "r", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TtsStoredCredentials) stored =
        tts_stored_credentials_parse (cases[i].text, strlen (cases[i].text));

      g_assert_nonnull (stored);
      g_assert_cmpstr (stored->client_secret, ==, cases[i].secret);
      g_assert_cmpstr (stored->refresh_token, ==, cases[i].token);
      g_assert_cmpint (stored->sandbox, ==, cases[i].sandbox);
    }

  g_assert_null (tts_stored_credentials_parse ("", 0));
  g_assert_null (tts_stored_credentials_parse ("TT_REFRESH_TOKEN=t\n", 18));
  g_assert_null (tts_stored_credentials_parse ("TT_SECRET=s\n", 12));
}

static void
test_key_set_strings (void)
{
  for (TtsKeySet set = 0; set < TTS_KEY_SET_N_SETS; set++)
    {
      TtsKeySet back = TTS_KEY_SET_N_SETS;
      g_autofree char *snippet = tts_key_set_dup_snippet (set, ".env");

      g_assert_true (tts_key_set_from_string (tts_key_set_to_string (set), &back));
      g_assert_cmpint (back, ==, set);
      g_assert_nonnull (tts_key_set_get_product (set));
      /* The snippet loads the chosen file and reads the set's own names. */
      g_assert_nonnull (strstr (snippet, "load_dotenv(\".env\")"));
      g_assert_nonnull (strstr (snippet, tts_key_set_get_key (set, TTS_CREDENTIAL_REFRESH_TOKEN)));
      g_assert_nonnull (strstr (snippet, tts_key_set_get_key (set, TTS_CREDENTIAL_CLIENT_SECRET)));
    }
  g_assert_false (tts_key_set_from_string ("nonsense", &(TtsKeySet) { 0 }));
  g_assert_false (tts_key_set_from_string (NULL, &(TtsKeySet) { 0 }));
}

static void
add_test (const char *path,
          void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, tts_test_folder_set_up, func, tts_test_folder_tear_down);
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
  add_test ("/secrets-file/gitignore/not-updated-told", test_gitignore_not_updated_told);
  add_test ("/secrets-file/gitignore/kept", test_gitignore_kept);
  add_test ("/secrets-file/gitignore/subfolder", test_gitignore_subfolder);
  add_test ("/secrets-file/gitignore/not-a-repository", test_gitignore_not_a_repository);
  add_test ("/secrets-file/gitignore/hostile-config", test_gitignore_hostile_config);
  add_test ("/secrets-file/async", test_async);

  for (guint i = 0; i < G_N_ELEMENTS (fault_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/secrets-file/fault/%s/%s",
                                               step_names[fault_cases[i].step],
                                               fault_cases[i].errname);

      g_test_add (path, Fixture, &fault_cases[i],
                  tts_test_folder_set_up, test_fault, tts_test_folder_tear_down);
    }
  add_test ("/secrets-file/fault/fsync-folder/EIO", test_fault_fsync_folder);
  add_test ("/secrets-file/mode/every-step/umask-000", test_mode_umask_000);
  add_test ("/secrets-file/mode/every-step/umask-022", test_mode_umask_022);
  add_test ("/secrets-file/mode/every-step/umask-077", test_mode_umask_077);
  add_test ("/secrets-file/folder/deleted", test_folder_deleted);
  add_test ("/secrets-file/folder/deleted-during-save", test_folder_deleted_during_save);
  add_test ("/secrets-file/folder/replaced-by-file", test_folder_replaced_by_file);
  add_test ("/secrets-file/backup/replaced", test_backup_replaced);
  add_test ("/secrets-file/backup/hard-link", test_backup_hard_link);
  add_test ("/secrets-file/python/values", test_python_values);
  add_test ("/secrets-file/refuse/line-breaks", test_line_breaks_refused);
  add_test ("/secrets-file/existing/everything", test_existing_everything);
  add_test ("/secrets-file/key-sets/each", test_key_sets);
  add_test ("/secrets-file/key-sets/switch-keeps-old-names", test_key_set_switch_keeps_old_names);
  add_test ("/secrets-file/sandbox-marker", test_sandbox_marker);
  add_test ("/secrets-file/key-sets/empty-client-id", test_empty_client_id_not_written);
  add_test ("/secrets-file/file-name/other", test_other_file_name);
  g_test_add_func ("/secrets-file/file-name/refused", test_file_names_refused);
  add_test ("/secrets-file/load/file", test_load);
  g_test_add_func ("/secrets-file/load/parse", test_stored_credentials_parse);
  g_test_add_func ("/secrets-file/key-sets/strings", test_key_set_strings);

  return g_test_run ();
}

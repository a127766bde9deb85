/* tts-gitignore.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>

#include "tts-gitignore.h"

#define GITIGNORE_NAME ".gitignore"

/* Walks up from @folder_path looking for .git (a folder, or a file in worktrees). */
gboolean
tts_gitignore_in_work_tree (const char *folder_path)
{
  g_autofree char *dir = g_strdup (folder_path);

  for (;;)
    {
      g_autofree char *dot_git = g_build_filename (dir, ".git", NULL);
      g_autofree char *parent = NULL;

      if (g_file_test (dot_git, G_FILE_TEST_EXISTS))
        return TRUE;

      parent = g_path_get_dirname (dir);
      if (strcmp (parent, dir) == 0)
        return FALSE;
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }
}

/* Whether the rules of one .gitignore ignore @name, a file right beside it.
 *
 * git itself is not asked: `git check-ignore` reads the repository's configuration, which runs
 * commands of the repository's choosing (core.fsmonitor; hooks, filters and aliases in other
 * commands), and a folder from an unpacked archive brings its own. The Flatpak runtime has no
 * git either. What git would also read (parent folders' .gitignore, info/exclude, the user's
 * global excludes) is not looked at: a line too many in .gitignore is harmless.
 *
 * The rules, as git reads them for a file in the same folder: blank lines and `#` comments do
 * nothing; a trailing `/` is for folders only; a leading `/` anchors to this folder; any other
 * `/` names something deeper; `*` and `?` are wildcards; a leading `!` takes a match back; the
 * last matching line wins. A pattern with `[` or a backslash is taken literally. */
gboolean
tts_gitignore_ignores (const char *contents,
                       gsize       length,
                       const char *name)
{
  g_autofree char *text = g_malloc (length + 1);
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (contents != NULL || length == 0, FALSE);

  if (length > 0)
    memcpy (text, contents, length);
  text[length] = '\0';

  /* A NUL ends no line in git: no pattern with one can match, and what follows still counts. */
  for (gsize i = 0; i < length; i++)
    if (text[i] == '\0')
      text[i] = '\n';
  lines = g_strsplit (text, "\n", -1);
  gboolean ignored = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *pattern = g_strchomp (lines[i]);
      gboolean negated = FALSE;
      gboolean matches;

      if (pattern[0] == '\0' || pattern[0] == '#')
        continue;
      if (pattern[0] == '!')
        {
          negated = TRUE;
          pattern++;
        }
      if (pattern[0] == '/')
        pattern++;
      if (pattern[0] == '\0' || strchr (pattern, '/') != NULL)
        continue;

      if (strpbrk (pattern, "[\\") != NULL)
        matches = strcmp (pattern, name) == 0;
      else
        matches = g_pattern_match_simple (pattern, name);
      if (matches)
        ignored = !negated;
    }

  return ignored;
}

/* Reads .gitignore without following a symlink; FALSE when it is something we will not touch. */
static gboolean
read_gitignore (int          dirfd,
                GByteArray **out)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  struct stat st;
  int fd;

  fd = openat (dirfd, GITIGNORE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      if (errno != ENOENT)
        return FALSE;
      *out = g_steal_pointer (&bytes);
      return TRUE;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return FALSE;
    }

  for (;;)
    {
      guint8 chunk[4096];
      ssize_t got = read (fd, chunk, sizeof chunk);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          close (fd);
          return FALSE;
        }
      if (got == 0)
        break;
      g_byte_array_append (bytes, chunk, got);
    }

  close (fd);
  *out = g_steal_pointer (&bytes);
  return TRUE;
}

/* Best effort after a save: the user is told about the saved file either way. */
gboolean
tts_gitignore_protect (int                 dirfd,
                       const char         *folder_path,
                       const char * const *names)
{
  g_autoptr(GByteArray) contents = NULL;
  g_autoptr(GString) addition = g_string_new (NULL);
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *eol;
  int fd;

  g_return_val_if_fail (folder_path != NULL, FALSE);
  g_return_val_if_fail (names != NULL, FALSE);

  if (!tts_gitignore_in_work_tree (folder_path))
    return TRUE;

  if (!read_gitignore (dirfd, &contents))
    {
      g_debug ("Not updating %s in %s: it is not a regular file or cannot be read",
               GITIGNORE_NAME, folder_path);
      return FALSE;
    }

  eol = "\n";
  if (contents->len > 0 && g_strstr_len ((const char *) contents->data, contents->len, "\r\n") != NULL)
    eol = "\r\n";

  for (guint i = 0; names[i] != NULL; i++)
    if (!tts_gitignore_ignores ((const char *) contents->data, contents->len, names[i]))
      g_string_append_printf (addition, "%s%s", names[i], eol);

  if (addition->len == 0)
    return TRUE;

  if (contents->len > 0 && contents->data[contents->len - 1] != '\n')
    g_string_prepend (addition, eol);

  fd = openat (dirfd, GITIGNORE_NAME,
               O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0)
    {
      g_debug ("Could not open %s in %s: %s", GITIGNORE_NAME, folder_path, g_strerror (errno));
      return FALSE;
    }

  stream = g_unix_output_stream_new (fd, TRUE);
  if (!g_output_stream_write_all (stream, addition->str, addition->len, NULL, NULL, &error) ||
      !g_output_stream_close (stream, NULL, &error))
    {
      g_debug ("Could not write %s in %s: %s", GITIGNORE_NAME, folder_path, error->message);
      return FALSE;
    }

  return TRUE;
}

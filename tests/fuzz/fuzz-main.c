/* fuzz-main.c: runs a fuzz target over saved inputs, without libFuzzer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every build runs each target over its seed corpus and the crash inputs kept in
 * regressions/, so a bug once found stays tested with gcc and without clang's runtime.
 * Arguments are files or folders (each file in a folder, sorted). Output is TAP.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-target.h"

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
collect (GPtrArray  *paths,
         const char *arg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  GDir *dir;
  const char *name;

  if (!g_file_test (arg, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (paths, g_strdup (arg));
      return;
    }

  dir = g_dir_open (arg, 0, &error);
  if (dir == NULL)
    {
      printf ("Bail out! %s\n", error->message);
      exit (1);
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      /* Dot files (.gitignore and the like) are not inputs. */
      if (name[0] != '.')
        g_ptr_array_add (names, g_build_filename (arg, name, NULL));
    }
  g_dir_close (dir);

  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (paths, g_strdup (names->pdata[i]));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    collect (paths, argv[i]);

  /* The empty input first, as libFuzzer does. */
  printf ("1..%u\n", paths->len + 1);
  LLVMFuzzerTestOneInput ((const uint8_t *) "", 0);
  printf ("ok 1 - empty input\n");

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      guint8 *copy;
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 2, path, error->message);
          continue;
        }

      /* An exact-size copy without the NUL, as libFuzzer passes it, for the sanitizer build. */
      copy = g_memdup2 (contents, length);
      printf ("# %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
      fflush (stdout);
      LLVMFuzzerTestOneInput (copy, length);
      g_free (copy);
      printf ("ok %u - %s\n", i + 2, path);
    }

  return 0;
}

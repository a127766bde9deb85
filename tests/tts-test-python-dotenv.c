/* tts-test-python-dotenv.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "tts-test-python-dotenv.h"

/* Prints every binding python-dotenv reads, hex-encoded so any byte survives. */
static const char python_script[] =
  "import sys, dotenv\n"
  "for k, v in dotenv.dotenv_values(sys.argv[1]).items():\n"
  "    print(k.encode().hex(), '-' if v is None else 'v' + v.encode().hex())\n";

static gboolean
python_dotenv_found (void)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  const char *argv[] = { NULL, "-c", "import dotenv", NULL };
  int status = -1;

  if (python == NULL)
    return FALSE;

  argv[0] = python;
  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;

  return g_spawn_check_wait_status (status, NULL);
}

/* Looked up once. Where it is missing (the Flatpak SDK has no python-dotenv), each check that
 * needs it says it was left out, so a run without it is not mistaken for a full one. */
gboolean
tts_test_python_dotenv_available (void)
{
  static int found = -1;

  if (found < 0)
    found = python_dotenv_found ();
  if (!found)
    g_test_message ("Not checked with python-dotenv: python3 with the dotenv module is not "
                    "installed (apt install python3-dotenv)");

  return found;
}

static char *
hex_decode (const char *hex)
{
  gsize len = strlen (hex);
  char *out = g_malloc (len / 2 + 1);

  g_assert_cmpuint (len % 2, ==, 0);
  for (gsize i = 0; i < len / 2; i++)
    out[i] = (char) (g_ascii_xdigit_value (hex[2 * i]) * 16
                     + g_ascii_xdigit_value (hex[2 * i + 1]));
  out[len / 2] = '\0';

  return out;
}

GHashTable *
tts_test_python_dotenv_read (const char *path)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  const char *argv[] = { python, "-c", python_script, path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *values;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT,
                               NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("python-dotenv failed: %s", err);

  values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;

      if (lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], " ", 2);
      g_assert_nonnull (fields[1]);
      g_hash_table_insert (values, hex_decode (fields[0]),
                           fields[1][0] == 'v' ? hex_decode (fields[1] + 1) : NULL);
    }

  return values;
}

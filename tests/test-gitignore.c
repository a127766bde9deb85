/* test-gitignore.c: the .gitignore rules read without git
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-gitignore.h"

static void
test_rules (void)
{
  static const struct {
    const char *lines;
    const char *name;
    gboolean    ignored;
  } cases[] = {
    { "", ".secrets", FALSE },
    { ".secrets\n", ".secrets", TRUE },
    { ".secrets", ".secrets", TRUE },                   /* no line end at the end */
    { ".secrets\r\n", ".secrets", TRUE },               /* CRLF */
    { "/.secrets\n", ".secrets", TRUE },                /* anchored here */
    { ".secrets/\n", ".secrets", FALSE },               /* folders only */
    { "sub/.secrets\n", ".secrets", FALSE },            /* something deeper */
    { ".secret*\n", ".secrets.backup", TRUE },
    { ".secret?\n", ".secrets", TRUE },
    { "*\n", ".secrets", TRUE },
    { "# .secrets\n", ".secrets", FALSE },              /* a comment */
    { ".secrets*\n!.secrets.backup\n", ".secrets.backup", FALSE },
    { "!.secrets\n.secrets\n", ".secrets", TRUE },      /* the last match wins */
    { "[.]secrets\n", ".secrets", FALSE },              /* brackets taken literally */
    { ".secrets \n", ".secrets", TRUE },                /* trailing blanks */
    { "!\n", ".secrets", FALSE },
    { "/\n", ".secrets", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = g_strescape (cases[i].lines, NULL);

      g_test_message ("case %u: [%s] for %s", i, shown, cases[i].name);
      g_assert_cmpint (tts_gitignore_ignores (cases[i].lines, strlen (cases[i].lines), cases[i].name),
                       ==, cases[i].ignored);
    }

  /* A NUL inside stops nothing it should not: the length is what counts. */
  g_assert_true (tts_gitignore_ignores ("x\0\n.secrets\n", 12, ".secrets"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gitignore/rules", test_rules);

  return g_test_run ();
}

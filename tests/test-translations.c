/* test-translations.c: the wizard in the languages it ships
 *
 * Each language is checked in a child process that has what a user of that language has: the
 * language's locale in LANG and LC_ALL, no LANGUAGE list, and a start like the program's own
 * (setlocale (LC_ALL, "") before GTK). LANGUAGE alone is not enough: gettext ignores it while
 * the locale is "C", and glibc 2.39 and later (Debian 13's 2.41) treat "C.UTF-8" as "C" too.
 * The catalogues are the ones built in the build tree. The strings checked come from the C code
 * (page title, primary action) and from a template (a group heading).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tts-test-pages.h"
#include "tts-window-private.h"

typedef struct
{
  const char *language;
  /* The locale a speaker of the language runs. */
  const char *locale;
  /* What they read on the first two pages. */
  const char *welcome;
  const char *title;
  const char *next;
  const char *what_you_need;
} Expected;

static const Expected expectations[] = {
  { "de", "de_DE.UTF-8", "Willkommen", "Bevor Sie beginnen", "_Weiter", "Was Sie benötigen" },
  { "es", "es_ES.UTF-8", "Bienvenida", "Antes de empezar", "_Siguiente", "Qué necesita" },
  { "nl", "nl_NL.UTF-8", "Welkom", "Voordat u begint", "_Volgende", "Wat u nodig hebt" },
};

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;

  return FALSE;
}

/* In the child: the program's start (src/main.c), with the catalogues of the build tree. */
static void
check_first_page (const Expected *expected)
{
  const char *localedir = g_getenv ("TTS_TEST_LOCALEDIR");
  g_autoptr(TtsWindow) window = NULL;
  TtsPage *welcome;
  TtsPage *start;

  g_assert_nonnull (localedir);
  g_assert_nonnull (setlocale (LC_ALL, ""));
  g_assert_cmpstr (setlocale (LC_MESSAGES, NULL), ==, expected->locale);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_init ();
  adw_init ();

  window = g_object_ref_sink (tts_window_new (NULL, FALSE, NULL, NULL, NULL, NULL));
  /* The pages after the welcome page come once it has drawn. */
  gtk_window_present (GTK_WINDOW (window));
  welcome = TTS_PAGE (TTS_WELCOME_PAGE (tts_test_find_page (window, TTS_TYPE_WELCOME_PAGE)));
  g_assert_true (tts_test_visible_page (window) == welcome);
  g_assert_cmpstr (tts_page_get_title (welcome), ==, expected->welcome);
  g_assert_cmpstr (tts_page_get_primary_label (welcome), ==, expected->next);

  start = TTS_PAGE (TTS_START_PAGE (tts_test_find_page (window, TTS_TYPE_START_PAGE)));

  g_assert_cmpstr (tts_page_get_title (start), ==, expected->title);
  g_assert_cmpstr (tts_page_get_primary_label (start), ==, expected->next);
  g_assert_true (has_label (GTK_WIDGET (start), expected->what_you_need));
  g_assert_false (has_label (GTK_WIDGET (start), "What You Need"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_first_page (gconstpointer data)
{
  const Expected *expected = data;
  locale_t installed;

  if (g_test_subprocess ())
    {
      check_first_page (expected);
      return;
    }

  /* Without the locale, setlocale () fails and the program stays in English: that is the
   * machine's set-up, said plainly rather than skipped. */
  installed = newlocale (LC_ALL_MASK, expected->locale, (locale_t) 0);
  if (installed == (locale_t) 0)
    {
      g_test_fail_printf ("The %s locale is not installed, so %s cannot be checked: "
                          "install locales-all (apt install locales-all)",
                          expected->locale, expected->language);
      return;
    }
  freelocale (installed);

  /* The child inherits this environment; this process has not started GTK. */
  g_setenv ("LANG", expected->locale, TRUE);
  g_setenv ("LC_ALL", expected->locale, TRUE);
  g_unsetenv ("LANGUAGE");

  /* The child's stdout stays captured: it would break this process's TAP stream. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (expectations); i++)
    {
      g_autofree char *path = g_strdup_printf ("/translations/%s/first-page", expectations[i].language);

      g_test_add_data_func (path, &expectations[i], test_first_page);
    }

  return g_test_run ();
}

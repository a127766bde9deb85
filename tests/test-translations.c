/* test-translations.c: the wizard in the languages it ships
 *
 * Each language's catalogue is the one built in the build tree. The strings checked come from
 * the C code (page title, primary action) and from a template (a group heading).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tts-window-private.h"

typedef struct
{
  const char *language;
  /* What a speaker of the language reads on the first two pages. */
  const char *welcome;
  const char *title;
  const char *next;
  const char *what_you_need;
} Expected;

static const Expected expectations[] = {
  { "de", "Willkommen", "Bevor Sie beginnen", "_Weiter", "Was Sie benötigen" },
  { "es", "Bienvenida", "Antes de empezar", "_Siguiente", "Qué necesita" },
  { "nl", "Welkom", "Voordat u begint", "_Volgende", "Wat u nodig hebt" },
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

static void
test_first_page (gconstpointer data)
{
  const Expected *expected = data;
  g_autoptr(TtsWindow) window = NULL;
  TtsPage *welcome;
  TtsPage *start;

  g_setenv ("LANGUAGE", expected->language, TRUE);
  /* gettext caches lookups; a new locale setting makes it read LANGUAGE again. */
  setlocale (LC_ALL, "");

  window = g_object_ref_sink (tts_window_new (NULL, FALSE, NULL, NULL, NULL, NULL));
  welcome = TTS_PAGE (tts_window_get_welcome_page (window));
  g_assert_true (tts_window_get_visible_page (window) == welcome);
  g_assert_cmpstr (tts_page_get_title (welcome), ==, expected->welcome);
  g_assert_cmpstr (tts_page_get_primary_label (welcome), ==, expected->next);

  start = TTS_PAGE (tts_window_get_start_page (window));

  g_assert_cmpstr (tts_page_get_title (start), ==, expected->title);
  g_assert_cmpstr (tts_page_get_primary_label (start), ==, expected->next);
  g_assert_true (has_label (GTK_WIDGET (start), expected->what_you_need));
  g_assert_false (has_label (GTK_WIDGET (start), "What You Need"));

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("TTS_TEST_LOCALEDIR");

  /* LANGUAGE is ignored in the plain C locale. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_assert_nonnull (localedir);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  for (gsize i = 0; i < G_N_ELEMENTS (expectations); i++)
    {
      g_autofree char *path = g_strdup_printf ("/translations/%s/first-page", expectations[i].language);

      g_test_add_data_func (path, &expectations[i], test_first_page);
    }

  return g_test_run ();
}

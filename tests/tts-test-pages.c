/* tts-test-pages.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-test-pages.h"
#include "tts-welcome-page.h"

gpointer
tts_test_find_widget (GtkWidget *widget,
                      GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found = tts_test_find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gpointer
tts_test_lookup_page (TtsWindow *window,
                      GType      type)
{
  return tts_test_find_widget (GTK_WIDGET (window), type);
}

static gboolean
expired_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gpointer
tts_test_find_page (TtsWindow *window,
                    GType      type)
{
  gpointer page = tts_test_lookup_page (window, type);
  gboolean expired = FALSE;
  guint guard;

  if (page != NULL)
    return page;

  guard = g_timeout_add_seconds (60, expired_cb, &expired);
  while ((page = tts_test_lookup_page (window, type)) == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Timed out waiting for the window's %s", g_type_name (type));
  g_source_remove (guard);

  return page;
}

TtsPage *
tts_test_visible_page (TtsWindow *window)
{
  GtkWidget *welcome = tts_test_lookup_page (window, TTS_TYPE_WELCOME_PAGE);

  /* The pages are the children of one stack. */
  g_assert_nonnull (welcome);
  return TTS_PAGE (gtk_stack_get_visible_child (GTK_STACK (gtk_widget_get_parent (welcome))));
}

GtkEditable *
tts_test_find_entry (GtkWidget  *widget,
                     const char *title)
{
  if (ADW_IS_ENTRY_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return GTK_EDITABLE (widget);
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), title) == 0 &&
      GTK_IS_EDITABLE (gtk_label_get_mnemonic_widget (GTK_LABEL (widget))))
    return GTK_EDITABLE (gtk_label_get_mnemonic_widget (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkEditable *found = tts_test_find_entry (child, title);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* @mapped: only what is on screen now, else all that is set to show. */
static void
collect_text (GtkWidget *widget,
              gboolean   mapped,
              GString   *text)
{
  if (mapped ? !gtk_widget_get_mapped (widget) : !gtk_widget_get_visible (widget))
    return;

  if (GTK_IS_LABEL (widget) && gtk_label_get_text (GTK_LABEL (widget))[0] != '\0')
    {
      g_string_append (text, gtk_label_get_text (GTK_LABEL (widget)));
      g_string_append_c (text, '\n');
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, mapped, text);
}

char *
tts_test_shown_text (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  collect_text (widget, FALSE, text);
  return g_string_free (text, FALSE);
}

char *
tts_test_visible_text (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  collect_text (widget, TRUE, text);
  return g_string_free (text, FALSE);
}

gboolean
tts_test_get_boolean (gpointer    object,
                      const char *property)
{
  gboolean value = FALSE;

  g_object_get (object, property, &value, NULL);
  return value;
}

guint
tts_test_get_uint (gpointer    object,
                   const char *property)
{
  guint value = 0;

  g_object_get (object, property, &value, NULL);
  return value;
}

char *
tts_test_get_string (gpointer    object,
                     const char *property)
{
  char *value = NULL;

  g_object_get (object, property, &value, NULL);
  return value;
}

/* tts-test-pages.h: the window's pages and rows, found as a user's tools find them
 *
 * The program keeps its pages private: tests find them in the widget tree, by type, and
 * rows by the title a user reads.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-page.h"
#include "tts-window.h"

G_BEGIN_DECLS

/* The page of @type in @window. Those after the welcome page are made once the window has
 * drawn, the sign-in page once its module has loaded: this waits for them (a minute at most,
 * then fails the test). */
gpointer     tts_test_find_page    (TtsWindow  *window,
                                    GType       type);
/* The same without waiting: NULL when there is none yet. */
gpointer     tts_test_lookup_page  (TtsWindow  *window,
                                    GType       type);
/* The page the window shows. */
TtsPage     *tts_test_visible_page (TtsWindow  *window);
/* The text field of the row titled @title under @widget (an entry or password row), or the
 * field that the label reading @title names (its mnemonic widget), as in "_Address". */
GtkEditable *tts_test_find_entry   (GtkWidget  *widget,
                                    const char *title);
/* The first widget of @type under @widget (or @widget itself), depth first; NULL if none. */
gpointer     tts_test_find_widget  (GtkWidget  *widget,
                                    GType       type);
/* The text of every label under @widget that shows whenever @widget does (it and its parents
 * up to @widget are visible), one per line. */
char        *tts_test_shown_text   (GtkWidget  *widget);
/* The text of every label the user can see under @widget now, one per line. */
char        *tts_test_visible_text (GtkWidget  *widget);

/* A property's value, as a screen reader or a binding reads it. */
gboolean     tts_test_get_boolean  (gpointer    object,
                                    const char *property);
guint        tts_test_get_uint     (gpointer    object,
                                    const char *property);
char        *tts_test_get_string   (gpointer    object,
                                    const char *property);

G_END_DECLS

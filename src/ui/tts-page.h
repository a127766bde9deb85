/* tts-page.h: what every page of the wizard tells the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTS_TYPE_PAGE (tts_page_get_type ())

G_DECLARE_DERIVABLE_TYPE (TtsPage, tts_page, TTS, PAGE, AdwBin)

struct _TtsPageClass
{
  AdwBinClass parent_class;
};

/* "title": shown in the header bar; "complete": the primary action may run;
 * "primary-label": the primary button's text, NULL hides it;
 * "initial-focus": what has the keyboard focus when the page is shown,
 * NULL for the primary action;
 * "summary": what the page says happened (an error, success), read by screen readers
 * with the primary action, which has the focus then. */
const char *tts_page_get_title          (TtsPage    *self);
void        tts_page_set_title          (TtsPage    *self,
                                         const char *title);
gboolean    tts_page_get_complete       (TtsPage    *self);
void        tts_page_set_complete       (TtsPage    *self,
                                         gboolean    complete);
const char *tts_page_get_primary_label  (TtsPage    *self);
void        tts_page_set_primary_label  (TtsPage    *self,
                                         const char *label);
const char *tts_page_get_summary        (TtsPage    *self);
void        tts_page_set_summary        (TtsPage    *self,
                                         const char *summary);
GtkWidget  *tts_page_get_initial_focus  (TtsPage    *self);
void        tts_page_set_initial_focus  (TtsPage    *self,
                                         GtkWidget  *widget);

/* The ways out of the wizard: @uri in the application the user has for it (a web page in
 * their browser), or @file shown in their file manager. If none opens, a toast says @failure.
 * The page's going cancels them. */
void        tts_page_launch_uri         (TtsPage    *self,
                                         const char *uri,
                                         const char *failure);
void        tts_page_show_file          (TtsPage    *self,
                                         GFile      *file,
                                         const char *failure);

G_END_DECLS

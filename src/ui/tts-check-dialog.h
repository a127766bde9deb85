/* tts-check-dialog.h: "is my token still good?" for a file already in the folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TTS_TYPE_CHECK_DIALOG (tts_check_dialog_get_type ())

/* libadwaita 1.5 replaced AdwMessageDialog, a window, with AdwAlertDialog, shown over its parent.
 * Under GTK 4.16 and later AdwMessageDialog also measures its heading narrower than the heading
 * needs, a warning at each layout. Drop the older one when the floor reaches libadwaita 1.5. */
#if ADW_CHECK_VERSION (1, 5, 0)
G_DECLARE_FINAL_TYPE (TtsCheckDialog, tts_check_dialog, TTS, CHECK_DIALOG, AdwAlertDialog)
#else
G_DECLARE_FINAL_TYPE (TtsCheckDialog, tts_check_dialog, TTS, CHECK_DIALOG, AdwMessageDialog)
#endif

/* Checks @file_name in @folder at once: refreshes its token and reads the accounts, then
 * says which accounts it reads or precisely why it fails. @api_uri: NULL for tastytrade's
 * own service (production or sandbox, as the file says), else a test service. */
TtsCheckDialog *tts_check_dialog_new        (GtkWindow      *parent,
                                             GFile          *folder,
                                             const char     *file_name,
                                             const char     *api_uri);
/* Shows the dialog over the window given to tts_check_dialog_new(). "done" and "error"
 * say how the check ended. */
void            tts_check_dialog_present    (TtsCheckDialog *self);

G_END_DECLS

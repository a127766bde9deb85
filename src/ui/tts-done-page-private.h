/* tts-done-page-private.h: for the tests that drive the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-done-page.h"

G_BEGIN_DECLS

/* How long the copied refresh token stays on the clipboard (60 s unless a test says). */
void     tts_done_page_set_clipboard_timeout (TtsDonePage *self,
                                              guint        milliseconds);
/* Whether the page still means to clear a token it copied. */
gboolean tts_done_page_get_clipboard_pending (TtsDonePage *self);

G_END_DECLS

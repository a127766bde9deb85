/* tts-done-page.h: what was saved, what the token can read, how to revoke it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-flow.h"
#include "tts-page.h"

G_BEGIN_DECLS

#define TTS_TYPE_DONE_PAGE (tts_done_page_get_type ())

G_DECLARE_FINAL_TYPE (TtsDonePage, tts_done_page, TTS, DONE_PAGE, TtsPage)

/* Fills the page from a flow in TTS_FLOW_STATE_DONE. */
void tts_done_page_show_result (TtsDonePage *self,
                                TtsFlow     *flow);
/* Forgets the token it shows. */
void tts_done_page_clear       (TtsDonePage *self);

G_END_DECLS

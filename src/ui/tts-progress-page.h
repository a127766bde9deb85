/* tts-progress-page.h: the work after sign-in, and what went wrong
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-flow.h"
#include "tts-page.h"

G_BEGIN_DECLS

#define TTS_TYPE_PROGRESS_PAGE (tts_progress_page_get_type ())

G_DECLARE_FINAL_TYPE (TtsProgressPage, tts_progress_page, TTS, PROGRESS_PAGE, TtsPage)

/* Shows the step being worked on, or for TTS_FLOW_STATE_FAILED the error with its remedy. */
void tts_progress_page_show (TtsProgressPage *self,
                             TtsFlowState     state,
                             const GError    *error);
/* While the sign-in happens in the user's own browser (no view in the window): says so,
 * with the address to open should no browser have opened. */
void tts_progress_page_show_browser_wait (TtsProgressPage *self,
                                          const char      *authorize_uri);

G_END_DECLS

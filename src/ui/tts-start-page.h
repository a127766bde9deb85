/* tts-start-page.h: what to prepare, which service, which way in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-environment.h"
#include "tts-page.h"

G_BEGIN_DECLS

#define TTS_TYPE_START_PAGE (tts_start_page_get_type ())

G_DECLARE_FINAL_TYPE (TtsStartPage, tts_start_page, TTS, START_PAGE, TtsPage)

TtsEnvironmentKind  tts_start_page_get_environment_kind   (TtsStartPage       *self);
void                tts_start_page_set_environment_kind   (TtsStartPage       *self,
                                                           TtsEnvironmentKind  kind);
gboolean            tts_start_page_get_use_refresh_token  (TtsStartPage       *self);
void                tts_start_page_set_use_refresh_token  (TtsStartPage       *self,
                                                           gboolean            use_refresh_token);
/* What the page shows as the address to register, and a note when tests point the program
 * at another service (@custom_service NULL for tastytrade itself). */
void                tts_start_page_set_service            (TtsStartPage       *self,
                                                           const char         *redirect_uri,
                                                           const char         *manage_uri,
                                                           const char         *custom_service);

G_END_DECLS

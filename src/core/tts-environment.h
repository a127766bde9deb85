/* tts-environment.h: production or sandbox, and every URL that follows from it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_DEFAULT_REDIRECT_URI "http://localhost:8000"

typedef enum
{
  TTS_ENVIRONMENT_PRODUCTION,
  TTS_ENVIRONMENT_SANDBOX,
} TtsEnvironmentKind;

#define TTS_TYPE_ENVIRONMENT (tts_environment_get_type ())

G_DECLARE_FINAL_TYPE (TtsEnvironment, tts_environment, TTS, ENVIRONMENT, GObject)

/* Any override may be NULL to keep the kind's default. The overrides exist to point the
 * program at a test or mock service; the redirect URI must be http on a loopback host
 * with an explicit port and no path, query or fragment. */
TtsEnvironment     *tts_environment_new                  (TtsEnvironmentKind  kind,
                                                          const char         *auth_uri,
                                                          const char         *api_uri,
                                                          const char         *redirect_uri,
                                                          GError            **error);
TtsEnvironmentKind  tts_environment_get_kind             (TtsEnvironment     *self);
const char         *tts_environment_get_auth_uri         (TtsEnvironment     *self);
const char         *tts_environment_get_api_uri          (TtsEnvironment     *self);
const char         *tts_environment_get_redirect_uri     (TtsEnvironment     *self);
const char         *tts_environment_get_manage_uri       (TtsEnvironment     *self);
guint               tts_environment_get_redirect_port    (TtsEnvironment     *self);
gboolean            tts_environment_is_custom            (TtsEnvironment     *self);

G_END_DECLS

/* tts-credential.h: checking a pasted client ID, client secret or refresh token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TTS_CREDENTIAL_CLIENT_ID,
  TTS_CREDENTIAL_CLIENT_SECRET,
  TTS_CREDENTIAL_REFRESH_TOKEN,
} TtsCredentialKind;

/* Returns @text without surrounding white space, or NULL with TTS_ERROR_INVALID_INPUT and a
 * sentence naming the field when it is empty or has inner white space or a line break (the
 * sign of a paste that caught more than the value). */
char *tts_credential_normalize (TtsCredentialKind   kind,
                                const char         *text,
                                GError            **error);

G_END_DECLS

/* tts-credential.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tts-credential.h"
#include "tts-error.h"
#include "tts-wipe.h"

typedef enum
{
  PROBLEM_EMPTY,
  PROBLEM_LINE_BREAK,
  PROBLEM_SPACE,
  PROBLEM_NOT_TEXT,
} Problem;

/* Whole sentences for each field, so that translators never assemble fragments. */
static const char *
describe (TtsCredentialKind kind,
          Problem           problem)
{
  switch (kind)
    {
    case TTS_CREDENTIAL_CLIENT_ID:
      switch (problem)
        {
        case PROBLEM_EMPTY: return _("Enter the Client ID.");
        case PROBLEM_LINE_BREAK: return _("The Client ID contains a line break. Copy only the ID itself.");
        case PROBLEM_SPACE: return _("The Client ID contains a space. Copy only the ID itself.");
        case PROBLEM_NOT_TEXT: default: return _("The Client ID contains characters that are not text.");
        }
    case TTS_CREDENTIAL_CLIENT_SECRET:
      switch (problem)
        {
        case PROBLEM_EMPTY: return _("Enter the Client Secret.");
        case PROBLEM_LINE_BREAK: return _("The Client Secret contains a line break. Copy only the secret itself.");
        case PROBLEM_SPACE: return _("The Client Secret contains a space. Copy only the secret itself.");
        case PROBLEM_NOT_TEXT: default: return _("The Client Secret contains characters that are not text.");
        }
    case TTS_CREDENTIAL_REFRESH_TOKEN:
    default:
      switch (problem)
        {
        case PROBLEM_EMPTY: return _("Enter the refresh token.");
        case PROBLEM_LINE_BREAK: return _("The refresh token contains a line break. Copy only the token itself.");
        case PROBLEM_SPACE: return _("The refresh token contains a space. Copy only the token itself.");
        case PROBLEM_NOT_TEXT: default: return _("The refresh token contains characters that are not text.");
        }
    }
}

char *
tts_credential_normalize (TtsCredentialKind   kind,
                          const char         *text,
                          GError            **error)
{
  g_autofree char *value = NULL;

  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT, describe (kind, PROBLEM_NOT_TEXT));
      return NULL;
    }

  value = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (value[0] == '\0')
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT, describe (kind, PROBLEM_EMPTY));
      return NULL;
    }

  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      Problem problem;

      if (c == '\n' || c == '\r')
        problem = PROBLEM_LINE_BREAK;
      /* Zero-width spaces and byte order marks also ride along with pasted text. */
      else if (g_unichar_isspace (c) || c == 0x200B || c == 0xFEFF)
        problem = PROBLEM_SPACE;
      else if (g_unichar_iscntrl (c))
        problem = PROBLEM_NOT_TEXT;
      else
        continue;

      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT, describe (kind, problem));
      /* The caller's copy may be a secret: do not leave ours behind. */
      tts_wipe (value, strlen (value));
      return NULL;
    }

  return g_steal_pointer (&value);
}

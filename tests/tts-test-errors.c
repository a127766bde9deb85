/* tts-test-errors.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-test-errors.h"

void
tts_test_assert_plain_error (const GError       *error,
                             TtsErrorCode        code,
                             const char * const *secrets)
{
  g_autoptr(GError) generic = g_error_new_literal (TTS_ERROR, TTS_ERROR_FAILED, "");
  const char *message;
  const char *remedy;

  g_assert_error ((GError *) error, TTS_ERROR, (int) code);
  message = error->message;
  g_test_message ("Message: %s", message);

  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (g_utf8_strlen (message, -1), >, 10);
  g_assert_cmpuint (g_utf8_strlen (message, -1), <, 400);
  /* A sentence: a capital (or the brand, which is lower case) to a full stop or quote. */
  g_assert_true (g_unichar_isupper (g_utf8_get_char (message)) ||
                 g_str_has_prefix (message, "tastytrade"));
  g_assert_true (g_str_has_suffix (message, ".") || g_str_has_suffix (message, "”"));
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  /* Nothing of a web page: the window shows this in labels that parse Pango markup. */
  g_assert_null (strpbrk (message, "<>"));
  g_assert_null (strstr (message, "html"));
  g_assert_null (strstr (message, "nginx"));

  remedy = tts_error_get_remedy (error);
  g_test_message ("Next step: %s", remedy);
  g_assert_nonnull (remedy);
  g_assert_true (g_str_has_suffix (remedy, "."));
  if (code != TTS_ERROR_FAILED)
    g_assert_cmpstr (remedy, !=, tts_error_get_remedy (generic));

  for (; secrets != NULL && *secrets != NULL; secrets++)
    {
      g_assert_null (strstr (message, *secrets));
      g_assert_null (strstr (remedy, *secrets));
    }
}

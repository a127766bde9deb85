/* fuzz-token-response.c: what the token endpoint and the accounts list send back
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds arbitrary bytes, exactly as long as the body, to tts_tokens_new_from_json() and
 * tts_account_list_new_from_json(): both see whatever a server, a proxy or a captive portal
 * answers. Either parser returns a well-formed result or TTS_ERROR_PROTOCOL, never both.
 */

#include "config.h"

#include "tts-account.h"
#include "tts-error.h"
#include "tts-tokens.h"

#include "fuzz-target.h"

static void
check_tokens (const char *data,
              gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(TtsTokens) copy = NULL;

  tokens = tts_tokens_new_from_json (data, size, &error);
  if (tokens == NULL)
    {
      g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (tokens->access_token);
  g_assert_cmpstr (tokens->access_token, !=, "");
  /* Text, or .secrets could not hold it (json-glib lets lone surrogates through). */
  g_assert_true (g_utf8_validate (tokens->access_token, -1, NULL));
  g_assert_true (tokens->refresh_token == NULL
                 || g_utf8_validate (tokens->refresh_token, -1, NULL));
  g_assert_true (tokens->token_type == NULL || g_utf8_validate (tokens->token_type, -1, NULL));
  /* An empty refresh token counts as none: it must never be saved. */
  g_assert_true (tokens->refresh_token == NULL || tokens->refresh_token[0] != '\0');
  g_assert_cmpint (tokens->expires_in, >=, 0);

  copy = tts_tokens_copy (tokens);
  g_assert_cmpstr (copy->access_token, ==, tokens->access_token);
  g_assert_cmpstr (copy->refresh_token, ==, tokens->refresh_token);
  g_assert_cmpstr (copy->token_type, ==, tokens->token_type);
  g_assert_cmpint (copy->expires_in, ==, tokens->expires_in);
}

static void
check_accounts (const char *data,
                gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  accounts = tts_account_list_new_from_json (data, size, &error);
  if (accounts == NULL)
    {
      g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
      return;
    }

  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    {
      TtsAccount *account = accounts->pdata[i];
      const char *number;

      g_assert_true (TTS_IS_ACCOUNT (account));
      /* An account without a number is dropped: the user could not recognise it. */
      number = tts_account_get_number (account);
      g_assert_nonnull (number);
      g_assert_cmpstr (number, !=, "");
      /* The rest is shown as is: it must at least be text. */
      g_assert_true (g_utf8_validate (number, -1, NULL));
      g_assert_true (tts_account_get_nickname (account) == NULL
                     || g_utf8_validate (tts_account_get_nickname (account), -1, NULL));
      g_assert_true (tts_account_get_type_name (account) == NULL
                     || g_utf8_validate (tts_account_get_type_name (account), -1, NULL));
      g_assert_true (tts_account_get_authority (account) == NULL
                     || g_utf8_validate (tts_account_get_authority (account), -1, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;

  if (!initialized)
    {
      fuzz_make_warnings_fatal ();
      initialized = TRUE;
    }

  /* No NUL after the body: a parser that reads past its length is caught by ASan. */
  check_tokens ((const char *) data, size);
  check_accounts ((const char *) data, size);

  return 0;
}

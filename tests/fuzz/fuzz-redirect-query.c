/* fuzz-redirect-query.c: the redirect's query, as any program on this computer could send it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds arbitrary bytes to tts_auth_request_parse_query() and tts_auth_request_parse_redirect(),
 * as a bare query, as a whole URI and behind the real redirect URI, and to
 * tts_auth_request_parse_pasted() as a user would paste them. The state is 256 random
 * bits, which a fuzzer does not guess: each "@STATE@" in the input becomes the request's
 * state, which lets it reach the trusted branches (error=, code=, error_description=) and keeps
 * every crash reproducible. The same input with the placeholder left as it is must never be
 * trusted, unless it holds the state itself: libFuzzer can learn it from the parser's
 * comparisons (it did, in CI).
 */

#include "config.h"

#include <string.h>

#include "tts-auth-request.h"
#include "tts-error.h"
#include "tts-wipe.h"

#include "fuzz-target.h"

#define STATE_PLACEHOLDER "@STATE@"

static TtsAuthRequest *
get_request (void)
{
  static TtsAuthRequest *request;

  if (request == NULL)
    {
      g_autoptr(TtsEnvironment) environment = NULL;
      g_autoptr(GError) error = NULL;

      fuzz_make_warnings_fatal ();
      environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      request = tts_auth_request_new (environment, "fuzz-client-id", &error);
      g_assert_no_error (error);
    }

  return request;
}

static gboolean
has_control_characters (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;

  return FALSE;
}

static void
check_result (TtsRedirectResult  result,
              const char        *code,
              const GError      *error,
              gboolean           may_be_trusted,
              gboolean           may_be_not_ours)
{
  switch (result)
    {
    case TTS_REDIRECT_CODE:
      /* Only a query that carries our state may produce a code. */
      g_assert_true (may_be_trusted);
      g_assert_no_error (error);
      g_assert_nonnull (code);
      g_assert_cmpstr (code, !=, "");
      g_assert_true (g_utf8_validate (code, -1, NULL));
      break;

    case TTS_REDIRECT_REJECTED:
      g_assert_null (code);
      g_assert_nonnull (error);
      g_assert_true (error->domain == TTS_ERROR);
      if (!may_be_trusted)
        g_assert_error (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH);
      else
        g_assert_true (error->code == TTS_ERROR_STATE_MISMATCH
                       || error->code == TTS_ERROR_ACCESS_DENIED
                       || error->code == TTS_ERROR_AUTHORIZATION_FAILED
                       || error->code == TTS_ERROR_PROTOCOL);
      /* The message is shown in the window, and may quote the server: text, one line. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_false (has_control_characters (error->message));
      break;

    case TTS_REDIRECT_NOT_OURS:
      g_assert_true (may_be_not_ours);
      g_assert_null (code);
      g_assert_no_error (error);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
parse_query (const char *query,
             gboolean    may_be_trusted)
{
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) error = NULL;
  TtsRedirectResult result;

  result = tts_auth_request_parse_query (get_request (), query, &code, &error);
  check_result (result, code, error, may_be_trusted, FALSE);
}

static void
parse_redirect (const char *uri,
                gboolean    may_be_trusted)
{
  TtsAuthRequest *request = get_request ();
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) error = NULL;
  TtsRedirectResult result;

  result = tts_auth_request_parse_redirect (request, uri, &code, &error);
  check_result (result, code, error, may_be_trusted, TRUE);
  /* Not ours exactly when the URI is not the redirect URI: decided by one parser. */
  g_assert_true ((result == TTS_REDIRECT_NOT_OURS) == !tts_auth_request_is_redirect (request, uri));
}

/* What a user pastes gives a code only beside our state (a bare code may be anyone's), never
 * answers "not ours", and a code it gives is one line of visible text. */
static void
parse_pasted (const char *text)
{
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) error = NULL;
  TtsRedirectResult result;

  result = tts_auth_request_parse_pasted (get_request (), text, &code, &error);
  if (result == TTS_REDIRECT_CODE)
    {
      g_assert_no_error (error);
      g_assert_nonnull (code);
      g_assert_cmpstr (code, !=, "");
      g_assert_true (g_utf8_validate (code, -1, NULL));
      {
        /* The state may come percent-encoded. */
        g_autofree char *unescaped = g_uri_unescape_string (text, NULL);
        const char *state = tts_auth_request_get_state (get_request ());

        g_assert_true (strstr (text, state) != NULL ||
                       (unescaped != NULL && strstr (unescaped, state) != NULL));
      }
      return;
    }

  g_assert_cmpint (result, ==, TTS_REDIRECT_REJECTED);
  g_assert_null (code);
  g_assert_nonnull (error);
  g_assert_true (error->domain == TTS_ERROR);
  g_assert_true (error->code == TTS_ERROR_INVALID_INPUT
                 || error->code == TTS_ERROR_STATE_MISMATCH
                 || error->code == TTS_ERROR_ACCESS_DENIED
                 || error->code == TTS_ERROR_AUTHORIZATION_FAILED);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_false (has_control_characters (error->message));
}

/* Whether @text holds our state, plainly or percent-encoded: libFuzzer learns the bytes the
 * parser compares with, so the state can turn up in an input without the placeholder. */
static gboolean
mentions_state (const char *text)
{
  const char *state = tts_auth_request_get_state (get_request ());
  g_autoptr(GString) decoded = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      int high = p[0] == '%' ? g_ascii_xdigit_value (p[1]) : -1;
      int low = high >= 0 ? g_ascii_xdigit_value (p[2]) : -1;

      if (low >= 0)
        {
          g_string_append_c (decoded, (char) (high * 16 + low));
          p += 2;
        }
      else
        g_string_append_c (decoded, *p);
    }

  return strstr (text, state) != NULL || strstr (decoded->str, state) != NULL;
}

static void
parse_all (const char *text,
           gboolean    may_be_trusted)
{
  g_autofree char *behind_redirect_uri = NULL;

  parse_query (text, may_be_trusted);
  parse_redirect (text, may_be_trusted);
  parse_pasted (text);

  /* As tastytrade sends it: http://localhost:8000?code=…&state=… */
  behind_redirect_uri = g_strconcat (tts_auth_request_get_redirect_uri (get_request ()), "?",
                                     text, NULL);
  parse_redirect (behind_redirect_uri, may_be_trusted);
}

/* Past the length limit nothing is trusted, our state or not. */
static void
check_too_long (const char *query)
{
  g_autoptr(TtsSecret) code = NULL;
  g_autoptr(GError) error = NULL;
  GString *padded = g_string_new (query);
  TtsRedirectResult result;
  gsize start;

  g_string_append (padded, "&pad=");
  start = padded->len;
  if (start <= TTS_AUTH_MAX_QUERY_LENGTH)
    {
      g_string_set_size (padded, TTS_AUTH_MAX_QUERY_LENGTH + 1);
      memset (padded->str + start, 'x', padded->len - start);
    }

  result = tts_auth_request_parse_query (get_request (), padded->str, &code, &error);
  g_assert_cmpint (result, ==, TTS_REDIRECT_REJECTED);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH);
  g_assert_null (code);

  g_string_free (padded, TRUE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  TtsAuthRequest *request = get_request ();
  GString *text = g_string_sized_new (size);
  gboolean has_placeholder;

  /* A query reaches the parser as a C string: NUL-free. Drop the NULs rather than stop at
   * the first, so every byte of the input still counts. */
  for (size_t i = 0; i < size; i++)
    if (data[i] != '\0')
      g_string_append_c (text, (char) data[i]);

  /* As sent: nothing may be trusted, unless the fuzzer found the state itself. */
  parse_all (text->str, mentions_state (text->str));

  has_placeholder = strstr (text->str, STATE_PLACEHOLDER) != NULL;
  if (has_placeholder)
    {
      g_string_replace (text, STATE_PLACEHOLDER, tts_auth_request_get_state (request), 0);
      parse_all (text->str, TRUE);
      check_too_long (text->str);
    }

  /* Valid UTF-8, as a browser would more likely send it. */
  if (!g_utf8_validate (text->str, text->len, NULL))
    {
      g_autofree char *valid = g_utf8_make_valid (text->str, text->len);

      parse_all (valid, has_placeholder || mentions_state (valid));
    }

  g_string_free (text, TRUE);

  return 0;
}

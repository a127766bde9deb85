/* test-auth-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-auth-request.h"
#include "tts-error.h"

static TtsAuthRequest *
new_request (const char *client_id)
{
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(GError) error = NULL;
  TtsAuthRequest *request;

  environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  request = tts_auth_request_new (environment, client_id, &error);
  g_assert_no_error (error);

  return request;
}

static void
test_state (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      char *state = tts_auth_request_generate_state (32, &error);

      g_assert_no_error (error);
      /* 256 bits as unpadded base64url */
      g_assert_cmpuint (strlen (state), ==, 43);
      for (const char *p = state; *p; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
      g_assert_false (g_hash_table_contains (seen, state));
      g_hash_table_add (seen, state);
    }
}

static void
test_uri (void)
{
  g_autoptr(TtsAuthRequest) request = new_request ("id with&odd=chars");
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;

  uri = g_uri_parse (tts_auth_request_get_uri (request), G_URI_FLAGS_ENCODED_QUERY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "https");
  g_assert_cmpstr (g_uri_get_host (uri), ==, "my.tastytrade.com");
  g_assert_cmpstr (g_uri_get_path (uri), ==, "/auth.html");

  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (params), ==, 5);
  g_assert_cmpstr (g_hash_table_lookup (params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (params, "client_id"), ==, "id with&odd=chars");
  g_assert_cmpstr (g_hash_table_lookup (params, "redirect_uri"), ==, "http://localhost:8000");
  g_assert_cmpstr (g_hash_table_lookup (params, "scope"), ==, "read");
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, tts_auth_request_get_state (request));

  /* Two requests never share a state. */
  {
    g_autoptr(TtsAuthRequest) other = new_request ("x");

    g_assert_cmpstr (tts_auth_request_get_state (request), !=, tts_auth_request_get_state (other));
  }
}

static void
test_is_redirect (void)
{
  g_autoptr(TtsAuthRequest) request = new_request ("client");
  static const char *yes[] = {
    "http://localhost:8000",
    "http://localhost:8000/",
    "http://localhost:8000?code=a&state=b",
    "http://localhost:8000/?code=a&state=b",
    "HTTP://LOCALHOST:8000/?code=a",
    "http://localhost:8000/#fragment",
    /* Not valid percent-encoding after the path: still the redirect URI, to be blocked. */
    "http://localhost:8000/?code=%ZZ&state=b",
    "http://localhost:8000?code=%",
    "http://localhost:8000/#%ZZ",
  };
  static const char *no[] = {
    "https://localhost:8000/?code=a",
    "http://localhost:8001/?code=a",
    "http://localhost/?code=a",
    "http://127.0.0.1:8000/?code=a",
    "http://localhost:8000.evil.example/?code=a",
    "http://localhost:8000@evil.example/?code=a",
    "http://user@localhost:8000/?code=a",
    "http://evil.example/?next=http://localhost:8000",
    "http://evil.example/http://localhost:8000/",
    "http://localhost:8000/callback?code=a",
    "http://localhost:8000//?code=a",
    "http://localhost.:8000/?code=a",
    "about:blank",
    "javascript:alert(1)",
    "not a uri",
    "",
    NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (tts_auth_request_is_redirect (request, yes[i]));
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    {
      if (tts_auth_request_is_redirect (request, no[i]))
        g_error ("taken for the redirect: %s", no[i]);
    }
}

typedef struct
{
  const char        *query;      /* {S} stands for the right state */
  TtsRedirectResult  result;
  int                error_code; /* -1: no error */
  const char        *code;
} ParseCase;

static void
test_parse (void)
{
  g_autoptr(TtsAuthRequest) request = new_request ("client");
  const char *state = tts_auth_request_get_state (request);
  static const ParseCase cases[] = {
    { "code=abc&state={S}", TTS_REDIRECT_CODE, -1, "abc" },
    { "state={S}&code=abc", TTS_REDIRECT_CODE, -1, "abc" },
    /* Encoded values are decoded; the & inside stays part of the code. */
    { "code=a%26b%3Dc%2Bd&state={S}", TTS_REDIRECT_CODE, -1, "a&b=c+d" },
    /* Unknown keys are ignored. */
    { "code=abc&state={S}&session_state=x&iss=y", TTS_REDIRECT_CODE, -1, "abc" },
    { "code=abc&code=def&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_PROTOCOL, NULL },
    { "code=&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_PROTOCOL, NULL },
    { "state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_PROTOCOL, NULL },
    { "error=access_denied&error_description=User+said+no&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_ACCESS_DENIED, NULL },
    { "error=server_error&error_description=Down&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_AUTHORIZATION_FAILED, NULL },
    { "error=invalid_scope&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_AUTHORIZATION_FAILED, NULL },
    /* Without our exact state nothing counts, errors included. */
    { "code=abc", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "code=abc&state=wrong", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "code=abc&state={S}x", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "code=abc&state={S}&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "code=abc&state=", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "error=access_denied", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "code=%ZZ&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "code=a%00b&state={S}", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
    { "&&&===&", TTS_REDIRECT_REJECTED, TTS_ERROR_STATE_MISMATCH, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(GStrv) parts = g_strsplit (cases[i].query, "{S}", -1);
      g_autofree char *query = g_strjoinv (state, parts);
      g_autoptr(GError) error = NULL;
      g_autofree char *code = NULL;
      TtsRedirectResult result;

      g_test_message ("query: %s", cases[i].query);
      result = tts_auth_request_parse_query (request, query, &code, &error);
      g_assert_cmpint (result, ==, cases[i].result);
      if (cases[i].error_code < 0)
        g_assert_no_error (error);
      else
        g_assert_error (error, TTS_ERROR, cases[i].error_code);
      g_assert_cmpstr (code, ==, cases[i].code);
    }
}

static void
test_parse_huge (void)
{
  g_autoptr(TtsAuthRequest) request = new_request ("client");
  g_autoptr(GString) query = g_string_new ("code=");
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (query, 'a');
  g_string_append_printf (query, "&state=%s", tts_auth_request_get_state (request));

  g_assert_cmpint (tts_auth_request_parse_query (request, query->str, &code, &error), ==,
                   TTS_REDIRECT_REJECTED);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH);
  g_assert_null (code);
}

static void
test_parse_redirect (void)
{
  g_autoptr(TtsAuthRequest) request = new_request ("client");
  g_autofree char *good = g_strdup_printf ("http://localhost:8000?code=xyz&state=%s",
                                           tts_auth_request_get_state (request));
  g_autofree char *elsewhere = g_strdup_printf ("http://localhost:8000.evil.example/?code=xyz&state=%s",
                                                tts_auth_request_get_state (request));
  g_autofree char *malformed = g_strdup_printf ("http://localhost:8000/?code=%%ZZ&state=%s",
                                                tts_auth_request_get_state (request));
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpint (tts_auth_request_parse_redirect (request, good, &code, &error), ==, TTS_REDIRECT_CODE);
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "xyz");
  g_clear_pointer (&code, g_free);

  g_assert_cmpint (tts_auth_request_parse_redirect (request, elsewhere, &code, &error), ==,
                   TTS_REDIRECT_NOT_OURS);
  g_assert_no_error (error);
  g_assert_null (code);

  /* Unreadable, even with our state in it: not an answer to this request. */
  g_assert_cmpint (tts_auth_request_parse_redirect (request, malformed, &code, &error), ==,
                   TTS_REDIRECT_REJECTED);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH);
  g_assert_null (code);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/auth-request/state", test_state);
  g_test_add_func ("/auth-request/uri", test_uri);
  g_test_add_func ("/auth-request/is-redirect", test_is_redirect);
  g_test_add_func ("/auth-request/parse", test_parse);
  g_test_add_func ("/auth-request/parse-huge", test_parse_huge);
  g_test_add_func ("/auth-request/parse-redirect", test_parse_redirect);

  return g_test_run ();
}

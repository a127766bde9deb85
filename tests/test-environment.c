/* test-environment.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-environment.h"
#include "tts-error.h"

static void
test_defaults (void)
{
  g_autoptr(TtsEnvironment) production = NULL;
  g_autoptr(TtsEnvironment) sandbox = NULL;
  g_autoptr(GError) error = NULL;

  production = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tts_environment_get_auth_uri (production), ==, "https://my.tastytrade.com/auth.html");
  g_assert_cmpstr (tts_environment_get_api_uri (production), ==, "https://api.tastyworks.com");
  g_assert_cmpstr (tts_environment_get_redirect_uri (production), ==, "http://localhost:8000");
  g_assert_cmpuint (tts_environment_get_redirect_port (production), ==, 8000);
  g_assert_false (tts_environment_is_custom (production));

  sandbox = tts_environment_new (TTS_ENVIRONMENT_SANDBOX, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tts_environment_get_auth_uri (sandbox), ==, "https://cert-my.staging-tasty.works/auth.html");
  g_assert_cmpstr (tts_environment_get_api_uri (sandbox), ==, "https://api.cert.tastyworks.com");
  g_assert_cmpstr (tts_environment_get_redirect_uri (sandbox), ==, "http://localhost:8000");
  g_assert_cmpint (tts_environment_get_kind (sandbox), ==, TTS_ENVIRONMENT_SANDBOX);
  g_assert_true (g_str_has_prefix (tts_environment_get_manage_uri (sandbox), "https://cert-my."));
}

static void
test_overrides (void)
{
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(GError) error = NULL;

  environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION,
                                     "http://127.0.0.1:4000/auth.html",
                                     "http://127.0.0.1:4000",
                                     "http://localhost:4567/",
                                     &error);
  g_assert_no_error (error);
  g_assert_true (tts_environment_is_custom (environment));
  g_assert_cmpstr (tts_environment_get_auth_uri (environment), ==, "http://127.0.0.1:4000/auth.html");
  g_assert_cmpstr (tts_environment_get_api_uri (environment), ==, "http://127.0.0.1:4000");
  /* Kept byte for byte, trailing slash included. */
  g_assert_cmpstr (tts_environment_get_redirect_uri (environment), ==, "http://localhost:4567/");
  g_assert_cmpuint (tts_environment_get_redirect_port (environment), ==, 4567);
}

static void
test_bad_redirect_uris (void)
{
  static const char *bad[] = {
    "https://localhost:8000",
    "http://localhost",
    "http://example.com:8000",
    "http://localhost:8000/callback",
    "http://localhost:8000/?x=1",
    "http://localhost:8000/#top",
    "http://user@localhost:8000",
    "http://localhost:8000.evil.example/",
    "localhost:8000",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TtsEnvironment) environment = NULL;
      g_autoptr(GError) error = NULL;

      environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, NULL, bad[i], &error);
      g_assert_null (environment);
      g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
    }
}

static void
test_bad_service_uris (void)
{
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(GError) error = NULL;

  environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, "ftp://example.com/", NULL, NULL, &error);
  g_assert_null (environment);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, "not a uri", NULL, &error);
  g_assert_null (environment);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/environment/defaults", test_defaults);
  g_test_add_func ("/environment/overrides", test_overrides);
  g_test_add_func ("/environment/bad-redirect-uris", test_bad_redirect_uris);
  g_test_add_func ("/environment/bad-service-uris", test_bad_service_uris);

  return g_test_run ();
}

/* test-market-check.c: TtsMarketCheck, TtsDxlinkClient and what they parse, against the
 * in-process fake tastytrade and a scripted DXLink server
 *
 * A saved setup is checked first (TtsSetupCheck), as --check and the done page do; the
 * market check starts from the access token that check read the accounts with.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tts-dxlink-client.h"
#include "tts-error.h"
#include "tts-fake-tastytrade.h"
#include "tts-market-check.h"
#include "tts-option-chain.h"
#include "tts-quote-token.h"
#include "tts-secrets-file.h"
#include "tts-setup-check-private.h"
#include "tts-test-files.h"

#define CLIENT_ID      "market-client-id"
#define CLIENT_SECRET  "market-secret-7c2e9a4b1d"
#define REDIRECT_URI   "http://localhost:8000"
#define USER_AGENT     "tastytrade-setup/test"
#define TOKEN_PATH     "/oauth/token"
#define QUOTE_TOKEN_PATH "/api-quote-tokens"

/* Everything the core logged, to look for secrets in. */
static GString *core_log;

static void
core_log_handler (const char     *log_domain,
                  GLogLevelFlags  log_level,
                  const char     *message,
                  gpointer        user_data)
{
  g_string_append (core_log, message);
  g_string_append_c (core_log, '\n');

  if (!(log_level & G_LOG_LEVEL_DEBUG))
    g_log_default_handler (log_domain, log_level, message, user_data);
}

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *folder;
  TtsSecretsFile    *file;
  TtsSetupCheck     *setup_check;
  TtsMarketCheck    *check;
} Fixture;

typedef struct
{
  gboolean   done;
  gpointer   result;
  GError    *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_error (&outcome->error);
  outcome->result = NULL;
  outcome->done = FALSE;
}

static void
wait_for (Outcome *outcome)
{
  while (!outcome->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
setup_check_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Outcome *outcome = user_data;

  tts_setup_check_run_finish (TTS_SETUP_CHECK (object), result, &outcome->error);
  outcome->done = TRUE;
}

static void
chain_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = tts_market_check_read_chain_finish (TTS_MARKET_CHECK (object), result,
                                                        &outcome->error);
  outcome->done = TRUE;
}

static void
quote_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = tts_market_check_read_quote_finish (TTS_MARKET_CHECK (object), result,
                                                        &outcome->error);
  outcome->done = TRUE;
}

/* Writes a saved setup, checks it, and makes the market check from that check. */
static void
check_saved_setup (Fixture  *fixture,
                   gboolean  sandbox)
{
  g_autofree char *refresh_token = NULL;
  g_autofree char *content = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };

  refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  content = g_strdup_printf ("TT_API_CLIENT_ID=%s\nTT_API_CLIENT_SECRET=%s\n"
                             "TT_REFRESH_TOKEN=%s\n%s",
                             CLIENT_ID, CLIENT_SECRET, refresh_token,
                             sandbox ? "TT_SANDBOX=true\n" : "");
  path = g_build_filename (fixture->folder, TTS_SECRETS_FILE_NAME, NULL);
  g_assert_true (g_file_set_contents_full (path, content, -1, G_FILE_SET_CONTENTS_NONE, 0600,
                                           &error));
  g_assert_no_error (error);

  folder = g_file_new_for_path (fixture->folder);
  fixture->file = tts_secrets_file_new (folder);
  fixture->setup_check = tts_setup_check_new (fixture->file,
                                              tts_fake_tastytrade_get_api_uri (fixture->fake),
                                              USER_AGENT);
  g_object_set (fixture->setup_check, "timeout", 10, "retry-delay", 1, NULL);
  tts_setup_check_run_async (fixture->setup_check, NULL, setup_check_cb, &outcome);
  wait_for (&outcome);
  g_assert_no_error (outcome.error);

  fixture->check = tts_setup_check_new_market_check (fixture->setup_check);
  g_assert_true (TTS_IS_MARKET_CHECK (fixture->check));
  g_assert_cmpint (tts_market_check_get_sandbox (fixture->check), ==, sandbox);
  g_object_set (fixture->check, "quote-timeout", 5, NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI);

  fixture->folder = g_dir_make_tmp ("tts-market-XXXXXX", &error);
  g_assert_no_error (error);

  g_string_truncate (core_log, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->check);
  g_clear_object (&fixture->setup_check);
  g_clear_object (&fixture->file);
  g_clear_object (&fixture->fake);
  tts_test_remove_tree (fixture->folder);
  g_clear_pointer (&fixture->folder, g_free);
}

static void
assert_no_secret_logged (Fixture *fixture)
{
  g_autoptr(GPtrArray) secrets = tts_fake_tastytrade_dup_secrets (fixture->fake, CLIENT_SECRET);

  for (guint i = 0; i + 1 < secrets->len; i++)
    {
      const char *secret = g_ptr_array_index (secrets, i);

      g_assert_cmpuint (strlen (secret), >, 0);
      if (strstr (core_log->str, secret) != NULL)
        g_error ("A secret was logged: secret #%u", i);
    }
}

static gboolean
log_has_quote_token (Fixture *fixture)
{
  GPtrArray *messages = tts_fake_tastytrade_get_dxlink_messages (fixture->fake);

  /* The AUTH message the fake received carries the quote token: it must be one the fake
   * issued, and so one dup_secrets() lists. */
  for (guint i = 0; i < messages->len; i++)
    {
      if (strstr (g_ptr_array_index (messages, i), "\"AUTH\"") != NULL)
        return TRUE;
    }

  return FALSE;
}

static TtsQuote *
read_quote (Fixture  *fixture,
            GError  **error)
{
  Outcome outcome = { 0 };

  tts_market_check_read_quote_async (fixture->check, NULL, quote_cb, &outcome);
  wait_for (&outcome);
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);

  return outcome.result;
}

static TtsOptionChain *
read_chain (Fixture  *fixture,
            GError  **error)
{
  Outcome outcome = { 0 };

  tts_market_check_read_chain_async (fixture->check, NULL, chain_cb, &outcome);
  wait_for (&outcome);
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);

  return outcome.result;
}

/* Until the fake has seen every DXLink connection end. */
static void
wait_for_dxlink_closed (Fixture *fixture)
{
  while (tts_fake_tastytrade_get_dxlink_open (fixture->fake) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static guint
index_of_message (Fixture    *fixture,
                  const char *type)
{
  GPtrArray *messages = tts_fake_tastytrade_get_dxlink_messages (fixture->fake);
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);

  for (guint i = 0; i < messages->len; i++)
    {
      if (strstr (g_ptr_array_index (messages, i), needle) != NULL)
        return i;
    }

  return G_MAXUINT;
}

/* With the fake service */

static void
test_live (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *chain_text = NULL;
  g_autofree char *quote_text = NULL;
  g_autofree char *expected_end = NULL;
  Outcome chain_outcome = { 0 };
  Outcome quote_outcome = { 0 };

  check_saved_setup (fixture, FALSE);

  /* Side by side, as the done page runs them. */
  tts_market_check_read_chain_async (fixture->check, NULL, chain_cb, &chain_outcome);
  tts_market_check_read_quote_async (fixture->check, NULL, quote_cb, &quote_outcome);
  wait_for (&chain_outcome);
  wait_for (&quote_outcome);
  g_assert_no_error (chain_outcome.error);
  g_assert_no_error (quote_outcome.error);
  chain = chain_outcome.result;
  quote = quote_outcome.result;

  g_assert_cmpstrv (chain->roots, ((const char * const[]) { "SPX", "SPXW", NULL }));
  g_assert_cmpuint (chain->n_expirations, ==, 42);
  chain_text = tts_option_chain_describe (chain);
  g_assert_cmpstr (chain_text, ==, "Readable: SPX and SPXW, 42 expirations");

  g_assert_cmpstr (quote->symbol, ==, "SPX");
  g_assert_cmpfloat_with_epsilon (quote->bid_price, 5910.10, 0.001);
  g_assert_cmpfloat_with_epsilon (quote->ask_price, 5911.30, 0.001);
  g_assert_cmpstr (quote->level, ==, "api");
  g_assert_cmpint (llabs (quote->received_at - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
  quote_text = tts_quote_describe (quote);
  g_assert_true (g_str_has_prefix (quote_text, "SPX 5910.10 / 5911.30 at "));
  g_assert_true (g_str_has_suffix (quote_text, " (level api)"));

  /* The access token of the setup check was used: no second refresh. */
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 1);

  /* The handshake of tastytrade-market-data.md, in its order, then a clean close. */
  g_assert_cmpuint (index_of_message (fixture, "SETUP"), ==, 0);
  g_assert_cmpuint (index_of_message (fixture, "AUTH"), <, index_of_message (fixture, "CHANNEL_REQUEST"));
  g_assert_cmpuint (index_of_message (fixture, "CHANNEL_REQUEST"), <, index_of_message (fixture, "FEED_SETUP"));
  g_assert_cmpuint (index_of_message (fixture, "FEED_SETUP"), <, index_of_message (fixture, "FEED_SUBSCRIPTION"));
  g_assert_cmpuint (index_of_message (fixture, "FEED_SUBSCRIPTION"), !=, G_MAXUINT);
  wait_for_dxlink_closed (fixture);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (fixture->fake), ==, 1);

  g_assert_true (log_has_quote_token (fixture));
  assert_no_secret_logged (fixture);
}

static void
assert_quote_fails (Fixture *fixture,
                    int      code)
{
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;

  quote = read_quote (fixture, &error);
  g_assert_null (quote);
  g_assert_error (error, TTS_ERROR, code);
  g_assert_cmpstr (error->message, !=, "");
  wait_for_dxlink_closed (fixture);
  assert_no_secret_logged (fixture);
}

static void
test_not_a_customer (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER);
  check_saved_setup (fixture, FALSE);

  assert_quote_fails (fixture, TTS_ERROR_NOT_A_CUSTOMER);
  /* No stream was even tried. */
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_messages (fixture->fake)->len, ==, 0);

  /* The chains do not need a quote stream. */
  chain = read_chain (fixture, &error);
  g_assert_no_error (error);
  g_assert_nonnull (chain);
}

static void
test_not_granted (Fixture       *fixture,
                  gconstpointer  data)
{
  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_GRANTED);
  check_saved_setup (fixture, FALSE);

  assert_quote_fails (fixture, TTS_ERROR_MARKET_DATA_NOT_GRANTED);
}

static void
test_token_rejected (Fixture       *fixture,
                     gconstpointer  data)
{
  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_TOKEN_REJECTED);
  check_saved_setup (fixture, FALSE);

  assert_quote_fails (fixture, TTS_ERROR_QUOTE_TOKEN_REJECTED);
  g_assert_true (log_has_quote_token (fixture));
  g_assert_cmpuint (index_of_message (fixture, "CHANNEL_REQUEST"), ==, G_MAXUINT);
}

static void
test_no_data (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NO_DATA);
  check_saved_setup (fixture, FALSE);
  g_object_set (fixture->check, "quote-timeout", 1, NULL);

  quote = read_quote (fixture, &error);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_NO_QUOTE);
  g_assert_nonnull (strstr (error->message, "within 1 second"));
  g_assert_nonnull (strstr (error->message, "market may be closed"));
  /* It was subscribed, and then closed cleanly. */
  g_assert_cmpuint (index_of_message (fixture, "FEED_SUBSCRIPTION"), !=, G_MAXUINT);
  wait_for_dxlink_closed (fixture);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (fixture->fake), ==, 1);
}

static void
test_slow (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_SLOW);
  tts_fake_tastytrade_set_quote_delay (fixture->fake, 300);
  check_saved_setup (fixture, FALSE);

  /* Within the wait: a quote. */
  quote = read_quote (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (quote->symbol, ==, "SPX");
  g_clear_pointer (&quote, tts_quote_free);

  /* Beyond it: none. */
  tts_fake_tastytrade_set_quote_delay (fixture->fake, 3000);
  g_object_set (fixture->check, "quote-timeout", 1, NULL);
  quote = read_quote (fixture, &error);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_NO_QUOTE);
  wait_for_dxlink_closed (fixture);
}

static void
test_malformed (Fixture       *fixture,
                gconstpointer  data)
{
  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_MALFORMED);
  check_saved_setup (fixture, FALSE);

  assert_quote_fails (fixture, TTS_ERROR_PROTOCOL);
}

static void
test_sandbox (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER);
  check_saved_setup (fixture, TRUE);

  /* The sandbox has no market data: expected there, and said so. */
  assert_quote_fails (fixture, TTS_ERROR_SANDBOX_MARKET_DATA);

  /* A service that is down is down, in the sandbox too. */
  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_LIVE);
  tts_fake_tastytrade_fail_requests (fixture->fake, QUOTE_TOKEN_PATH, 10, 503, "text/html",
                                     "<html>down</html>");
  g_object_set (fixture->check, "retry-delay", 1, NULL);
  quote = read_quote (fixture, &error);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_SERVICE_UNAVAILABLE);
}

static void
test_service_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;

  check_saved_setup (fixture, FALSE);
  g_object_set (fixture->check, "retry-delay", 1, NULL);
  tts_fake_tastytrade_fail_requests (fixture->fake, "/option-chains/SPX/nested", 10, 503,
                                     "text/html", "<html>down</html>");
  tts_fake_tastytrade_fail_requests (fixture->fake, QUOTE_TOKEN_PATH, 10, 502, "text/html",
                                     "<html>down</html>");

  chain = read_chain (fixture, &error);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_SERVICE_UNAVAILABLE);
  g_clear_error (&error);
  assert_quote_fails (fixture, TTS_ERROR_SERVICE_UNAVAILABLE);
  /* Tried three times each. */
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, QUOTE_TOKEN_PATH), ==, 3);
}

/* An access token that ran out is fetched anew with the saved refresh token, once. */
static void
test_expired_access_token (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;

  check_saved_setup (fixture, FALSE);
  /* The fake's clock only: the check still thinks its token is fresh, so it hears 401. */
  tts_fake_tastytrade_advance_clock (fixture->fake, 16 * 60);

  chain = read_chain (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 2);

  /* The new one serves the next call. */
  quote = read_quote (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 2);
  wait_for_dxlink_closed (fixture);
  assert_no_secret_logged (fixture);
}

/* A grant deleted since: the renewal fails, and says so about the file. */
static void
test_revoked (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;

  check_saved_setup (fixture, FALSE);
  tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  tts_fake_tastytrade_advance_clock (fixture->fake, 16 * 60);

  chain = read_chain (fixture, &error);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 2);
}

/* Cancelled while the stream waits: the call ends at once, and the connection goes. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome outcome = { 0 };

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NO_DATA);
  check_saved_setup (fixture, FALSE);
  g_object_set (fixture->check, "quote-timeout", 60, NULL);

  tts_market_check_read_quote_async (fixture->check, cancellable, quote_cb, &outcome);
  while (index_of_message (fixture, "FEED_SUBSCRIPTION") == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (outcome.done);

  g_cancellable_cancel (cancellable);
  wait_for (&outcome);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&outcome);
  wait_for_dxlink_closed (fixture);

  /* The check itself goes away with nothing left behind. */
  g_assert_finalize_object (g_steal_pointer (&fixture->check));
}

/* Cancelled while the access token is fetched anew: the fetch stops too. */
static void
test_cancel_renewal (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TtsMarketCheck *check;
  Outcome outcome = { 0 };

  check_saved_setup (fixture, FALSE);
  tts_fake_tastytrade_advance_clock (fixture->fake, 16 * 60);
  tts_fake_tastytrade_hold (fixture->fake, TOKEN_PATH);

  tts_market_check_read_chain_async (fixture->check, cancellable, chain_cb, &outcome);
  while (tts_fake_tastytrade_get_held (fixture->fake, TOKEN_PATH) == 0)
    g_main_context_iteration (NULL, TRUE);

  g_cancellable_cancel (cancellable);
  wait_for (&outcome);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&outcome);

  /* The fetch holds the check until it ends: the check going away shows it stopped, rather
   * than waiting for the held answer, which never comes. */
  check = fixture->check;
  g_object_add_weak_pointer (G_OBJECT (check), (gpointer *) &check);
  g_clear_object (&fixture->check);
  while (check != NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* A cancelled call leaves the fetch of a new access token: a call that comes next gets a
 * fetch of its own, not the end of the abandoned one. */
static void
test_renewal_after_cancel (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;
  Outcome first = { 0 };
  Outcome second = { 0 };

  check_saved_setup (fixture, FALSE);
  tts_fake_tastytrade_advance_clock (fixture->fake, 16 * 60);
  tts_fake_tastytrade_hold (fixture->fake, TOKEN_PATH);

  tts_market_check_read_chain_async (fixture->check, cancellable, chain_cb, &first);
  while (tts_fake_tastytrade_get_held (fixture->fake, TOKEN_PATH) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  wait_for (&first);
  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&first);

  /* At once, before the abandoned fetch has wound down. */
  tts_market_check_read_chain_async (fixture->check, NULL, chain_cb, &second);
  tts_fake_tastytrade_release (fixture->fake, TOKEN_PATH);
  wait_for (&second);
  g_assert_no_error (second.error);
  chain = second.result;
  g_assert_cmpuint (chain->n_expirations, ==, 42);
}

/* An access token that lasts less than the margin kept before its end is still used, once
 * fetched: only a refusal counts then. */
static void
test_short_lived_access_token (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  check_saved_setup (fixture, FALSE);
  body = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":30}",
                          tts_setup_check_get_access_token (fixture->setup_check, NULL));
  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json", body);
  tts_market_check_set_access_token (fixture->check, NULL, 0);

  chain = read_chain (fixture, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 2);
}

/* A refusal that comes after another call fetched a new token: the new one is tried, and no
 * second fetch is made. */
static void
test_refused_after_renewal (Fixture       *fixture,
                            gconstpointer  data)
{
  Outcome chain = { 0 };
  Outcome quote = { 0 };

  check_saved_setup (fixture, FALSE);
  tts_fake_tastytrade_advance_clock (fixture->fake, 16 * 60);
  tts_fake_tastytrade_hold (fixture->fake, QUOTE_TOKEN_PATH);

  tts_market_check_read_quote_async (fixture->check, NULL, quote_cb, &quote);
  while (tts_fake_tastytrade_get_held (fixture->fake, QUOTE_TOKEN_PATH) == 0)
    g_main_context_iteration (NULL, TRUE);
  tts_market_check_read_chain_async (fixture->check, NULL, chain_cb, &chain);
  wait_for (&chain);
  g_assert_no_error (chain.error);
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 2);

  /* The held request now hears that its old token ran out. */
  tts_fake_tastytrade_release (fixture->fake, QUOTE_TOKEN_PATH);
  wait_for (&quote);
  g_assert_no_error (quote.error);
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, TOKEN_PATH), ==, 2);
  tts_option_chain_free (chain.result);
  tts_quote_free (quote.result);
  wait_for_dxlink_closed (fixture);
}

/* SPX's real chain lists every strike of some 90 expirations: megabytes of JSON. */
static char *
big_chain_json (void)
{
  GString *json = g_string_new ("{\"data\":{\"items\":[");

  for (guint root = 0; root < 2; root++)
    {
      g_string_append_printf (json, "%s{\"root-symbol\":\"%s\",\"expirations\":[",
                              root > 0 ? "," : "", root > 0 ? "SPXW" : "SPX");
      for (guint e = 0; e < 45; e++)
        {
          g_string_append_printf (json, "%s{\"expiration-date\":\"2026-12-18\",\"strikes\":[",
                                  e > 0 ? "," : "");
          for (guint k = 2000; k < 8000; k += 20)
            g_string_append_printf (json, "%s{\"strike-price\":\"%u.0\",\"call\":\"SPX  261218C0%u000\","
                                    "\"call-streamer-symbol\":\".SPX261218C%u\","
                                    "\"put\":\"SPX  261218P0%u000\","
                                    "\"put-streamer-symbol\":\".SPX261218P%u\"}",
                                    k > 2000 ? "," : "", k, k, k, k, k);
          g_string_append (json, "]}");
        }
      g_string_append (json, "]}");
    }
  g_string_append (json, "]}}");

  return g_string_free (json, FALSE);
}

typedef struct
{
  gint64 last;
  gint64 longest;
} Ticks;

static gboolean
tick_cb (gpointer user_data)
{
  Ticks *ticks = user_data;
  gint64 now = g_get_monotonic_time ();

  if (ticks->last != 0)
    ticks->longest = MAX (ticks->longest, now - ticks->last);
  ticks->last = now;

  return G_SOURCE_CONTINUE;
}

/* A chain of megabytes is parsed off the main thread: the window keeps drawing meanwhile. */
static void
test_big_chain_off_main_thread (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *json = big_chain_json ();
  g_autoptr(TtsOptionChain) parsed = NULL;
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;
  Ticks ticks = { 0 };
  gint64 started;
  gint64 parse_time;
  guint tick_id;

  started = g_get_monotonic_time ();
  parsed = tts_option_chain_new_from_json (json, strlen (json), &error);
  parse_time = g_get_monotonic_time () - started;
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->n_expirations, ==, 90);
  g_test_message ("%zu bytes parsed in %" G_GINT64_FORMAT " µs", strlen (json), parse_time);

  check_saved_setup (fixture, FALSE);
  tts_fake_tastytrade_fail_requests (fixture->fake, "/option-chains/SPX/nested", 1, 200,
                                     "application/json", json);
  tick_id = g_timeout_add (5, tick_cb, &ticks);
  chain = read_chain (fixture, &error);
  /* Up to the result too: the parse may have been the last thing the loop did. */
  tick_cb (&ticks);
  g_source_remove (tick_id);
  g_assert_no_error (error);
  g_assert_cmpuint (chain->n_expirations, ==, 90);

  /* The main loop never waited as long as half a parse. */
  g_test_message ("longest main-loop gap %" G_GINT64_FORMAT " µs", ticks.longest);
  g_assert_cmpint (ticks.longest, <, parse_time / 2);
}

/* Parsing */

static void
test_chain_parse (void)
{
  struct {
    const char *json;
    const char *described;   /* NULL: refused */
  } cases[] = {
    { "{\"data\":{\"items\":[{\"root-symbol\":\"SPX\",\"expirations\":[{},{}]}]}}",
      "Readable: SPX, 2 expirations" },
    { "{\"data\":{\"items\":[{\"root-symbol\":\"SPX\",\"expirations\":[{}]}]}}",
      "Readable: SPX, 1 expiration" },
    { "{\"data\":{\"items\":[{\"root-symbol\":\"SPX\",\"expirations\":[{}]},"
      "{\"root-symbol\":\"SPXW\",\"expirations\":[{},{}]},"
      "{\"root-symbol\":\"XSP\",\"expirations\":[{}]}]}}",
      "Readable: SPX, SPXW and XSP, 4 expirations" },
    /* The same root twice is named once. */
    { "{\"data\":{\"items\":[{\"root-symbol\":\"SPX\",\"expirations\":[{}]},"
      "{\"root-symbol\":\"SPX\",\"expirations\":[{}]}]}}",
      "Readable: SPX, 2 expirations" },
    /* Root names that are not short symbols are not shown. */
    { "{\"data\":{\"items\":[{\"root-symbol\":\"<b>x</b>\",\"expirations\":[{}]},"
      "{\"root-symbol\":\"SPXW\\nrm\",\"expirations\":[{}]},"
      "{\"root-symbol\":\"AVERYLONGROOTSYMBOL\",\"expirations\":[{}]},"
      "{\"root-symbol\":42,\"expirations\":[{}]}]}}",
      "Readable: 4 expirations" },
    { "{\"data\":{\"items\":[\"x\",{\"root-symbol\":\"SPX\",\"expirations\":{}}]}}", NULL },
    { "{\"data\":{\"items\":[]}}", NULL },
    { "{\"data\":{}}", NULL },
    { "{\"data\":[]}", NULL },
    { "[]", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TtsOptionChain) chain = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      chain = tts_option_chain_new_from_json (cases[i].json, strlen (cases[i].json), &error);
      if (cases[i].described == NULL)
        {
          g_assert_null (chain);
          g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
        }
      else
        {
          g_autofree char *text = NULL;

          g_assert_no_error (error);
          text = tts_option_chain_describe (chain);
          g_assert_cmpstr (text, ==, cases[i].described);
        }
    }
}

static void
test_quote_token_parse (void)
{
  struct {
    const char *json;
    gboolean    valid;
    const char *level;
  } cases[] = {
    { "{\"data\":{\"token\":\"t\",\"dxlink-url\":\"wss://x\",\"level\":\"api\"}}", TRUE, "api" },
    { "{\"data\":{\"token\":\"t\",\"dxlink-url\":\"wss://x\"}}", TRUE, NULL },
    { "{\"data\":{\"token\":\"t\",\"dxlink-url\":\"wss://x\",\"level\":\"<i>api</i>\"}}", TRUE, NULL },
    { "{\"data\":{\"token\":\"t\",\"dxlink-url\":\"wss://x\",\"level\":7}}", TRUE, NULL },
    { "{\"data\":{\"token\":\"\",\"dxlink-url\":\"wss://x\"}}", FALSE, NULL },
    { "{\"data\":{\"token\":\"t\"}}", FALSE, NULL },
    { "{\"data\":{\"dxlink-url\":\"wss://x\"}}", FALSE, NULL },
    { "{\"token\":\"t\",\"dxlink-url\":\"wss://x\"}", FALSE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TtsQuoteToken) token = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      token = tts_quote_token_new_from_json (cases[i].json, strlen (cases[i].json), &error);
      if (!cases[i].valid)
        {
          g_assert_null (token);
          g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpstr (token->token, ==, "t");
      g_assert_cmpstr (token->level, ==, cases[i].level);
    }
}

static void
test_quote_describe (void)
{
  g_autoptr(TtsQuote) quote = tts_quote_new ("SPX", 5910.1, NAN);
  g_autoptr(GDateTime) when = g_date_time_new_local (2026, 12, 4, 14, 3, 27);
  g_autofree char *text = NULL;

  quote->received_at = g_date_time_to_unix (when) * G_USEC_PER_SEC;
  text = tts_quote_describe (quote);
  g_assert_cmpstr (text, ==, "SPX 5910.10 / – at 14:03");

  quote->level = g_strdup ("demo");
  g_clear_pointer (&text, g_free);
  text = tts_quote_describe (quote);
  g_assert_cmpstr (text, ==, "SPX 5910.10 / – at 14:03 (level demo)");

  /* A value no index has is not shown, nor its 300 digits. */
  quote->bid_price = 1e308;
  quote->ask_price = -0.5;
  g_clear_pointer (&text, g_free);
  text = tts_quote_describe (quote);
  g_assert_cmpstr (text, ==, "SPX – / -0.50 at 14:03 (level demo)");
}

/* A scripted DXLink server: what each message of the client gets in answer */

typedef struct
{
  SoupServer              *server;
  char                    *url;
  /* type of the client's message → NULL-terminated answers; "!close" closes, "!binary"
   * sends a binary frame, "!big" a 300 KiB text. */
  GHashTable              *script;
  SoupWebsocketConnection *connection;
} Script;

static void
script_message_cb (SoupWebsocketConnection *connection,
                   int                      type,
                   GBytes                  *bytes,
                   Script                  *script)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *data;
  gsize length;
  const char * const *answers;
  JsonObject *object;

  data = g_bytes_get_data (bytes, &length);
  g_assert_true (json_parser_load_from_data (parser, data, length, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  answers = g_hash_table_lookup (script->script, json_object_get_string_member (object, "type"));

  for (; answers != NULL && *answers != NULL; answers++)
    {
      if (strcmp (*answers, "!close") == 0)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      else if (strcmp (*answers, "!binary") == 0)
        soup_websocket_connection_send_binary (connection, "\1\2", 2);
      else if (strcmp (*answers, "!big") == 0)
        {
          g_autofree char *big = g_strnfill (300 * 1024, ' ');

          memcpy (big, "{\"type\":\"KEEPALIVE\"}", 20);
          soup_websocket_connection_send_text (connection, big);
        }
      else if (strcmp (*answers, "!many") == 0)
        {
          for (guint i = 0; i < 1200; i++)
            soup_websocket_connection_send_text (connection, "{\"type\":\"KEEPALIVE\",\"channel\":0}");
        }
      else
        soup_websocket_connection_send_text (connection, *answers);
    }
}

static void
script_websocket_cb (SoupServer              *server,
                     SoupServerMessage       *msg,
                     const char              *path,
                     SoupWebsocketConnection *connection,
                     gpointer                 user_data)
{
  Script *script = user_data;

  g_set_object (&script->connection, connection);
  g_signal_connect (connection, "message", G_CALLBACK (script_message_cb), script);
}

static Script *
script_new (void)
{
  Script *script = g_new0 (Script, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  script->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (script->server, "/dxlink", NULL, NULL,
                                     script_websocket_cb, script, NULL);
  g_assert_true (soup_server_listen_local (script->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (script->server);
  script->url = g_strdup_printf ("ws://127.0.0.1:%d/dxlink", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  script->script = g_hash_table_new (g_str_hash, g_str_equal);

  return script;
}

static void
script_free (Script *script)
{
  g_clear_object (&script->connection);
  g_clear_object (&script->server);
  g_hash_table_unref (script->script);
  g_free (script->url);
  g_free (script);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Script, script_free)

static const char * const setup_answers[] = {
  "{\"type\":\"SETUP\",\"channel\":0}",
  "{\"type\":\"AUTH_STATE\",\"channel\":0,\"state\":\"UNAUTHORIZED\"}",
  NULL
};
#define AUTHORIZED "{\"type\":\"AUTH_STATE\",\"channel\":0,\"state\":\"AUTHORIZED\"}"
#define OPENED "{\"type\":\"CHANNEL_OPENED\",\"channel\":1,\"service\":\"FEED\"}"

static void
dxlink_quote_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = tts_dxlink_client_get_quote_finish (TTS_DXLINK_CLIENT (object), result,
                                                        &outcome->error);
  outcome->done = TRUE;
}

/* Runs the client against @feed_answers (what FEED_SUBSCRIPTION gets) and the usual
 * handshake before it. */
static TtsQuote *
run_script (const char * const  *auth_answers,
            const char * const  *subscription_answers,
            GError             **error)
{
  g_autoptr(Script) script = script_new ();
  g_autoptr(TtsDxlinkClient) client = tts_dxlink_client_new (USER_AGENT);
  const char * const opened[] = { OPENED, NULL };
  Outcome outcome = { 0 };

  g_hash_table_insert (script->script, (gpointer) "SETUP", (gpointer) setup_answers);
  g_hash_table_insert (script->script, (gpointer) "AUTH", (gpointer) auth_answers);
  g_hash_table_insert (script->script, (gpointer) "CHANNEL_REQUEST", (gpointer) opened);
  g_hash_table_insert (script->script, (gpointer) "FEED_SUBSCRIPTION", (gpointer) subscription_answers);

  g_object_set (client, "timeout", 5, "quote-timeout", 1, NULL);
  tts_dxlink_client_get_quote_async (client, script->url, "quote-token-script", "SPX", NULL,
                                     dxlink_quote_cb, &outcome);
  wait_for (&outcome);
  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);

  return outcome.result;
}

static void
test_dxlink_forms (void)
{
  const char * const authorized[] = { AUTHORIZED, NULL };
  struct {
    const char *answers[4];
    double      bid;          /* NAN: none; the case expects a quote */
    double      ask;
  } cases[] = {
    /* COMPACT, fields as asked, another symbol first in the same array. */
    { { "{\"type\":\"FEED_CONFIG\",\"channel\":1,\"eventFields\":{\"Quote\":[\"eventType\",\"eventSymbol\",\"bidPrice\",\"askPrice\"]}}",
        "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[\"Quote\",[\"Quote\",\"SPY\",1,2,\"Quote\",\"SPX\",5900.5,5901]]}",
        NULL }, 5900.5, 5901 },
    /* COMPACT in the server's own field order. */
    { { "{\"type\":\"FEED_CONFIG\",\"channel\":1,\"eventFields\":{\"Quote\":[\"askPrice\",\"eventSymbol\",\"eventType\",\"bidPrice\"]}}",
        "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[\"Trade\",[\"Trade\",\"SPX\",1],\"Quote\",[7,\"SPX\",\"Quote\",6]]}",
        NULL }, 6, 7 },
    /* No bid or ask: "NaN" as text. */
    { { "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[\"Quote\",[\"Quote\",\"SPX\",\"NaN\",\"NaN\",0,0]]}",
        NULL }, NAN, NAN },
    /* FULL form. */
    { { "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[{\"eventType\":\"Quote\",\"eventSymbol\":\"SPX\",\"bidPrice\":1.25,\"askPrice\":1.5}]}",
        NULL }, 1.25, 1.5 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TtsQuote) quote = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      quote = run_script (authorized, cases[i].answers, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (quote->symbol, ==, "SPX");
      if (isnan (cases[i].bid))
        g_assert_true (isnan (quote->bid_price));
      else
        g_assert_cmpfloat (quote->bid_price, ==, cases[i].bid);
      if (isnan (cases[i].ask))
        g_assert_true (isnan (quote->ask_price));
      else
        g_assert_cmpfloat (quote->ask_price, ==, cases[i].ask);
    }
}

static void
test_dxlink_hostile (void)
{
  struct {
    const char   *auth[3];
    const char   *answers[3];
    int           code;
  } cases[] = {
    /* Data that never holds SPX, then silence. */
    { { AUTHORIZED, NULL }, { "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[\"Quote\",[\"Quote\",\"SPY\",1,2,3,4]]}", NULL },
      TTS_ERROR_NO_QUOTE },
    /* Values one short of an event; nested junk. */
    { { AUTHORIZED, NULL }, { "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[\"Quote\",[\"Quote\",\"SPX\",1]]}",
                              "{\"type\":\"FEED_DATA\",\"channel\":1,\"data\":[[[]],{},null,\"Quote\"]}" },
      TTS_ERROR_NO_QUOTE },
    { { AUTHORIZED, NULL }, { "not json", NULL }, TTS_ERROR_PROTOCOL },
    { { AUTHORIZED, NULL }, { "{\"channel\":1}", NULL }, TTS_ERROR_PROTOCOL },
    { { AUTHORIZED, NULL }, { "!binary", NULL }, TTS_ERROR_PROTOCOL },
    { { AUTHORIZED, NULL }, { "!big", NULL }, TTS_ERROR_PROTOCOL },
    { { AUTHORIZED, NULL }, { "!many", NULL }, TTS_ERROR_PROTOCOL },
    { { AUTHORIZED, NULL }, { "!close", NULL }, TTS_ERROR_NETWORK },
    { { AUTHORIZED, NULL }, { "{\"type\":\"CHANNEL_CLOSED\",\"channel\":1}", NULL }, TTS_ERROR_PROTOCOL },
    { { AUTHORIZED, NULL }, { "{\"type\":\"ERROR\",\"channel\":1,\"error\":\"TIMEOUT\",\"message\":\"<b>x</b>\"}", NULL },
      TTS_ERROR_PROTOCOL },
    /* Refusals of the token, in either form. */
    { { "{\"type\":\"ERROR\",\"channel\":0,\"error\":\"UNAUTHORIZED\",\"message\":\"no\"}", NULL }, { NULL },
      TTS_ERROR_QUOTE_TOKEN_REJECTED },
    { { "{\"type\":\"AUTH_STATE\",\"channel\":0,\"state\":\"UNAUTHORIZED\"}", NULL }, { NULL },
      TTS_ERROR_QUOTE_TOKEN_REJECTED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TtsQuote) quote = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      quote = run_script (cases[i].auth, cases[i].answers, &error);
      g_assert_null (quote);
      g_assert_error (error, TTS_ERROR, cases[i].code);
      /* The service's own text is never shown. */
      g_assert_null (strstr (error->message, "<b>"));
    }
}

/* A DXLink server that answers the WebSocket handshake by hand, then sends one text message
 * in fragments that go on (64 KiB each, up to 16 MiB): what libsoup cannot send itself. */

#define WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define FRAGMENT_SIZE  (64 * 1024)
#define FRAGMENTS_MAX  256

typedef struct
{
  GSocketListener *listener;
  guint16          port;
  GThread         *thread;
  gsize            sent;          /* bytes of fragments written before the client left */
} Fragmenter;

static gboolean
write_frame (GOutputStream *out,
             guint8         first_byte,
             const char    *payload,
             gsize          length)
{
  guint8 head[4] = { first_byte, 126, (guint8) (length >> 8), (guint8) length };
  gsize head_length = sizeof head;

  g_assert_cmpuint (length, <, 65536);
  /* The shortest form of the length, as RFC 6455 asks. */
  if (length < 126)
    {
      head[1] = (guint8) length;
      head_length = 2;
    }

  return g_output_stream_write_all (out, head, head_length, NULL, NULL, NULL)
         && g_output_stream_write_all (out, payload, length, NULL, NULL, NULL);
}

static gpointer
fragmenter_thread (gpointer user_data)
{
  Fragmenter *fragmenter = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *key = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *padding = g_strnfill (FRAGMENT_SIZE - 1, ' ');
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  GOutputStream *out;

  connection = g_socket_listener_accept (fragmenter->listener, NULL, NULL, NULL);
  g_assert_nonnull (connection);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

      g_assert_nonnull (line);
      g_strchomp (line);
      if (line[0] == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Sec-WebSocket-Key:", 18) == 0)
        key = g_strstrip (g_strdup (line + 18));
    }
  g_assert_nonnull (key);

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WEBSOCKET_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_length);
  accept = g_base64_encode (digest, digest_length);
  answer = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  g_assert_true (g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL));

  /* Text, not final; then continuations, never final. */
  if (write_frame (out, 0x01, "{", 1))
    for (guint i = 0; i < FRAGMENTS_MAX; i++)
      {
        if (!write_frame (out, 0x00, padding, FRAGMENT_SIZE - 1))
          break;
        fragmenter->sent += FRAGMENT_SIZE - 1;
      }

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return NULL;
}

/* Peak resident memory of this process, in KiB. */
static guint64
peak_memory_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);

  return g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10);
}

static void
test_dxlink_endless_message (void)
{
  g_autoptr(TtsDxlinkClient) client = tts_dxlink_client_new (USER_AGENT);
  g_autoptr(GTypeClass) connection_class = g_type_class_ref (SOUP_TYPE_WEBSOCKET_CONNECTION);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Fragmenter fragmenter = { 0 };
  Outcome outcome = { 0 };
  guint64 peak_before;

  if (g_object_class_find_property (G_OBJECT_CLASS (connection_class),
                                    "max-total-message-size") == NULL)
    {
      g_test_skip ("libsoup before 3.8 cannot bound a message of many frames");
      return;
    }

  fragmenter.listener = g_socket_listener_new ();
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_listener_add_address (fragmenter.listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/dxlink",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  fragmenter.thread = g_thread_new ("fragmenter", fragmenter_thread, &fragmenter);

  peak_before = peak_memory_kib ();
  g_object_set (client, "timeout", 30, NULL);
  tts_dxlink_client_get_quote_async (client, url, "quote-token-fragments", "SPX", NULL,
                                     dxlink_quote_cb, &outcome);
  wait_for (&outcome);
  g_thread_join (fragmenter.thread);
  g_socket_listener_close (fragmenter.listener);
  g_clear_object (&fragmenter.listener);

  /* Refused as unreadable once past the bound; what came after was not kept (16 MiB were
   * sent in all). */
  g_assert_error (outcome.error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_test_message ("%" G_GSIZE_FORMAT " bytes sent, peak memory %" G_GUINT64_FORMAT " KiB more",
                  fragmenter.sent, peak_memory_kib () - peak_before);
  g_assert_cmpuint (peak_memory_kib () - peak_before, <, 8 * 1024);
  outcome_clear (&outcome);
}

/* The quote token goes nowhere but to a stream that is encrypted or on this computer. */
static void
test_dxlink_untrusted_url (void)
{
  const char *urls[] = {
    "ws://quotes.example.com/dxlink",
    "http://127.0.0.1:1/dxlink",
    "https://quotes.example.com",
    "wss://",
    "not a url",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(TtsDxlinkClient) client = tts_dxlink_client_new (USER_AGENT);
      Outcome outcome = { 0 };

      g_test_message ("%s", urls[i]);
      tts_dxlink_client_get_quote_async (client, urls[i], "quote-token-untrusted", "SPX", NULL,
                                         dxlink_quote_cb, &outcome);
      wait_for (&outcome);
      g_assert_error (outcome.error, TTS_ERROR, TTS_ERROR_PROTOCOL);
      outcome_clear (&outcome);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* Numbers and times as the C locale writes them. */
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("TZ", "UTC", TRUE);
  g_setenv ("G_MESSAGES_DEBUG", "tts-core", TRUE);
  g_test_init (&argc, &argv, NULL);

  core_log = g_string_new (NULL);
  g_log_set_handler ("tts-core", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     core_log_handler, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/market-check/live", test_live);
  ADD ("/market-check/not-a-customer", test_not_a_customer);
  ADD ("/market-check/not-granted", test_not_granted);
  ADD ("/market-check/token-rejected", test_token_rejected);
  ADD ("/market-check/no-data", test_no_data);
  ADD ("/market-check/slow", test_slow);
  ADD ("/market-check/malformed", test_malformed);
  ADD ("/market-check/sandbox", test_sandbox);
  ADD ("/market-check/service-down", test_service_down);
  ADD ("/market-check/expired-access-token", test_expired_access_token);
  ADD ("/market-check/revoked", test_revoked);
  ADD ("/market-check/cancel", test_cancel);
  ADD ("/market-check/cancel-renewal", test_cancel_renewal);
  ADD ("/market-check/renewal-after-cancel", test_renewal_after_cancel);
  ADD ("/market-check/short-lived-access-token", test_short_lived_access_token);
  ADD ("/market-check/refused-after-renewal", test_refused_after_renewal);
  ADD ("/market-check/big-chain-off-main-thread", test_big_chain_off_main_thread);

  g_test_add_func ("/market-check/parse/option-chain", test_chain_parse);
  g_test_add_func ("/market-check/parse/quote-token", test_quote_token_parse);
  g_test_add_func ("/market-check/parse/quote-describe", test_quote_describe);
  g_test_add_func ("/market-check/dxlink/forms", test_dxlink_forms);
  g_test_add_func ("/market-check/dxlink/hostile", test_dxlink_hostile);
  g_test_add_func ("/market-check/dxlink/untrusted-url", test_dxlink_untrusted_url);
  g_test_add_func ("/market-check/dxlink/endless-message", test_dxlink_endless_message);

  return g_test_run ();
}

/* test-token-client.c: the token client against the in-process fake tastytrade
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "tts-account.h"
#include "tts-error.h"
#include "tts-json.h"
#include "tts-fake-tastytrade.h"
#include "tts-test-errors.h"
#include "tts-token-client.h"
#include "tts-tokens.h"

#define CLIENT_ID     "test-client-id"
#define CLIENT_SECRET "test-client-secret-7f3a"
#define REDIRECT_URI  "http://localhost:8000"
#define USER_AGENT    "tastytrade-setup/test"

#define BUSY_HTML "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
#define NGINX_401 \
  "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n" \
  "<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n" \
  "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
#define NOT_A_CUSTOMER \
  "{\"error_code\":\"invalid_request\",\"error_description\":\"User is not a TastyTrade customer\"}"

typedef struct
{
  TtsFakeTastytrade *fake;
  TtsTokenClient    *client;
} Fixture;

/* What one async call gave back. */
typedef struct
{
  gboolean   done;
  TtsTokens *tokens;
  GPtrArray *accounts;
  GError    *error;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->tokens, tts_tokens_free);
  g_clear_pointer (&result->accounts, g_ptr_array_unref);
  g_clear_error (&result->error);
  result->done = FALSE;
}

static void
wait_for (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
expire_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *count is @wanted or @seconds have passed; returns whether it got
 * there. */
static gboolean
wait_for_count (const guint *count,
                guint        wanted,
                guint        seconds)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (seconds, expire_cb, &expired);

  while (*count != wanted && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);

  return *count == wanted;
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

  fixture->client = tts_token_client_new (tts_fake_tastytrade_get_api_uri (fixture->fake),
                                          USER_AGENT);
  tts_token_client_set_timeout (fixture->client, 10);
  tts_token_client_set_retry_delay (fixture->client, 1);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->fake);
}

/* Calls, run to completion */

static void
exchange_cb (GObject      *object,
             GAsyncResult *async_result,
             gpointer      user_data)
{
  Result *result = user_data;

  result->tokens = tts_token_client_exchange_code_finish (TTS_TOKEN_CLIENT (object),
                                                          async_result, &result->error);
  result->done = TRUE;
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *async_result,
            gpointer      user_data)
{
  Result *result = user_data;

  result->tokens = tts_token_client_refresh_finish (TTS_TOKEN_CLIENT (object),
                                                    async_result, &result->error);
  result->done = TRUE;
}

static void
accounts_cb (GObject      *object,
             GAsyncResult *async_result,
             gpointer      user_data)
{
  Result *result = user_data;

  result->accounts = tts_token_client_list_accounts_finish (TTS_TOKEN_CLIENT (object),
                                                            async_result, &result->error);
  result->done = TRUE;
}

static TtsTokens *
exchange (TtsTokenClient  *client,
          const char      *client_secret,
          const char      *code,
          GError         **error)
{
  Result result = { 0, };

  tts_token_client_exchange_code_async (client, CLIENT_ID, client_secret, code, REDIRECT_URI,
                                        NULL, exchange_cb, &result);
  wait_for (&result.done);
  g_assert_true ((result.tokens == NULL) != (result.error == NULL));
  if (result.error != NULL)
    g_propagate_error (error, result.error);

  return result.tokens;
}

static TtsTokens *
refresh (TtsTokenClient  *client,
         const char      *client_secret,
         const char      *refresh_token,
         GError         **error)
{
  Result result = { 0, };

  tts_token_client_refresh_async (client, CLIENT_ID, client_secret, refresh_token,
                                  NULL, refresh_cb, &result);
  wait_for (&result.done);
  g_assert_true ((result.tokens == NULL) != (result.error == NULL));
  if (result.error != NULL)
    g_propagate_error (error, result.error);

  return result.tokens;
}

static GPtrArray *
list_accounts (TtsTokenClient  *client,
               const char      *access_token,
               GError         **error)
{
  Result result = { 0, };

  tts_token_client_list_accounts_async (client, access_token, NULL, accounts_cb, &result);
  wait_for (&result.done);
  g_assert_true ((result.accounts == NULL) != (result.error == NULL));
  if (result.error != NULL)
    g_propagate_error (error, result.error);

  return result.accounts;
}

/* Helpers */

/* Signs in at the fake as a browser would and returns the code of the redirect. */
static char *
get_code_for_scope (Fixture    *fixture,
                    const char *scope)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) uri = g_string_new (tts_fake_tastytrade_get_auth_uri (fixture->fake));
  g_autofree char *location = NULL;
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GHashTable) params = NULL;

  g_string_append (uri, "?response_type=code&client_id=");
  g_string_append_uri_escaped (uri, CLIENT_ID, NULL, FALSE);
  g_string_append (uri, "&redirect_uri=");
  g_string_append_uri_escaped (uri, REDIRECT_URI, NULL, FALSE);
  g_string_append (uri, "&scope=");
  g_string_append_uri_escaped (uri, scope, NULL, FALSE);
  g_string_append (uri, "&state=test-state");

  location = tts_fake_tastytrade_complete_authorization (fixture->fake, uri->str, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (location);

  parsed = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "test-state");
  g_assert_nonnull (g_hash_table_lookup (params, "code"));

  return g_strdup (g_hash_table_lookup (params, "code"));
}

static char *
get_code (Fixture *fixture)
{
  return get_code_for_scope (fixture, "read");
}

static guint
count_requests (Fixture    *fixture,
                const char *path)
{
  return tts_fake_tastytrade_count_requests (fixture->fake, path);
}

static void
assert_message_hides (const GError *error,
                      const char   *secret)
{
  g_assert_nonnull (error);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (strstr (error->message, secret));
}

/* A port nothing listens on. */
static guint
closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_assert_true (g_socket_close (socket, &error));
  g_assert_no_error (error);

  return port;
}

/* A server that takes every request and never answers. */
typedef struct
{
  SoupServer *server;
  char       *uri;
  guint       n_requests;
} Stall;

static void
stall_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  Stall *stall = user_data;

  stall->n_requests++;
  soup_server_message_pause (msg);
}

static Stall *
stall_new (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  Stall *stall = g_new0 (Stall, 1);
  GSList *listeners;

  stall->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (stall->server, NULL, stall_handler_cb, stall, NULL);
  g_assert_true (soup_server_listen (stall->server, address, 0, &error));
  g_assert_no_error (error);

  listeners = soup_server_get_listeners (stall->server);
  local = g_socket_get_local_address (listeners->data, &error);
  g_assert_no_error (error);
  g_slist_free (listeners);

  stall->uri = g_strdup_printf ("http://127.0.0.1:%u",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  return stall;
}

static void
stall_free (Stall *stall)
{
  soup_server_disconnect (stall->server);
  g_clear_object (&stall->server);
  g_free (stall->uri);
  g_free (stall);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stall, stall_free)

/* The code exchange */

static void
test_exchange_success (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *code = get_code (fixture);
  TtsFakeRequest *request;

  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  g_assert_nonnull (tokens->access_token);
  g_assert_cmpuint (strlen (tokens->access_token), >, 100);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_cmpuint (strlen (tokens->refresh_token), >, 100);
  g_assert_cmpstr (tokens->token_type, ==, "Bearer");
  g_assert_cmpint (tokens->expires_in, ==, 900);
  g_assert_cmpuint (tts_fake_tastytrade_get_refresh_tokens_issued (fixture->fake), ==, 1);

  request = tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpuint (request->status, ==, 200);
  g_assert_cmpstr (request->user_agent, ==, USER_AGENT);
  g_assert_cmpstr (request->accept, ==, "application/json");
  g_assert_null (request->authorization);
  g_assert_false (request->has_accept_version);
  g_assert_nonnull (request->content_type);
  g_assert_true (g_str_has_prefix (request->content_type, "application/json"));

  g_assert_cmpuint (g_hash_table_size (request->params), ==, 5);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (g_hash_table_lookup (request->params, "code"), ==, code);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "client_secret"), ==, CLIENT_SECRET);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "redirect_uri"), ==, REDIRECT_URI);

  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

static void
test_exchange_reused_code (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *code = get_code (fixture);

  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_no_error (error);
  g_clear_pointer (&tokens, tts_tokens_free);

  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  assert_message_hides (error, code);
  assert_message_hides (error, CLIENT_SECRET);
  /* Terminal: asked once, not again. */
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 2);
}

static void
test_exchange_expired_code (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *code = get_code (fixture);

  tts_fake_tastytrade_advance_clock (fixture->fake, 10 * 60);
  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
}

static void
test_exchange_wrong_secret (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *code = get_code (fixture);

  tokens = exchange (fixture->client, "wrong-secret-1234", code, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_CLIENT);
  assert_message_hides (error, "wrong-secret-1234");
  assert_message_hides (error, code);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

static void
test_exchange_no_refresh_token (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json",
                                           "{\"access_token\":\"abc.def.ghi\","
                                           "\"token_type\":\"Bearer\",\"expires_in\":900}");
  tokens = exchange (fixture->client, CLIENT_SECRET, "some-code", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "refresh token"));
  assert_message_hides (error, "abc.def.ghi");
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

/* The refresh grant */

static void
test_refresh_success (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  TtsFakeRequest *request;

  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  g_assert_nonnull (tokens->access_token);
  g_assert_cmpstr (tokens->access_token, !=, "");
  g_assert_null (tokens->refresh_token);
  g_assert_cmpstr (tokens->token_type, ==, "Bearer");
  g_assert_cmpint (tokens->expires_in, ==, 900);

  request = tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpuint (request->status, ==, 200);
  g_assert_cmpstr (request->user_agent, ==, USER_AGENT);
  g_assert_cmpstr (request->accept, ==, "application/json");
  g_assert_null (request->authorization);
  g_assert_false (request->has_accept_version);
  g_assert_true (g_str_has_prefix (request->content_type, "application/json"));

  g_assert_cmpuint (g_hash_table_size (request->params), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "grant_type"), ==, "refresh_token");
  g_assert_cmpstr (g_hash_table_lookup (request->params, "refresh_token"), ==, refresh_token);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "client_secret"), ==, CLIENT_SECRET);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "client_id"), ==, CLIENT_ID);
}

static void
test_refresh_revoked (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  assert_message_hides (error, refresh_token);
  assert_message_hides (error, CLIENT_SECRET);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

/* A regenerated secret kills the grant and the old secret with it. */
static void
test_refresh_wrong_secret (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  tokens = refresh (fixture->client, "not-the-secret", refresh_token, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_CLIENT);
  assert_message_hides (error, "not-the-secret");
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

/* The accounts call */

static void
test_accounts_success (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *authorization = NULL;
  TtsFakeRequest *request;
  TtsAccount *account;

  tts_fake_tastytrade_add_account (fixture->fake, "5WX01234", "Individual", "Individual", "owner");
  tts_fake_tastytrade_add_account (fixture->fake, "5WT00077", "Retirement", "Roth IRA",
                                   "read-only");
  refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_no_error (error);

  accounts = list_accounts (fixture->client, tokens->access_token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (accounts);
  g_assert_cmpuint (accounts->len, ==, 2);

  account = g_ptr_array_index (accounts, 0);
  g_assert_true (TTS_IS_ACCOUNT (account));
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WX01234");
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "owner");

  account = g_ptr_array_index (accounts, 1);
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WT00077");
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Retirement");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Roth IRA");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "read-only");

  request = tts_fake_tastytrade_get_last_request (fixture->fake, "/customers/me/accounts");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "GET");
  g_assert_cmpuint (request->status, ==, 200);
  g_assert_cmpstr (request->user_agent, ==, USER_AGENT);
  g_assert_cmpstr (request->accept, ==, "application/json");
  g_assert_false (request->has_accept_version);
  authorization = g_strconcat ("Bearer ", tokens->access_token, NULL);
  g_assert_cmpstr (request->authorization, ==, authorization);
}

static void
test_accounts_bad_token (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  accounts = list_accounts (fixture->client, "not-a-real-access-token", &error);
  g_assert_null (accounts);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  assert_message_hides (error, "not-a-real-access-token");
  g_assert_cmpuint (count_requests (fixture, "/customers/me/accounts"), ==, 1);
}

static void
test_accounts_expired_token (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_no_error (error);

  tts_fake_tastytrade_advance_clock (fixture->fake, 16 * 60);
  accounts = list_accounts (fixture->client, tokens->access_token, &error);
  g_assert_null (accounts);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  assert_message_hides (error, tokens->access_token);
}

/* A token without the read scope may not list accounts. */
static void
test_accounts_forbidden (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *code = get_code_for_scope (fixture, "trade");

  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_no_error (error);

  accounts = list_accounts (fixture->client, tokens->access_token, &error);
  g_assert_null (accounts);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_FORBIDDEN);
  assert_message_hides (error, tokens->access_token);
  g_assert_cmpuint (count_requests (fixture, "/customers/me/accounts"), ==, 1);
}

/* Retries */

static void
test_retry_refresh_recovers (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 2, 503, "text/html", BUSY_HTML);
  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 3);
}

static void
test_retry_exchange_recovers (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *code = get_code (fixture);

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 2, 503, "text/html", BUSY_HTML);
  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 3);
}

static void
test_retry_gives_up (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 3, 503, "text/html", BUSY_HTML);
  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_SERVICE_UNAVAILABLE);
  /* One try and two retries, no more. */
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 3);
}

/* The sandbox's passing "not a customer" is retried, except for a code. */
static void
test_retry_not_a_customer (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *refresh_token = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autofree char *code = get_code (fixture);

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 400, "application/json",
                                           NOT_A_CUSTOMER);
  tokens = refresh (fixture->client, CLIENT_SECRET, refresh_token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 2);
  g_clear_pointer (&tokens, tts_tokens_free);

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 400, "application/json",
                                           NOT_A_CUSTOMER);
  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_SERVICE_UNAVAILABLE);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 3);
}

/* When a retried exchange finds its code used, the first failure is the likely cause. */
static void
test_retry_exchange_code_used (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *code = get_code (fixture);

  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_no_error (error);
  g_clear_pointer (&tokens, tts_tokens_free);

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 502, "text/html", BUSY_HTML);
  tokens = exchange (fixture->client, CLIENT_SECRET, code, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  assert_message_hides (error, code);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 3);
}

/* Answers that cannot be used */

static void
test_error_html_401 (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 401, "text/html", NGINX_401);
  tokens = refresh (fixture->client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_assert_null (strstr (error->message, "<"));
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

static void
test_error_malformed_json (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json",
                                           "{\"access_token\":\"abc.def");
  tokens = refresh (fixture->client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  assert_message_hides (error, "abc.def");
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

static void
test_error_no_access_token (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json",
                                           "{\"data\":{\"access_token\":\"abc\"}}");
  tokens = refresh (fixture->client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
}

/* Answers far larger than tastytrade's are refused, not read into memory to their end:
 * announced (Content-Length) or not (chunked). */
static void
test_error_too_large_announced (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autofree char *huge = g_strnfill (2 * 1024 * 1024, 'x');

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json", huge);
  tokens = refresh (fixture->client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "larger"));
  /* Not a passing fault: nothing is tried again. */
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

static void
chunked_handler_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  guint *n_requests = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autofree char *chunk = g_strnfill (100 * 1024, '[');

  (*n_requests)++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  for (guint i = 0; i < 20; i++)
    soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, strlen (chunk));
  soup_message_body_complete (body);
}

static void
test_error_too_large_chunked (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(TtsTokenClient) client = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *api = NULL;
  GSList *listeners;
  guint n_requests = 0;

  soup_server_add_handler (server, NULL, chunked_handler_cb, &n_requests, NULL);
  g_assert_true (soup_server_listen (server, address, 0, &error));
  g_assert_no_error (error);
  listeners = soup_server_get_listeners (server);
  local = g_socket_get_local_address (listeners->data, &error);
  g_assert_no_error (error);
  g_slist_free (listeners);
  api = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  client = tts_token_client_new (api, USER_AGENT);
  tts_token_client_set_retry_delay (client, 1);
  accounts = list_accounts (client, "some-access-token", &error);
  g_assert_null (accounts);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "larger"));
  g_assert_cmpuint (n_requests, ==, 1);

  soup_server_disconnect (server);
}

/* The transport */

static void
test_transport_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(TtsTokenClient) client = NULL;
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());

  client = tts_token_client_new (uri, USER_AGENT);
  tts_token_client_set_retry_delay (client, 1);
  tokens = refresh (client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_NETWORK);
  tts_test_assert_plain_error (error, TTS_ERROR_NETWORK,
                               (const char *[]) { CLIENT_SECRET, "some-refresh-token", NULL });
}

static void
test_transport_timeout (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(TtsTokenClient) client = NULL;
  g_autoptr(Stall) stall = stall_new ();
  gint64 start;

  client = tts_token_client_new (stall->uri, USER_AGENT);
  tts_token_client_set_timeout (client, 1);
  tts_token_client_set_retry_delay (client, 1);

  start = g_get_monotonic_time ();
  tokens = refresh (client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_TIMEOUT);
  tts_test_assert_plain_error (error, TTS_ERROR_TIMEOUT,
                               (const char *[]) { CLIENT_SECRET, "some-refresh-token", NULL });
  /* A timeout is worth retrying; each try waits its second. */
  g_assert_cmpuint (stall->n_requests, ==, 3);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 3 * G_USEC_PER_SEC - G_USEC_PER_SEC / 10);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
}

static void
test_transport_bad_uri (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(TtsTokenClient) client = tts_token_client_new ("not a uri", USER_AGENT);

  accounts = list_accounts (client, "some-access-token", &error);
  g_assert_null (accounts);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
}

/* Cancellation */

static void
test_cancel_before (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result result = { 0, };

  g_cancellable_cancel (cancellable);
  tts_token_client_refresh_async (fixture->client, CLIENT_ID, CLIENT_SECRET, "some-token",
                                  cancellable, refresh_cb, &result);
  wait_for (&result.done);
  g_assert_null (result.tokens);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 0);
  result_clear (&result);
}

static void
test_cancel_in_flight (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TtsTokenClient) client = NULL;
  g_autoptr(Stall) stall = stall_new ();
  Result result = { 0, };
  gint64 start;

  client = tts_token_client_new (stall->uri, USER_AGENT);
  tts_token_client_set_timeout (client, 30);

  start = g_get_monotonic_time ();
  tts_token_client_exchange_code_async (client, CLIENT_ID, CLIENT_SECRET, "some-code",
                                        REDIRECT_URI, cancellable, exchange_cb, &result);
  while (stall->n_requests == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (result.done);

  g_cancellable_cancel (cancellable);
  wait_for (&result.done);
  g_assert_null (result.tokens);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (stall->n_requests, ==, 1);
  result_clear (&result);
}

static void
request_finished_cb (TtsFakeTastytrade *fake,
                     TtsFakeRequest    *request,
                     gpointer           user_data)
{
  gboolean *finished = user_data;

  *finished = TRUE;
}

static void
test_cancel_during_retry (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result result = { 0, };
  gboolean finished = FALSE;
  gulong handler;
  gint64 start;

  /* A retry a minute away: cancelling must not wait for it. */
  tts_token_client_set_retry_delay (fixture->client, 60 * 1000);
  tts_fake_tastytrade_fail_token_requests (fixture->fake, 2, 503, "text/html", BUSY_HTML);
  handler = g_signal_connect (fixture->fake, "request-finished",
                              G_CALLBACK (request_finished_cb), &finished);

  start = g_get_monotonic_time ();
  tts_token_client_refresh_async (fixture->client, CLIENT_ID, CLIENT_SECRET, "some-token",
                                  cancellable, refresh_cb, &result);
  wait_for (&finished);
  /* Let the client read the 503 and start waiting. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (result.done);

  g_cancellable_cancel (cancellable);
  wait_for (&result.done);
  g_assert_null (result.tokens);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);

  g_signal_handler_disconnect (fixture->fake, handler);
  result_clear (&result);
}

/* The failure rows of issue 4, each asking the fake to answer the way the real service
 * does when it goes wrong. */
typedef struct
{
  guint         status;
  const char   *content_type;
  const char   *body;
  guint         fail_count;
  TtsErrorCode  code;
  guint         calls;          /* requests to /oauth/token in all */
} TokenFault;

static const TokenFault token_faults[] = {
  /* 0 */ { 400, "application/json",
            "{\"error_code\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}", 1,
            TTS_ERROR_INVALID_GRANT, 1 },
  /* 1 */ { 401, "application/json",
            "{\"error\":\"invalid_grant\",\"error_description\":\"Grant revoked\"}", 1,
            TTS_ERROR_INVALID_GRANT, 1 },
  /* 2 */ { 401, "application/json",
            "{\"error_code\":\"invalid_client\","
            "\"error_description\":\"Client authentication failed\"}", 1,
            TTS_ERROR_INVALID_CLIENT, 1 },
  /* 3: what the real service says to a request without User-Agent */
          { 401, "text/html", NGINX_401, 1, TTS_ERROR_PROTOCOL, 1 },
  /* 4: retried, twice, no more */
          { 503, "text/html", BUSY_HTML, 3, TTS_ERROR_SERVICE_UNAVAILABLE, 3 },
  /* 5 */ { 500, "application/json", "{\"error_code\":\"server_error\"}", 3,
            TTS_ERROR_SERVICE_UNAVAILABLE, 3 },
  /* 6 */ { 200, "application/json", "{\"access_token\":\"abc.def", 1, TTS_ERROR_PROTOCOL, 1 },
  /* 7: a description that repeats the secret is not shown */
          { 401, "application/json",
            "{\"error_code\":\"invalid_client\",\"error_description\":\"Bad secret "
            CLIENT_SECRET "\"}", 1, TTS_ERROR_INVALID_CLIENT, 1 },
  /* 8: markup in a description is not shown either */
          { 400, "application/json",
            "{\"error_code\":\"invalid_grant\",\"error_description\":\"<b>Invalid</b> JWT\"}", 1,
            TTS_ERROR_INVALID_GRANT, 1 },
};

typedef struct
{
  const TokenFault *fault;
  gboolean          exchange;   /* else refresh */
} TokenFaultCase;

static void
test_token_fault (Fixture       *fixture,
                  gconstpointer  data)
{
  const TokenFaultCase *test_case = data;
  const TokenFault *fault = test_case->fault;
  const char *secrets[] = { CLIENT_SECRET, "the-code-1234", "the-refresh-token-5678", "abc.def",
                            NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tts_fake_tastytrade_fail_token_requests (fixture->fake, fault->fail_count, fault->status,
                                           fault->content_type, fault->body);
  if (test_case->exchange)
    tokens = exchange (fixture->client, CLIENT_SECRET, "the-code-1234", &error);
  else
    tokens = refresh (fixture->client, CLIENT_SECRET, "the-refresh-token-5678", &error);

  g_assert_null (tokens);
  tts_test_assert_plain_error (error, fault->code, secrets);
  /* Retried only where a retry can help, and then only twice. */
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, fault->calls);
}

/* 200 without a refresh token after a code: the refresh token is the whole point. */
static void
test_exchange_no_refresh_token_message (Fixture       *fixture,
                                        gconstpointer  data)
{
  const char *secrets[] = { CLIENT_SECRET, "abc.def.ghi", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tts_fake_tastytrade_fail_token_requests (fixture->fake, 1, 200, "application/json",
                                           "{\"access_token\":\"abc.def.ghi\","
                                           "\"token_type\":\"Bearer\",\"expires_in\":900}");
  tokens = exchange (fixture->client, CLIENT_SECRET, "some-code", &error);
  g_assert_null (tokens);
  tts_test_assert_plain_error (error, TTS_ERROR_PROTOCOL, secrets);
  g_assert_cmpuint (count_requests (fixture, "/oauth/token"), ==, 1);
}

static void
request_time_cb (TtsFakeTastytrade *fake,
                 TtsFakeRequest    *request,
                 GArray            *times)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (times, now);
}

/* A 5xx is asked again after a delay that doubles. */
static void
test_retry_backoff (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  gint64 first_gap, second_gap;
  gulong handler;

  tts_token_client_set_retry_delay (fixture->client, 100);
  tts_fake_tastytrade_fail_token_requests (fixture->fake, 3, 502, "text/html", BUSY_HTML);
  handler = g_signal_connect (fixture->fake, "request-finished",
                              G_CALLBACK (request_time_cb), times);

  tokens = refresh (fixture->client, CLIENT_SECRET, "some-refresh-token", &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_SERVICE_UNAVAILABLE);
  g_signal_handler_disconnect (fixture->fake, handler);

  g_assert_cmpuint (times->len, ==, 3);
  first_gap = g_array_index (times, gint64, 1) - g_array_index (times, gint64, 0);
  second_gap = g_array_index (times, gint64, 2) - g_array_index (times, gint64, 1);
  g_test_message ("Retries after %" G_GINT64_FORMAT " ms and %" G_GINT64_FORMAT " ms",
                  first_gap / 1000, second_gap / 1000);
  g_assert_cmpint (first_gap, >=, 100 * 1000);
  g_assert_cmpint (second_gap, >=, 200 * 1000);
}

/* A TLS server with a certificate nobody trusts (tests/tls, a published test key) */
typedef struct
{
  SoupServer *server;
  guint       port;
  guint       n_requests;
  GPtrArray  *open;         /* SoupServerMessage, each holding its connection */
} TlsServer;

static void
tls_handler_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  TlsServer *tls = user_data;
  static const char body[] = "{\"access_token\":\"tls-access\",\"refresh_token\":\"tls-refresh\","
                             "\"token_type\":\"Bearer\",\"expires_in\":900}";

  tls->n_requests++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static void
tls_message_done_cb (SoupServerMessage *msg,
                     TlsServer         *tls)
{
  g_signal_handlers_disconnect_by_data (msg, tls);
  g_ptr_array_remove (tls->open, msg);
  g_object_unref (msg);
}

/* A connection's first message comes before its TLS handshake, and holds the connection.
 * The server is torn down only once each handshake is over (connected) and each connection
 * idle (finished) or gone (disconnected): libsoup 3.3 to 3.6.5 frees a connection in
 * soup_server_disconnect() while its handshake runs on, and the handshake's callback then
 * uses the freed connection (issue 13; fixed in libsoup 3.6.6). */
static void
tls_request_started_cb (SoupServer        *server,
                        SoupServerMessage *msg,
                        TlsServer         *tls)
{
  g_ptr_array_add (tls->open, g_object_ref (msg));
  g_signal_connect (msg, "connected", G_CALLBACK (tls_message_done_cb), tls);
  g_signal_connect (msg, "finished", G_CALLBACK (tls_message_done_cb), tls);
  g_signal_connect (msg, "disconnected", G_CALLBACK (tls_message_done_cb), tls);
}

static TlsServer *
tls_server_new (void)
{
  g_autofree char *cert_path = g_test_build_filename (G_TEST_DIST, "tls", "test-cert.pem", NULL);
  g_autofree char *key_path = g_test_build_filename (G_TEST_DIST, "tls", "test-key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  TlsServer *tls = g_new0 (TlsServer, 1);
  GSList *listeners;

  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);

  tls->open = g_ptr_array_new ();
  tls->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (tls->server, NULL, tls_handler_cb, tls, NULL);
  g_signal_connect (tls->server, "request-started", G_CALLBACK (tls_request_started_cb), tls);
  g_assert_true (soup_server_listen (tls->server, address, SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);

  listeners = soup_server_get_listeners (tls->server);
  local = g_socket_get_local_address (listeners->data, &error);
  g_assert_no_error (error);
  g_slist_free (listeners);
  tls->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return tls;
}

static void
tls_server_free (TlsServer *tls)
{
  /* The clients have given up; let the server's side of each handshake end too. */
  g_assert_true (wait_for_count (&tls->open->len, 0, 10));
  g_clear_pointer (&tls->open, g_ptr_array_unref);

  soup_server_disconnect (tls->server);
  g_clear_object (&tls->server);
  g_free (tls);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsServer, tls_server_free)

static gboolean
accept_any_certificate_cb (SoupMessage          *msg,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return TRUE;
}

static void
plain_send_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Result *plain = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result,
                                                              &plain->error);

  plain->done = TRUE;
}

/* The token client refuses a certificate it cannot verify, says so, and cannot be told to
 * go on anyway. */
static void
test_tls_untrusted (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(TlsServer) tls = NULL;
  const char * const hosts[] = { "127.0.0.1", "localhost" };
  const char *secrets[] = { CLIENT_SECRET, "some-refresh-token", "some-code", NULL };

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      /* libsoup needs glib-networking for any https: without it the program is useless. */
      g_test_fail_printf ("No TLS backend: install glib-networking");
      return;
    }

  tls = tls_server_new ();

  /* The server works: a client told to accept anything reaches it. That is the one thing
   * the token client must never do. */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *uri = g_strdup_printf ("https://127.0.0.1:%u/oauth/token", tls->port);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
    Result plain = { 0, };

    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate_cb), NULL);
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, plain_send_cb,
                                      &plain);
    wait_for (&plain.done);
    g_assert_no_error (plain.error);
    g_assert_cmpuint (tls->n_requests, ==, 1);
    tls->n_requests = 0;
  }

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autofree char *api = g_strdup_printf ("https://%s:%u", hosts[i], tls->port);
      g_autoptr(TtsTokenClient) client = tts_token_client_new (api, USER_AGENT);
      g_autoptr(GError) error = NULL;
      g_autoptr(TtsTokens) tokens = NULL;
      g_autoptr(GPtrArray) accounts = NULL;
      gint64 start = g_get_monotonic_time ();

      /* A retry would show in the time taken, and none must happen. */
      tts_token_client_set_retry_delay (client, 30 * 1000);

      tokens = refresh (client, CLIENT_SECRET, "some-refresh-token", &error);
      g_assert_null (tokens);
      tts_test_assert_plain_error (error, TTS_ERROR_TLS, secrets);
      g_assert_nonnull (strstr (error->message, "certificate"));
      g_clear_error (&error);

      tokens = exchange (client, CLIENT_SECRET, "some-code", &error);
      g_assert_null (tokens);
      tts_test_assert_plain_error (error, TTS_ERROR_TLS, secrets);
      g_clear_error (&error);

      accounts = list_accounts (client, "some-access-token", &error);
      g_assert_null (accounts);
      tts_test_assert_plain_error (error, TTS_ERROR_TLS, secrets);

      /* Not one request got through, and nothing was tried again. */
      g_assert_cmpuint (tls->n_requests, ==, 0);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
    }
}

/* A server that takes TCP connections and never says a word: a TLS client that connects
 * stays in its handshake, waiting for the server's hello. */
typedef struct
{
  GSocketService *service;
  GCancellable   *cancellable;
  char           *uri;
  guint           n_hello;      /* connections whose client has spoken */
  guint           n_closed;     /* connections the client has closed */
  guint           n_reading;
} Silent;

typedef struct
{
  Silent            *silent;
  GSocketConnection *connection;
  gboolean           spoke;
} SilentPeer;

static void silent_read (SilentPeer *peer);

static void
silent_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SilentPeer *peer = user_data;
  Silent *silent = peer->silent;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  silent->n_reading--;
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    {
      /* The first bytes are the ClientHello: the handshake is under way. */
      if (!peer->spoke)
        silent->n_hello++;
      peer->spoke = TRUE;
      silent_read (peer);
      return;
    }

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    silent->n_closed++;
  g_object_unref (peer->connection);
  g_free (peer);
}

static void
silent_read (SilentPeer *peer)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (peer->connection));

  peer->silent->n_reading++;
  g_input_stream_read_bytes_async (input, 4096, G_PRIORITY_DEFAULT, peer->silent->cancellable,
                                   silent_read_cb, peer);
}

static gboolean
silent_incoming_cb (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source_object,
                    gpointer           user_data)
{
  SilentPeer *peer = g_new0 (SilentPeer, 1);

  peer->silent = user_data;
  peer->connection = g_object_ref (connection);
  silent_read (peer);

  return TRUE;
}

static Silent *
silent_new (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  Silent *silent = g_new0 (Silent, 1);

  silent->service = g_socket_service_new ();
  silent->cancellable = g_cancellable_new ();
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (silent->service), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &local, &error));
  g_assert_no_error (error);
  g_signal_connect (silent->service, "incoming", G_CALLBACK (silent_incoming_cb), silent);
  g_socket_service_start (silent->service);

  silent->uri = g_strdup_printf ("https://127.0.0.1:%u",
                                 g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  return silent;
}

static void
silent_free (Silent *silent)
{
  g_socket_service_stop (silent->service);
  g_socket_listener_close (G_SOCKET_LISTENER (silent->service));
  g_cancellable_cancel (silent->cancellable);
  g_assert_true (wait_for_count (&silent->n_reading, 0, 10));

  g_clear_object (&silent->service);
  g_clear_object (&silent->cancellable);
  g_free (silent->uri);
  g_free (silent);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Silent, silent_free)

static void
finalized_cb (gpointer  data,
              GObject  *where_the_object_was)
{
  guint *n_finalized = data;

  (*n_finalized)++;
}

/* Cancelling while the TLS handshake waits for the server, with nobody else holding the
 * client: the call ends at once, the client and its session go, and the connection is closed
 * without anything of it running later on freed memory (issue 13). */
static void
test_tls_cancel_in_handshake (void)
{
  g_autoptr(Silent) silent = silent_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TtsTokenClient *client = tts_token_client_new (silent->uri, USER_AGENT);
  Result result = { 0, };
  guint n_finalized = 0;
  gint64 start;

  tts_token_client_set_timeout (client, 30);
  g_object_weak_ref (G_OBJECT (client), finalized_cb, &n_finalized);

  start = g_get_monotonic_time ();
  tts_token_client_refresh_async (client, CLIENT_ID, CLIENT_SECRET, "some-refresh-token",
                                  cancellable, refresh_cb, &result);
  /* The call keeps the client alive; the caller need not. */
  g_object_unref (client);
  g_assert_true (wait_for_count (&silent->n_hello, 1, 10));
  g_assert_false (result.done);
  g_assert_cmpuint (n_finalized, ==, 0);

  g_cancellable_cancel (cancellable);
  wait_for (&result.done);
  g_assert_null (result.tokens);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  result_clear (&result);

  g_assert_true (wait_for_count (&n_finalized, 1, 10));
  g_assert_true (wait_for_count (&silent->n_closed, 1, 10));
  g_assert_cmpuint (silent->n_hello, ==, 1);
}

/* The same when the deadline ends each attempt in the handshake, and the client is dropped
 * right after. */
static void
test_tls_timeout_in_handshake (void)
{
  g_autoptr(Silent) silent = silent_new ();
  TtsTokenClient *client = tts_token_client_new (silent->uri, USER_AGENT);
  Result result = { 0, };
  guint n_finalized = 0;

  tts_token_client_set_timeout (client, 1);
  tts_token_client_set_retry_delay (client, 1);
  g_object_weak_ref (G_OBJECT (client), finalized_cb, &n_finalized);

  tts_token_client_exchange_code_async (client, CLIENT_ID, CLIENT_SECRET, "some-code",
                                        REDIRECT_URI, NULL, exchange_cb, &result);
  g_object_unref (client);
  wait_for (&result.done);
  g_assert_null (result.tokens);
  g_assert_error (result.error, TTS_ERROR, TTS_ERROR_TIMEOUT);
  result_clear (&result);

  /* Each attempt (two retries) got as far as the handshake, and each connection is closed. */
  g_assert_true (wait_for_count (&n_finalized, 1, 10));
  g_assert_cmpuint (silent->n_hello, ==, 3);
  g_assert_true (wait_for_count (&silent->n_closed, 3, 10));
}

/* No property, and so no setting anywhere, turns the certificate check off. */
static void
test_tls_no_bypass (void)
{
  g_autoptr(TtsTokenClient) client = tts_token_client_new ("https://api.example.invalid",
                                                           USER_AGENT);
  g_autofree GParamSpec **specs = NULL;
  guint n_specs = 0;
  guint n_signals = 0;
  g_autofree guint *signal_ids = g_signal_list_ids (TTS_TYPE_TOKEN_CLIENT, &n_signals);

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (client), &n_specs);
  for (guint i = 0; i < n_specs; i++)
    {
      const char *name = g_param_spec_get_name (specs[i]);

      g_test_message ("Property %s", name);
      g_assert_null (strstr (name, "tls"));
      g_assert_null (strstr (name, "certificate"));
      g_assert_null (strstr (name, "ssl"));
      g_assert_null (strstr (name, "insecure"));
      g_assert_null (strstr (name, "accept"));
      g_assert_null (strstr (name, "database"));
    }
  /* Nor a signal through which someone could accept a certificate. */
  g_assert_cmpuint (n_signals, ==, 0);
}

/* Properties */

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_properties (void)
{
  g_autoptr(TtsTokenClient) client = tts_token_client_new ("https://api.example.invalid/",
                                                           USER_AGENT);
  g_autofree char *api_uri = NULL;
  g_autofree char *user_agent = NULL;
  guint timeout = 0;
  guint retry_delay = 0;
  guint notified = 0;

  g_object_get (client,
                "api-uri", &api_uri,
                "user-agent", &user_agent,
                "timeout", &timeout,
                "retry-delay", &retry_delay,
                NULL);
  g_assert_cmpstr (api_uri, ==, "https://api.example.invalid");
  g_assert_cmpstr (user_agent, ==, USER_AGENT);
  g_assert_cmpuint (timeout, ==, 30);
  g_assert_cmpuint (retry_delay, ==, 1000);

  g_signal_connect (client, "notify", G_CALLBACK (notify_cb), &notified);
  tts_token_client_set_timeout (client, 5);
  tts_token_client_set_timeout (client, 5);
  tts_token_client_set_retry_delay (client, 10);
  g_assert_cmpuint (notified, ==, 2);
  g_object_get (client, "timeout", &timeout, "retry-delay", &retry_delay, NULL);
  g_assert_cmpuint (timeout, ==, 5);
  g_assert_cmpuint (retry_delay, ==, 10);
}

/* tts_token_client_error_from_response() */

static void
test_error_table (void)
{
  static const struct
  {
    guint         status;
    const char   *content_type;
    const char   *body;
    TtsErrorCode  code;
  } cases[] = {
    { 400, "application/json",
      "{\"error_code\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}",
      TTS_ERROR_INVALID_GRANT },
    { 401, "application/json", "{\"error_code\":\"invalid_grant\"}", TTS_ERROR_INVALID_GRANT },
    { 503, "application/json", "{\"error_code\":\"invalid_grant\"}", TTS_ERROR_INVALID_GRANT },
    { 400, "application/json", "{\"error\":\"invalid_grant\",\"error_description\":\"expired\"}",
      TTS_ERROR_INVALID_GRANT },
    { 401, "application/json", "{\"error_code\":\"invalid_client\",\"error_description\":\"x\"}",
      TTS_ERROR_INVALID_CLIENT },
    { 400, "application/json", "{\"error\":\"invalid_client\"}", TTS_ERROR_INVALID_CLIENT },
    { 400, "application/json", "{\"error\":\"unauthorized_client\"}", TTS_ERROR_INVALID_CLIENT },
    { 400, "application/json; charset=utf-8", NOT_A_CUSTOMER, TTS_ERROR_SERVICE_UNAVAILABLE },
    { 401, NULL,
      "{\"error\":\"invalid_request\",\"error_description\":\"user is NOT a tastytrade customer\"}",
      TTS_ERROR_SERVICE_UNAVAILABLE },
    { 400, "application/json",
      "{\"error_code\":\"invalid_request\",\"error_description\":\"grant_type is required\"}",
      TTS_ERROR_PROTOCOL },
    { 400, "application/json", "{\"error_code\":\"invalid_request\"}", TTS_ERROR_PROTOCOL },
    { 400, "application/json", "{\"error_code\":\"unsupported_grant_type\"}", TTS_ERROR_PROTOCOL },
    { 400, "application/json", "{\"error_code\":\"invalid_scope\"}", TTS_ERROR_PROTOCOL },
    { 400, "application/json", "{\"error_code\":42}", TTS_ERROR_PROTOCOL },
    { 400, "application/json", "[\"invalid_grant\"]", TTS_ERROR_PROTOCOL },
    { 400, "application/json", "not json", TTS_ERROR_PROTOCOL },
    { 400, NULL, "", TTS_ERROR_PROTOCOL },
    { 401, "application/json",
      "{\"error\":{\"code\":\"token_invalid\","
      "\"message\":\"This request requires a valid access token\"}}",
      TTS_ERROR_INVALID_GRANT },
    { 401, "application/json", "{}", TTS_ERROR_INVALID_GRANT },
    { 401, "text/html", NGINX_401, TTS_ERROR_PROTOCOL },
    { 401, "text/html", "{\"error_code\":\"invalid_grant\"}", TTS_ERROR_PROTOCOL },
    { 401, NULL, "", TTS_ERROR_PROTOCOL },
    { 401, "text/plain", "Unauthorized", TTS_ERROR_PROTOCOL },
    { 403, "application/json", "{\"error\":{\"code\":\"forbidden\",\"message\":\"scope\"}}",
      TTS_ERROR_FORBIDDEN },
    { 403, "text/html", "<html>Forbidden</html>", TTS_ERROR_FORBIDDEN },
    { 403, NULL, "", TTS_ERROR_FORBIDDEN },
    { 500, "text/html", "<html>Internal Server Error</html>", TTS_ERROR_SERVICE_UNAVAILABLE },
    { 502, NULL, "", TTS_ERROR_SERVICE_UNAVAILABLE },
    { 503, "text/html", BUSY_HTML, TTS_ERROR_SERVICE_UNAVAILABLE },
    { 504, "application/json", "{\"error\":{\"code\":\"timeout\",\"message\":\"upstream\"}}",
      TTS_ERROR_SERVICE_UNAVAILABLE },
    { 302, NULL, "", TTS_ERROR_PROTOCOL },
    { 404, "text/html", "<html>Not Found</html>", TTS_ERROR_PROTOCOL },
    { 429, "application/json", "{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow down\"}}",
      TTS_ERROR_PROTOCOL },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      error = tts_token_client_error_from_response (cases[i].status, cases[i].content_type,
                                                    cases[i].body, strlen (cases[i].body));
      g_assert_error (error, TTS_ERROR, (gint) cases[i].code);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpstr (error->message, !=, "");
      g_assert_null (strstr (error->message, "<"));
    }
}

static void
test_error_description (void)
{
  static const char body[] =
    "{\"error_code\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}";
  g_autoptr(GError) error = NULL;

  error = tts_token_client_error_from_response (400, "application/json", body, strlen (body));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_nonnull (strstr (error->message, "Invalid JWT"));
}

/* What the server says is shown only once it is safe and short. */
static void
test_error_description_sanitized (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) long_text = g_string_new (NULL);
  g_autofree char *body = NULL;
  const char *said;
  guint i;

  /* Control characters and line breaks become single spaces. */
  body = g_strdup ("{\"error_code\":\"invalid_grant\","
                   "\"error_description\":\"bad\\n\\u0001\\tgrant\\u001b[31m\"}");
  error = tts_token_client_error_from_response (400, "application/json", body, strlen (body));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_nonnull (strstr (error->message, "bad grant [31m"));
  for (i = 0; error->message[i] != '\0'; i++)
    g_assert_false (g_ascii_iscntrl (error->message[i]));
  g_clear_error (&error);
  g_clear_pointer (&body, g_free);

  /* Long text is cut. */
  for (i = 0; i < 100; i++)
    g_string_append (long_text, "word ");
  body = g_strdup_printf ("{\"error_code\":\"invalid_client\",\"error_description\":\"%s\"}",
                          long_text->str);
  error = tts_token_client_error_from_response (401, "application/json", body, strlen (body));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_CLIENT);
  said = strstr (error->message, "word");
  g_assert_nonnull (said);
  g_assert_cmpuint (g_utf8_strlen (said, -1), <=, 205);
  g_assert_nonnull (strstr (said, "…"));
  g_clear_error (&error);
  g_clear_pointer (&body, g_free);

  /* Anything that looks like a token is left out altogether. */
  body = g_strdup ("{\"error_code\":\"invalid_grant\",\"error_description\":"
                   "\"Invalid JWT eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJVMDAwIn0.c2lnbmF0dXJl\"}");
  error = tts_token_client_error_from_response (400, "application/json", body, strlen (body));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_GRANT);
  g_assert_null (strstr (error->message, "eyJ"));
  g_assert_null (strstr (error->message, "Invalid JWT"));
  g_clear_error (&error);
  g_clear_pointer (&body, g_free);

  /* Text that is not UTF-8 is not JSON either, and does not reach the message. */
  body = g_strdup ("{\"error_code\":\"invalid_grant\","
                   "\"error_description\":\"caf\xc3\xa9 \xff\xfe\"}");
  error = tts_token_client_error_from_response (400, NULL, body, strlen (body));
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* TtsTokens */

static TtsTokens *
parse_tokens (const char  *json,
              GError     **error)
{
  return tts_tokens_new_from_json (json, strlen (json), error);
}

static void
test_tokens_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(TtsTokens) copy = NULL;
  TtsTokens *boxed;

  tokens = parse_tokens ("{\"access_token\":\"AAA\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                         "\"refresh_token\":\"RRR\",\"id_token\":\"III\",\"extra\":{\"a\":[1]}}",
                         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tokens->access_token, ==, "AAA");
  g_assert_cmpstr (tokens->refresh_token, ==, "RRR");
  g_assert_cmpstr (tokens->token_type, ==, "Bearer");
  g_assert_cmpint (tokens->expires_in, ==, 900);

  copy = tts_tokens_copy (tokens);
  g_assert_true (copy != tokens);
  g_assert_cmpstr (copy->access_token, ==, "AAA");
  g_assert_cmpstr (copy->refresh_token, ==, "RRR");
  g_assert_cmpstr (copy->token_type, ==, "Bearer");
  g_assert_cmpint (copy->expires_in, ==, 900);

  g_assert_true (G_TYPE_IS_BOXED (TTS_TYPE_TOKENS));
  boxed = g_boxed_copy (TTS_TYPE_TOKENS, tokens);
  g_assert_cmpstr (boxed->access_token, ==, "AAA");
  g_boxed_free (TTS_TYPE_TOKENS, boxed);
}

static void
test_tokens_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;

  tokens = parse_tokens ("{\"access_token\":\"AAA\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tokens->access_token, ==, "AAA");
  g_assert_null (tokens->refresh_token);
  g_assert_null (tokens->token_type);
  g_assert_cmpint (tokens->expires_in, ==, 0);
  g_clear_pointer (&tokens, tts_tokens_free);

  tokens = parse_tokens ("{\"access_token\":\"AAA\",\"refresh_token\":null,\"expires_in\":null}",
                         &error);
  g_assert_no_error (error);
  g_assert_null (tokens->refresh_token);
  g_assert_cmpint (tokens->expires_in, ==, 0);
  g_clear_pointer (&tokens, tts_tokens_free);

  tokens = parse_tokens ("{\"access_token\":\"AAA\",\"refresh_token\":\"\"}", &error);
  g_assert_no_error (error);
  g_assert_null (tokens->refresh_token);
}

/* Nesting deeper than any answer of tastytrade's is refused before json-glib's recursive
 * parser sees it: 200,000 levels overflowed its stack. Brackets inside strings do not count. */
static void
test_tokens_deep (void)
{
  const gsize depth = 200 * 1000;
  g_autofree char *deep = g_strnfill (depth, '[');
  g_autofree char *deep_object = g_strconcat ("{\"access_token\":", deep, NULL);
  g_autofree char *in_string = g_strnfill (1000, '[');
  g_autofree char *bracketed = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                                                "\"expires_in\":900}", in_string);
  g_autoptr(GError) error = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  tokens = tts_tokens_new_from_json (deep, depth, &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_clear_error (&error);

  tokens = tts_tokens_new_from_json (deep_object, strlen (deep_object), &error);
  g_assert_null (tokens);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_clear_error (&error);

  accounts = tts_account_list_new_from_json (deep, depth, &error);
  g_assert_null (accounts);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_clear_error (&error);

  tokens = tts_tokens_new_from_json (bracketed, strlen (bracketed), &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);
}

/* The nesting limit counts levels, not brackets: a long list of shallow items (many accounts,
 * an option chain's strikes) is read, and exactly TTS_JSON_MAX_DEPTH levels still are. */
static void
test_json_depth_counts_levels (void)
{
  g_autoptr(GString) many = g_string_new ("{\"data\":{\"items\":[");
  g_autoptr(GString) nested = g_string_new ("{\"a\":");
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append_printf (many, "%s{\"account\":{\"account-number\":\"5WX%05u\"},"
                            "\"authority-level\":\"owner\"}", i > 0 ? "," : "", i);
  g_string_append (many, "]}}");
  accounts = tts_account_list_new_from_json (many->str, many->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 200);

  /* 1 object + 30 arrays + 1 object: 32 levels. */
  for (guint i = 0; i < TTS_JSON_MAX_DEPTH - 2; i++)
    g_string_append_c (nested, '[');
  g_string_append (nested, "{}");
  for (guint i = 0; i < TTS_JSON_MAX_DEPTH - 2; i++)
    g_string_append_c (nested, ']');
  g_string_append_c (nested, '}');
  root = tts_json_parse_object (nested->str, nested->len);
  g_assert_nonnull (root);
  g_clear_pointer (&root, json_node_unref);

  /* One more is refused. */
  g_string_insert (nested, 5, "[");
  g_string_insert (nested, nested->len - 1, "]");
  root = tts_json_parse_object (nested->str, nested->len);
  g_assert_null (root);
}

static void
test_tokens_junk (void)
{
  static const char * const junk[] = {
    "",
    "null",
    "[]",
    "\"SECRET-access\"",
    "{}",
    "{\"access_token\":\"\"}",
    "{\"access_token\":null}",
    "{\"access_token\":42}",
    "{\"access_token\":[\"SECRET-access\"]}",
    "{\"data\":{\"access_token\":\"SECRET-access\"}}",
    "{\"access_token\":\"SECRET-access\",\"refresh_token\":7}",
    "{\"access_token\":\"SECRET-access\",\"token_type\":{}}",
    "{\"access_token\":\"SECRET-access\",\"expires_in\":\"900\"}",
    "{\"access_token\":\"SECRET-access\",\"expires_in\":900.5}",
    "{\"access_token\":\"SECRET-access\",\"expires_in\":-1}",
    "{\"access_token\":\"SECRET-access\"",
    "<html>SECRET-access</html>",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TtsTokens) tokens = NULL;

      g_test_message ("junk %" G_GSIZE_FORMAT, i);
      tokens = parse_tokens (junk[i], &error);
      g_assert_null (tokens);
      g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
      g_assert_null (strstr (error->message, "SECRET"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/token-client/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("exchange/success", test_exchange_success);
  ADD ("exchange/reused-code", test_exchange_reused_code);
  ADD ("exchange/expired-code", test_exchange_expired_code);
  ADD ("exchange/wrong-secret", test_exchange_wrong_secret);
  ADD ("exchange/no-refresh-token", test_exchange_no_refresh_token);
  ADD ("refresh/success", test_refresh_success);
  ADD ("refresh/revoked", test_refresh_revoked);
  ADD ("refresh/wrong-secret", test_refresh_wrong_secret);
  ADD ("accounts/success", test_accounts_success);
  ADD ("accounts/bad-token", test_accounts_bad_token);
  ADD ("accounts/expired-token", test_accounts_expired_token);
  ADD ("accounts/forbidden", test_accounts_forbidden);
  ADD ("retry/refresh-recovers", test_retry_refresh_recovers);
  ADD ("retry/exchange-recovers", test_retry_exchange_recovers);
  ADD ("retry/gives-up", test_retry_gives_up);
  ADD ("retry/not-a-customer", test_retry_not_a_customer);
  ADD ("retry/exchange-code-used", test_retry_exchange_code_used);
  ADD ("error/html-401", test_error_html_401);
  ADD ("error/malformed-json", test_error_malformed_json);
  ADD ("error/no-access-token", test_error_no_access_token);
  ADD ("error/too-large-announced", test_error_too_large_announced);
  ADD ("transport/refused", test_transport_refused);
  ADD ("transport/timeout", test_transport_timeout);
  ADD ("transport/bad-uri", test_transport_bad_uri);
  ADD ("cancel/before", test_cancel_before);
  ADD ("cancel/in-flight", test_cancel_in_flight);
  ADD ("cancel/during-retry", test_cancel_during_retry);

  ADD ("exchange/no-refresh-token-message", test_exchange_no_refresh_token_message);
  ADD ("retry/backoff", test_retry_backoff);
  ADD ("tls/untrusted", test_tls_untrusted);

#define ADD_FAULT(path, index, is_exchange) \
  G_STMT_START { \
    static const TokenFaultCase test_case = { &token_faults[index], is_exchange }; \
    g_test_add ("/token-client/" path, Fixture, &test_case, fixture_set_up, test_token_fault, \
                fixture_tear_down); \
  } G_STMT_END

  ADD_FAULT ("rows/exchange/invalid-grant-400", 0, TRUE);
  ADD_FAULT ("rows/exchange/invalid-grant-401", 1, TRUE);
  ADD_FAULT ("rows/exchange/invalid-client", 2, TRUE);
  ADD_FAULT ("rows/exchange/html-401", 3, TRUE);
  ADD_FAULT ("rows/exchange/503", 4, TRUE);
  ADD_FAULT ("rows/exchange/500", 5, TRUE);
  ADD_FAULT ("rows/exchange/malformed-json", 6, TRUE);
  ADD_FAULT ("rows/exchange/secret-in-description", 7, TRUE);
  ADD_FAULT ("rows/exchange/markup-in-description", 8, TRUE);
  ADD_FAULT ("rows/refresh/invalid-grant-400", 0, FALSE);
  ADD_FAULT ("rows/refresh/invalid-grant-401", 1, FALSE);
  ADD_FAULT ("rows/refresh/invalid-client", 2, FALSE);
  ADD_FAULT ("rows/refresh/html-401", 3, FALSE);
  ADD_FAULT ("rows/refresh/503", 4, FALSE);
  ADD_FAULT ("rows/refresh/500", 5, FALSE);
  ADD_FAULT ("rows/refresh/malformed-json", 6, FALSE);
  ADD_FAULT ("rows/refresh/secret-in-description", 7, FALSE);
  ADD_FAULT ("rows/refresh/markup-in-description", 8, FALSE);

#undef ADD_FAULT
#undef ADD

  g_test_add_func ("/token-client/properties", test_properties);
  g_test_add_func ("/token-client/tls/no-bypass", test_tls_no_bypass);
  g_test_add_func ("/token-client/error/too-large-chunked", test_error_too_large_chunked);
  g_test_add_func ("/token-client/tls/cancel-in-handshake", test_tls_cancel_in_handshake);
  g_test_add_func ("/token-client/tls/timeout-in-handshake", test_tls_timeout_in_handshake);
  g_test_add_func ("/token-client/error/table", test_error_table);
  g_test_add_func ("/token-client/error/description", test_error_description);
  g_test_add_func ("/token-client/error/description-sanitized", test_error_description_sanitized);
  g_test_add_func ("/token-client/tokens/parse", test_tokens_parse);
  g_test_add_func ("/token-client/tokens/minimal", test_tokens_minimal);
  g_test_add_func ("/token-client/tokens/junk", test_tokens_junk);
  g_test_add_func ("/token-client/tokens/deep", test_tokens_deep);
  g_test_add_func ("/token-client/json/depth-counts-levels", test_json_depth_counts_levels);

  return g_test_run ();
}

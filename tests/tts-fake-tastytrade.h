/* tts-fake-tastytrade.h: an offline tastytrade that follows
 * shared/reference/tastytrade-oauth-contract.md and tastytrade-market-data.md (option chains,
 * quote tokens and the DXLink quote stream), for tests and the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TTS_TYPE_FAKE_TASTYTRADE (tts_fake_tastytrade_get_type ())

G_DECLARE_FINAL_TYPE (TtsFakeTastytrade, tts_fake_tastytrade, TTS, FAKE_TASTYTRADE, GObject)

/* One request the fake received, for assertions. */
typedef struct
{
  char       *method;
  char       *path;
  char       *user_agent;     /* NULL when absent */
  char       *content_type;   /* NULL when absent */
  char       *authorization;  /* NULL when absent */
  char       *accept;         /* NULL when absent */
  gboolean    has_accept_version;
  GHashTable *params;         /* query or body parameters (JSON or form), string → string */
  guint       status;         /* what the fake answered */
  /* g_get_monotonic_time() when its headers were read and when the answer was written
   * (0 if the client went away first); both set by "request-finished". */
  gint64      started_at;
  gint64      finished_at;
} TtsFakeRequest;

TtsFakeTastytrade *tts_fake_tastytrade_new                (void);
/* Listens on 127.0.0.1; @port 0 picks a free one. */
gboolean           tts_fake_tastytrade_start              (TtsFakeTastytrade  *self,
                                                           guint               port,
                                                           GError            **error);
/* "http://127.0.0.1:PORT" (API base) and "http://127.0.0.1:PORT/auth.html" */
const char        *tts_fake_tastytrade_get_api_uri        (TtsFakeTastytrade  *self);
const char        *tts_fake_tastytrade_get_auth_uri       (TtsFakeTastytrade  *self);

/* An OAuth app. redirect_uri must then match byte for byte. Adding a client ID again
 * replaces it; a different secret then kills its grants, as regenerating it on the site does. */
void               tts_fake_tastytrade_add_client         (TtsFakeTastytrade  *self,
                                                           const char         *client_id,
                                                           const char         *client_secret,
                                                           const char         *redirect_uri);
/* The account holder's login and the 2FA code the second step asks for
 * (default "demo", "demo", "123456"). */
void               tts_fake_tastytrade_set_user           (TtsFakeTastytrade  *self,
                                                           const char         *username,
                                                           const char         *password,
                                                           const char         *otp);
/* More of the sign-in page (GET /auth.html), after its form: frames of other sites, as a
 * captcha would be, for tests of what the view lets frames do. NULL for none. */
void               tts_fake_tastytrade_set_login_extra    (TtsFakeTastytrade  *self,
                                                           const char         *html);
/* Adds an account that /customers/me/accounts lists. */
void               tts_fake_tastytrade_add_account        (TtsFakeTastytrade  *self,
                                                           const char         *number,
                                                           const char         *nickname,
                                                           const char         *type_name,
                                                           const char         *authority);
/* What "Create Grant" on the site would show: a refresh token for @client_id with scope read.
 * Returns a new string. */
char              *tts_fake_tastytrade_create_grant       (TtsFakeTastytrade  *self,
                                                           const char         *client_id);
/* Deletes every grant of @client_id, as deleting it on the site would. */
void               tts_fake_tastytrade_revoke_grants      (TtsFakeTastytrade  *self,
                                                           const char         *client_id);

/* Fault injection: the next @count requests to /oauth/token get this answer instead
 * (status, content type, body). */
void               tts_fake_tastytrade_fail_token_requests (TtsFakeTastytrade *self,
                                                            guint              count,
                                                            guint              status,
                                                            const char        *content_type,
                                                            const char        *body);

/* Every request received, oldest first (TtsFakeRequest, owned by the fake). */
GPtrArray         *tts_fake_tastytrade_get_requests       (TtsFakeTastytrade  *self);
/* How many requests to @path came in. */
guint              tts_fake_tastytrade_count_requests     (TtsFakeTastytrade  *self,
                                                           const char         *path);
/* The last request to @path, or NULL. */
TtsFakeRequest    *tts_fake_tastytrade_get_last_request   (TtsFakeTastytrade  *self,
                                                           const char         *path);
/* How many authorization codes, and how many refresh tokens (code exchanges and
 * Create Grant), the fake has issued. */
guint              tts_fake_tastytrade_get_codes_issued   (TtsFakeTastytrade  *self);
guint              tts_fake_tastytrade_get_refresh_tokens_issued (TtsFakeTastytrade *self);
/* Every authorization code, access token and refresh token issued so far, oldest first
 * (strings owned by the fake): what must never show up in the program's output. */
GPtrArray         *tts_fake_tastytrade_get_issued_secrets (TtsFakeTastytrade *self);
/* The same and @client_secret, NULL-terminated, in a new array whose strings stay the fake's
 * and the caller's: what tts_test_assert_plain_error() takes. */
GPtrArray         *tts_fake_tastytrade_dup_secrets        (TtsFakeTastytrade *self,
                                                           const char        *client_secret);

/* The port listened on, 0 before tts_fake_tastytrade_start(). */
guint              tts_fake_tastytrade_get_port           (TtsFakeTastytrade  *self);

/* Moves the fake's clock forward, to expire codes (5 minutes) and access tokens
 * (15 minutes) without waiting. */
void               tts_fake_tastytrade_advance_clock      (TtsFakeTastytrade  *self,
                                                           guint               seconds);

/* A browser journey without the browser, for tests that only need the redirect: checks
 * @authorize_uri as GET /auth.html would (and records it as such a request), then acts as
 * if the user signed in, passed 2FA and chose Authorize (@allow) or Deny. Returns the
 * redirect's Location, or NULL with G_IO_ERROR_INVALID_ARGUMENT and the error page's
 * sentence when the page would refuse the request. */
char              *tts_fake_tastytrade_complete_authorization (TtsFakeTastytrade *self,
                                                               const char        *authorize_uri,
                                                               gboolean           allow,
                                                               GError           **error);

/* Holding answers: requests to @path (e.g. "/auth.html", "/oauth/token") are accepted and
 * left unanswered until tts_fake_tastytrade_release(), which answers them as usual, as if
 * they had just arrived (those whose client went away get nothing). Until then, or until
 * the fake goes away, the client waits: a page that never loads, an exchange caught midway. */
void               tts_fake_tastytrade_hold               (TtsFakeTastytrade  *self,
                                                           const char         *path);
void               tts_fake_tastytrade_release            (TtsFakeTastytrade  *self,
                                                           const char         *path);
/* How many requests to @path are being held now, their client still connected as far as
 * the fake knows. */
guint              tts_fake_tastytrade_get_held           (TtsFakeTastytrade  *self,
                                                           const char         *path);

/* Another page of the site: GET @path answers @body_html in the fake's layout, under
 * @title. For tests of what the sign-in view does with links. */
void               tts_fake_tastytrade_add_page           (TtsFakeTastytrade  *self,
                                                           const char         *path,
                                                           const char         *title,
                                                           const char         *body_html);

/* Fault injection on any path: the next @count requests to @path get this answer (status,
 * content type, body) instead; later ones are answered as usual. Calling it again for the
 * same path replaces the earlier fault. */
void               tts_fake_tastytrade_fail_requests      (TtsFakeTastytrade  *self,
                                                           const char         *path,
                                                           guint               count,
                                                           guint               status,
                                                           const char         *content_type,
                                                           const char         *body);

/* What the market-data side of the fake does (tastytrade-market-data.md). */
typedef enum
{
  /* Default: chains, a quote token, and DXLink sends an SPX quote. */
  TTS_FAKE_MARKET_DATA_LIVE,
  /* GET /api-quote-tokens: error code quote_streamer.customer_not_found_error (status 403). */
  TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER,
  /* GET /api-quote-tokens: quote_streamer.api_access_entitlement_not_granted (status 403). */
  TTS_FAKE_MARKET_DATA_NOT_GRANTED,
  /* DXLink answers AUTH with ERROR "UNAUTHORIZED" and AUTH_STATE UNAUTHORIZED. */
  TTS_FAKE_MARKET_DATA_TOKEN_REJECTED,
  /* DXLink authorizes and opens the channel, FEED_CONFIG, but never sends FEED_DATA. */
  TTS_FAKE_MARKET_DATA_NO_DATA,
  /* As LIVE, but the FEED_DATA comes only "quote delay" ms after the subscription. */
  TTS_FAKE_MARKET_DATA_SLOW,
  /* After AUTH_STATE AUTHORIZED, DXLink sends a text message that is not JSON
   * ("{\"type\":\"FEED_DATA\",") and then waits: it answers nothing more on that connection. */
  TTS_FAKE_MARKET_DATA_MALFORMED,
} TtsFakeMarketData;

/* GET /option-chains/SPX/nested answers SPX (12 monthly expirations) and SPXW (30 weekly) in
 * every mode; GET /api-quote-tokens hands out quote tokens for 24 hours of the fake's clock,
 * listed with the issued secrets; DXLink listens at the "dxlink-url" they give,
 * ws://127.0.0.1:PORT/dxlink. Only a Quote of "SPX" ever gets data. */
void               tts_fake_tastytrade_set_market_data    (TtsFakeTastytrade  *self,
                                                           TtsFakeMarketData   mode);
/* For TTS_FAKE_MARKET_DATA_SLOW (default 2000 ms). */
void               tts_fake_tastytrade_set_quote_delay    (TtsFakeTastytrade  *self,
                                                           guint               milliseconds);
/* The SPX quote DXLink sends (default bid 5910.10, ask 5911.30). */
void               tts_fake_tastytrade_set_quote          (TtsFakeTastytrade  *self,
                                                           double              bid,
                                                           double              ask);
/* The "level" /api-quote-tokens reports (default "api"; the sandbox reports "demo"). */
void               tts_fake_tastytrade_set_quote_level    (TtsFakeTastytrade  *self,
                                                           const char         *level);
/* Every text message DXLink clients sent, oldest first, over all connections (strings owned
 * by the fake). */
GPtrArray         *tts_fake_tastytrade_get_dxlink_messages (TtsFakeTastytrade *self);
/* How many DXLink connections are open now, and how many ended with a close frame from the
 * client (a clean close), since the start. */
guint              tts_fake_tastytrade_get_dxlink_open    (TtsFakeTastytrade  *self);
guint              tts_fake_tastytrade_get_dxlink_clean_closes (TtsFakeTastytrade *self);

/* Signal "request-finished" (TtsFakeRequest *) is emitted after each answer, and for each
 * DXLink connection once it is upgraded ("GET /dxlink", status 101).
 * Signal "dxlink-closed" (no arguments) is emitted whenever a DXLink connection ends, however
 * it ends (the fake going away closes them all). */

G_END_DECLS

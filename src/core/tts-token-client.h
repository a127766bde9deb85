/* tts-token-client.h: the token endpoint and the accounts call that proves a token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-option-chain.h"
#include "tts-quote-token.h"
#include "tts-tokens.h"

G_BEGIN_DECLS

#define TTS_TYPE_TOKEN_CLIENT (tts_token_client_get_type ())

G_DECLARE_FINAL_TYPE (TtsTokenClient, tts_token_client, TTS, TOKEN_CLIENT, GObject)

/* The defaults of "timeout" and "retry-delay", for whoever keeps a setting until it makes
 * a client (the flow and the setup check): the one place they are set. */
#define TTS_TOKEN_CLIENT_TIMEOUT_SECONDS 30
#define TTS_TOKEN_CLIENT_RETRY_DELAY_MS  1000

/* "tastytrade-setup/<version>": the User-Agent of every request the program makes. */
const char     *tts_user_agent                         (void);

/* api_uri: the API base, e.g. "https://api.tastyworks.com" (no trailing slash needed).
 * user_agent: sent on every request; the program's is tts_user_agent(). */
TtsTokenClient *tts_token_client_new                   (const char           *api_uri,
                                                        const char           *user_agent);
/* Whole-request timeout in seconds (default TTS_TOKEN_CLIENT_TIMEOUT_SECONDS). */
void            tts_token_client_set_timeout           (TtsTokenClient       *self,
                                                        guint                 seconds);
/* Base delay before a retry of a transient failure (default TTS_TOKEN_CLIENT_RETRY_DELAY_MS,
 * doubled each time; at most 2 retries). Tests set it small. */
void            tts_token_client_set_retry_delay       (TtsTokenClient       *self,
                                                        guint                 milliseconds);

void            tts_token_client_exchange_code_async   (TtsTokenClient       *self,
                                                        const char           *client_id,
                                                        const char           *client_secret,
                                                        const char           *code,
                                                        const char           *redirect_uri,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
TtsTokens      *tts_token_client_exchange_code_finish  (TtsTokenClient       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

void            tts_token_client_refresh_async         (TtsTokenClient       *self,
                                                        const char           *client_id,
                                                        const char           *client_secret,
                                                        const char           *refresh_token,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
TtsTokens      *tts_token_client_refresh_finish        (TtsTokenClient       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* GET /customers/me/accounts; the result holds TtsAccount objects. */
void            tts_token_client_list_accounts_async   (TtsTokenClient       *self,
                                                        const char           *access_token,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GPtrArray      *tts_token_client_list_accounts_finish  (TtsTokenClient       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* GET /option-chains/{symbol}/nested (tastytrade-market-data.md), what the fetcher reads. */
void            tts_token_client_get_option_chain_async  (TtsTokenClient     *self,
                                                          const char         *access_token,
                                                          const char         *symbol,
                                                          GCancellable       *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer            user_data);
TtsOptionChain *tts_token_client_get_option_chain_finish (TtsTokenClient     *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);

/* GET /api-quote-tokens: the token and the address of the quote stream. Its refusals are
 * TTS_ERROR_NOT_A_CUSTOMER and TTS_ERROR_MARKET_DATA_NOT_GRANTED, from the error code. */
void            tts_token_client_get_quote_token_async   (TtsTokenClient     *self,
                                                          const char         *access_token,
                                                          GCancellable       *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer            user_data);
TtsQuoteToken  *tts_token_client_get_quote_token_finish  (TtsTokenClient     *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);

/* Turns a failed answer into a TtsError with a plain, translated sentence.
 * Accepts {"error_code":…}, RFC 6749 {"error":…}, REST {"error":{"code":…}} and non-JSON bodies. */
GError         *tts_token_client_error_from_response   (guint                 status,
                                                        const char           *content_type,
                                                        const char           *body,
                                                        gsize                 length);

G_END_DECLS

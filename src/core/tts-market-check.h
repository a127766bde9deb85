/* tts-market-check.h: whether a saved token does what the fetcher does: read SPX's option
 * chain and stream an SPX quote
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-option-chain.h"
#include "tts-quote.h"
#include "tts-secrets-file.h"

G_BEGIN_DECLS

/* The underlying the fetcher reads. */
#define TTS_MARKET_CHECK_SYMBOL "SPX"

#define TTS_TYPE_MARKET_CHECK (tts_market_check_get_type ())

G_DECLARE_FINAL_TYPE (TtsMarketCheck, tts_market_check, TTS, MARKET_CHECK, GObject)

/* Checks what the saved @file's token can read from @api_uri ("https://api.tastyworks.com"
 * or the sandbox's, or a test service's). @sandbox says where: there, market data may be
 * missing, and its absence is TTS_ERROR_SANDBOX_MARKET_DATA. Properties "timeout" and
 * "retry-delay" are the token client's, "quote-timeout" the quote stream's. Made by
 * tts_flow_new_market_check() and tts_setup_check_new_market_check(). */
TtsMarketCheck *tts_market_check_new                   (TtsSecretsFile       *file,
                                                        const char           *api_uri,
                                                        const char           *user_agent,
                                                        gboolean              sandbox);
/* An access token that works now, to start with; when it has run out (@expires_at, in
 * g_get_monotonic_time(); 0 for unknown) or is refused, a new one is fetched with the
 * file's refresh token, and a renewed refresh token is saved into the file. */
void            tts_market_check_set_access_token      (TtsMarketCheck       *self,
                                                        const char           *access_token,
                                                        gint64                expires_at);
gboolean        tts_market_check_get_sandbox           (TtsMarketCheck       *self);

/* GET /option-chains/SPX/nested. Calls may run side by side and be repeated. */
void            tts_market_check_read_chain_async      (TtsMarketCheck       *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
TtsOptionChain *tts_market_check_read_chain_finish     (TtsMarketCheck       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

/* A quote token, then the first SPX quote over DXLink; the quote carries the token's level. */
void            tts_market_check_read_quote_async      (TtsMarketCheck       *self,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
TtsQuote       *tts_market_check_read_quote_finish     (TtsMarketCheck       *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS

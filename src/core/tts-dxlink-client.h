/* tts-dxlink-client.h: the first quote of a symbol over DXLink, tastytrade's quote stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-quote.h"

G_BEGIN_DECLS

/* The default of "quote-timeout": how long an authorized stream may stay silent. */
#define TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS 10

#define TTS_TYPE_DXLINK_CLIENT (tts_dxlink_client_get_type ())

G_DECLARE_FINAL_TYPE (TtsDxlinkClient, tts_dxlink_client, TTS, DXLINK_CLIENT, GObject)

/* user_agent: the program's is tts_user_agent(). Properties: "timeout", seconds from
 * connecting until the subscription is sent (default TTS_TOKEN_CLIENT_TIMEOUT_SECONDS), and
 * "quote-timeout", seconds from then until the first quote (default
 * TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS). */
TtsDxlinkClient *tts_dxlink_client_new              (const char           *user_agent);

/* Connects to @url (wss://, or ws:// on this computer only), authorizes with @token (a quote
 * token: never logged), subscribes to @symbol's Quote events and returns the first one, after
 * closing the connection cleanly. Fails with TTS_ERROR_QUOTE_TOKEN_REJECTED when the service
 * refuses the token, TTS_ERROR_NO_QUOTE when no quote came within "quote-timeout",
 * TTS_ERROR_PROTOCOL on a message it cannot read, and the network errors of TtsTokenClient. */
void             tts_dxlink_client_get_quote_async  (TtsDxlinkClient      *self,
                                                     const char           *url,
                                                     const char           *token,
                                                     const char           *symbol,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
TtsQuote        *tts_dxlink_client_get_quote_finish (TtsDxlinkClient      *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS

/* tts-error.h: the project's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TTS_ERROR (tts_error_quark ())

/* Each code maps to one plain next step for the user (tts_error_get_remedy()).
 * The GError message itself is the translated sentence saying what happened. */
typedef enum
{
  TTS_ERROR_FAILED,
  TTS_ERROR_INVALID_INPUT,          /* a value the user typed cannot be used */
  TTS_ERROR_STATE_MISMATCH,         /* a redirect that did not come from our request */
  TTS_ERROR_ACCESS_DENIED,          /* the user declined on tastytrade's page */
  TTS_ERROR_AUTHORIZATION_FAILED,   /* tastytrade's page redirected with another error */
  TTS_ERROR_INVALID_CLIENT,         /* wrong client ID/secret, or the other environment */
  TTS_ERROR_INVALID_GRANT,          /* code expired or used, or refresh token revoked */
  TTS_ERROR_FORBIDDEN,              /* the token lacks the read scope */
  TTS_ERROR_SERVICE_UNAVAILABLE,    /* 5xx, or a transient refusal */
  TTS_ERROR_NETWORK,                /* no connection, name not resolved, refused */
  TTS_ERROR_TIMEOUT,
  TTS_ERROR_TLS,
  TTS_ERROR_PROTOCOL,               /* an answer we cannot understand */
  TTS_ERROR_PORT_IN_USE,
  TTS_ERROR_UNSAFE_FILE,            /* symlink, directory, foreign owner */
  TTS_ERROR_WRITE_FAILED,
  TTS_ERROR_PAGE_LOAD_FAILED,       /* the sign-in page could not be shown */
  TTS_ERROR_INSTALLATION,           /* a part of the program is missing */
  TTS_ERROR_NO_CREDENTIALS,         /* no file, or no credentials in it, to check */
  TTS_ERROR_SIGN_IN_EXPIRED,        /* the wait for the sign-in ran out */
  TTS_ERROR_NOT_A_CUSTOMER,         /* no quote stream: the login has no opened account */
  TTS_ERROR_MARKET_DATA_NOT_GRANTED, /* market data for API use is not granted */
  TTS_ERROR_QUOTE_TOKEN_REJECTED,   /* the quote service refused the quote token */
  TTS_ERROR_NO_QUOTE,               /* authorized, but no quote came in time */
  TTS_ERROR_SANDBOX_MARKET_DATA,    /* no market data in the sandbox: expected there */
} TtsErrorCode;

GQuark      tts_error_quark      (void);
const char *tts_error_get_remedy (const GError *error);
const char *tts_error_get_title  (const GError *error);

G_END_DECLS

/* tts-auth-request.h: one authorization request, and the redirect that answers it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "tts-environment.h"

G_BEGIN_DECLS

/* The only scope the wizard ever asks for. */
#define TTS_AUTH_SCOPE "read"
/* Longest redirect query we look at; real ones are far shorter. */
#define TTS_AUTH_MAX_QUERY_LENGTH 8192

typedef enum
{
  TTS_REDIRECT_NOT_OURS,   /* not the redirect URI at all */
  TTS_REDIRECT_CODE,       /* an authorization code for this very request */
  TTS_REDIRECT_REJECTED,   /* the redirect URI, but unusable: see the error */
} TtsRedirectResult;

#define TTS_TYPE_AUTH_REQUEST (tts_auth_request_get_type ())

G_DECLARE_FINAL_TYPE (TtsAuthRequest, tts_auth_request, TTS, AUTH_REQUEST, GObject)

/* Creates a request with a fresh state of 256 bits from getrandom(). */
TtsAuthRequest    *tts_auth_request_new             (TtsEnvironment  *environment,
                                                     const char      *client_id,
                                                     GError         **error);
const char        *tts_auth_request_get_state       (TtsAuthRequest  *self);
/* The authorization page's address with every parameter. */
const char        *tts_auth_request_get_uri         (TtsAuthRequest  *self);
const char        *tts_auth_request_get_redirect_uri (TtsAuthRequest *self);

/* TRUE when @uri is the redirect URI by scheme, host, port and path (parsed, never a
 * prefix test); the query is not looked at. The rule is tts_navigation_policy_is_redirect(). */
gboolean           tts_auth_request_is_redirect     (TtsAuthRequest  *self,
                                                     const char      *uri);
/* Reads the query of a redirect (still percent-encoded). Only a query whose single
 * state equals ours is trusted: anything else is TTS_REDIRECT_REJECTED with
 * TTS_ERROR_STATE_MISMATCH. A trusted error= becomes TTS_ERROR_ACCESS_DENIED or
 * TTS_ERROR_AUTHORIZATION_FAILED; a trusted answer without a single code, or a
 * malformed one, TTS_ERROR_PROTOCOL. */
TtsRedirectResult  tts_auth_request_parse_query     (TtsAuthRequest  *self,
                                                     const char      *query,
                                                     char           **code,
                                                     GError         **error);
/* tts_auth_request_is_redirect() and then tts_auth_request_parse_query(). */
TtsRedirectResult  tts_auth_request_parse_redirect  (TtsAuthRequest  *self,
                                                     const char      *uri,
                                                     char           **code,
                                                     GError         **error);

/* @n_bytes random bytes from the kernel's generator as unpadded base64url. */
/* What the user pasted from a browser: the whole address it ended on
 * (http://localhost:8000/?code=…&state=…) or its query. The state must be ours
 * (TTS_ERROR_STATE_MISMATCH); a code without any state, bare or in an address, is
 * TTS_ERROR_INVALID_INPUT: it may be anyone's. An error in it is reported as from a
 * redirect; anything else is TTS_ERROR_INVALID_INPUT. Never TTS_REDIRECT_NOT_OURS. */
TtsRedirectResult  tts_auth_request_parse_pasted    (TtsAuthRequest  *self,
                                                     const char      *text,
                                                     char           **code,
                                                     GError         **error);

char              *tts_auth_request_generate_state  (gsize            n_bytes,
                                                     GError         **error);

G_END_DECLS

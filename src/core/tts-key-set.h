/* tts-key-set.h: the variable names each SDK reads from a dotenv file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "tts-credential.h"

G_BEGIN_DECLS

typedef enum
{
  TTS_KEY_SET_FETCHER,         /* TT_API_CLIENT_ID, TT_API_CLIENT_SECRET, TT_REFRESH_TOKEN */
  TTS_KEY_SET_TASTYWARE,       /* tastyware ≥ 12: TT_SECRET, TT_REFRESH (no client ID) */
  TTS_KEY_SET_TASTYTRADE_SDK,  /* tastytrade-sdk-python: TT_CLIENT_ID, TT_CLIENT_SECRET, TT_REFRESH_TOKEN */
} TtsKeySet;

#define TTS_KEY_SET_N_SETS (TTS_KEY_SET_TASTYTRADE_SDK + 1)

/* Written as TT_SANDBOX=true with sandbox credentials (and set to false over an older true). */
#define TTS_KEY_SANDBOX "TT_SANDBOX"

/* "fetcher", "tastyware", "tastytrade-sdk": the GSettings nicks. */
const char *tts_key_set_to_string   (TtsKeySet          key_set);
gboolean    tts_key_set_from_string (const char        *string,
                                     TtsKeySet         *key_set);
/* The product the names belong to, e.g. "SPX Option Chain Fetcher"; not translated. */
const char *tts_key_set_get_product (TtsKeySet          key_set);
/* The variable that holds @kind, or NULL when the SDK does not read it. */
const char *tts_key_set_get_key     (TtsKeySet          key_set,
                                     TtsCredentialKind  kind);
/* Python that loads @file_name with the SDK's names. Not translated: code. */
char       *tts_key_set_dup_snippet (TtsKeySet          key_set,
                                     const char        *file_name);

/* What a dotenv text holds, read as python-dotenv would, and tolerantly: the first set
 * (fetcher, tastytrade-sdk, tastyware) with both a client secret and a refresh token, else
 * each value under any set's name. An empty value counts as absent. */
typedef struct
{
  char     *client_id;      /* NULL when absent: tastyware's names have none */
  char     *client_secret;
  char     *refresh_token;
  gboolean  sandbox;        /* TT_SANDBOX is true, 1 or yes (any case) */
  TtsKeySet key_set;        /* the set the secret and token were found under */
} TtsStoredCredentials;

/* NULL when the text has no refresh token or no client secret under any name. */
TtsStoredCredentials *tts_stored_credentials_parse (const char           *text,
                                                    gsize                 length);
/* Wipes the secrets. */
void                  tts_stored_credentials_free  (TtsStoredCredentials *credentials);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsStoredCredentials, tts_stored_credentials_free)

G_END_DECLS

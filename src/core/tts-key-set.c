/* tts-key-set.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-dotenv.h"
#include "tts-key-set.h"
#include "tts-wipe.h"

typedef struct
{
  const char *nick;
  const char *product;
  const char *keys[3];  /* by TtsCredentialKind */
  const char *snippet;
} KeySetInfo;

static const KeySetInfo key_sets[TTS_KEY_SET_N_SETS] = {
  [TTS_KEY_SET_FETCHER] = {
    "fetcher", "SPX Option Chain Fetcher",
    { "TT_API_CLIENT_ID", "TT_API_CLIENT_SECRET", "TT_REFRESH_TOKEN" },
    "import os\n"
    "from dotenv import load_dotenv\n"
    "\n"
    "load_dotenv(\"@FILE@\")\n"
    "client_id = os.environ[\"TT_API_CLIENT_ID\"]\n"
    "client_secret = os.environ[\"TT_API_CLIENT_SECRET\"]\n"
    "refresh_token = os.environ[\"TT_REFRESH_TOKEN\"]",
  },
  [TTS_KEY_SET_TASTYWARE] = {
    "tastyware", "tastyware/tastytrade 12 or later",
    { NULL, "TT_SECRET", "TT_REFRESH" },
    "import os\n"
    "from dotenv import load_dotenv\n"
    "from tastytrade import Session\n"
    "\n"
    "load_dotenv(\"@FILE@\")\n"
    "session = Session(os.environ[\"TT_SECRET\"], os.environ[\"TT_REFRESH\"],\n"
    "                  is_test=os.getenv(\"TT_SANDBOX\") == \"true\")",
  },
  [TTS_KEY_SET_TASTYTRADE_SDK] = {
    "tastytrade-sdk", "tastytrade-sdk-python",
    { "TT_CLIENT_ID", "TT_CLIENT_SECRET", "TT_REFRESH_TOKEN" },
    "import os\n"
    "from dotenv import load_dotenv\n"
    "\n"
    "load_dotenv(\"@FILE@\")\n"
    "client_id = os.environ[\"TT_CLIENT_ID\"]\n"
    "client_secret = os.environ[\"TT_CLIENT_SECRET\"]\n"
    "refresh_token = os.environ[\"TT_REFRESH_TOKEN\"]",
  },
};

/* The order in which a file is searched: the fetcher's names are this program's own. */
static const TtsKeySet search_order[] = {
  TTS_KEY_SET_FETCHER,
  TTS_KEY_SET_TASTYTRADE_SDK,
  TTS_KEY_SET_TASTYWARE,
};

const char *
tts_key_set_to_string (TtsKeySet key_set)
{
  g_return_val_if_fail (key_set < TTS_KEY_SET_N_SETS, NULL);

  return key_sets[key_set].nick;
}

gboolean
tts_key_set_from_string (const char *string,
                         TtsKeySet  *key_set)
{
  g_return_val_if_fail (key_set != NULL, FALSE);

  for (guint i = 0; i < TTS_KEY_SET_N_SETS; i++)
    if (g_strcmp0 (string, key_sets[i].nick) == 0)
      {
        *key_set = i;
        return TRUE;
      }

  return FALSE;
}

const char *
tts_key_set_get_product (TtsKeySet key_set)
{
  g_return_val_if_fail (key_set < TTS_KEY_SET_N_SETS, NULL);

  return key_sets[key_set].product;
}

const char *
tts_key_set_get_key (TtsKeySet         key_set,
                     TtsCredentialKind kind)
{
  g_return_val_if_fail (key_set < TTS_KEY_SET_N_SETS, NULL);
  g_return_val_if_fail (kind <= TTS_CREDENTIAL_REFRESH_TOKEN, NULL);

  return key_sets[key_set].keys[kind];
}

char *
tts_key_set_dup_snippet (TtsKeySet   key_set,
                         const char *file_name)
{
  GString *snippet;

  g_return_val_if_fail (key_set < TTS_KEY_SET_N_SETS, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);

  snippet = g_string_new (key_sets[key_set].snippet);
  g_string_replace (snippet, "@FILE@", file_name, 0);

  return g_string_free (snippet, FALSE);
}

/* The value of @kind under @key_set's name; NULL when absent, empty or not read by the set. */
static char *
lookup_in (const char        *text,
           gsize              length,
           TtsKeySet          key_set,
           TtsCredentialKind  kind)
{
  const char *key = key_sets[key_set].keys[kind];
  char *value;

  if (key == NULL)
    return NULL;

  value = tts_dotenv_lookup (text, length, key);
  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, tts_wipe_free);

  return value;
}

/* The first set, in search order, under whose name @kind has a value. */
static char *
lookup_any (const char        *text,
            gsize              length,
            TtsCredentialKind  kind,
            TtsKeySet         *found_in)
{
  for (gsize i = 0; i < G_N_ELEMENTS (search_order); i++)
    {
      char *value = lookup_in (text, length, search_order[i], kind);

      if (value != NULL)
        {
          if (found_in != NULL)
            *found_in = search_order[i];
          return value;
        }
    }

  return NULL;
}

static gboolean
is_true (const char *value)
{
  return value != NULL &&
         (g_ascii_strcasecmp (value, "true") == 0 ||
          g_ascii_strcasecmp (value, "yes") == 0 ||
          g_strcmp0 (value, "1") == 0);
}

TtsStoredCredentials *
tts_stored_credentials_parse (const char *text,
                              gsize       length)
{
  g_autoptr(TtsStoredCredentials) credentials = g_new0 (TtsStoredCredentials, 1);
  g_autofree char *sandbox = NULL;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  /* A set whose secret and token are both there wins whole: its values belong together. */
  for (gsize i = 0; i < G_N_ELEMENTS (search_order) && credentials->refresh_token == NULL; i++)
    {
      TtsKeySet set = search_order[i];

      credentials->client_secret = lookup_in (text, length, set, TTS_CREDENTIAL_CLIENT_SECRET);
      if (credentials->client_secret != NULL)
        credentials->refresh_token = lookup_in (text, length, set, TTS_CREDENTIAL_REFRESH_TOKEN);
      if (credentials->refresh_token != NULL)
        {
          credentials->key_set = set;
          credentials->client_id = lookup_in (text, length, set, TTS_CREDENTIAL_CLIENT_ID);
        }
      else
        g_clear_pointer (&credentials->client_secret, tts_wipe_free);
    }

  /* Else a mix, written by hand. */
  if (credentials->refresh_token == NULL)
    {
      credentials->refresh_token = lookup_any (text, length, TTS_CREDENTIAL_REFRESH_TOKEN,
                                               &credentials->key_set);
      credentials->client_secret = lookup_any (text, length, TTS_CREDENTIAL_CLIENT_SECRET, NULL);
      if (credentials->refresh_token == NULL || credentials->client_secret == NULL)
        return NULL;
    }

  if (credentials->client_id == NULL)
    credentials->client_id = lookup_any (text, length, TTS_CREDENTIAL_CLIENT_ID, NULL);
  sandbox = tts_dotenv_lookup (text, length, TTS_KEY_SANDBOX);
  credentials->sandbox = is_true (sandbox);

  return g_steal_pointer (&credentials);
}

void
tts_stored_credentials_free (TtsStoredCredentials *credentials)
{
  if (credentials == NULL)
    return;

  tts_wipe_free (credentials->client_id);
  tts_wipe_free (credentials->client_secret);
  tts_wipe_free (credentials->refresh_token);
  g_free (credentials);
}

/* tts-tokens.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "tts-error.h"
#include "tts-json.h"
#include "tts-tokens.h"
#include "tts-wipe.h"

G_DEFINE_BOXED_TYPE (TtsTokens, tts_tokens, tts_tokens_copy, tts_tokens_free)

TtsTokens *
tts_tokens_copy (const TtsTokens *self)
{
  TtsTokens *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TtsTokens, 1);
  copy->access_token = g_strdup (self->access_token);
  copy->refresh_token = g_strdup (self->refresh_token);
  copy->token_type = g_strdup (self->token_type);
  copy->expires_in = self->expires_in;

  return copy;
}

void
tts_tokens_free (TtsTokens *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->access_token, tts_wipe_free);
  g_clear_pointer (&self->refresh_token, tts_wipe_free);
  g_clear_pointer (&self->token_type, g_free);
  g_free (self);
}

/* "expires_in": absent or null (then 0), else whole seconds. */
static gboolean
get_expires_in (JsonObject *object,
                gint64     *seconds)
{
  JsonNode *node = json_object_get_member (object, "expires_in");

  *seconds = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < 0)
    return FALSE;

  *seconds = json_node_get_int (node);
  return TRUE;
}

TtsTokens *
tts_tokens_new_from_json (const char  *data,
                          gsize        length,
                          GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  TtsTokens *tokens;
  JsonObject *object;
  const char *access_token = NULL;
  const char *refresh_token = NULL;
  const char *token_type = NULL;
  gint64 expires_in = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = tts_json_parse_object (data, length);
  object = root != NULL ? json_node_get_object (root) : NULL;

  if (object == NULL
      || !tts_json_get_string (object, "access_token", &access_token)
      || access_token == NULL
      || access_token[0] == '\0'
      || !tts_json_get_string (object, "refresh_token", &refresh_token)
      || !tts_json_get_string (object, "token_type", &token_type)
      || !get_expires_in (object, &expires_in))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                           _("tastytrade sent tokens in a form this program does not understand."));
      return NULL;
    }

  tokens = g_new0 (TtsTokens, 1);
  tokens->access_token = g_strdup (access_token);
  if (refresh_token != NULL && refresh_token[0] != '\0')
    tokens->refresh_token = g_strdup (refresh_token);
  tokens->token_type = g_strdup (token_type);
  tokens->expires_in = expires_in;

  return tokens;
}

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

static void
set_protocol_error (GError **error)
{
  g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                       _("tastytrade sent tokens in a form this program does not understand."));
}

/* Returns TRUE when @name is absent, null or a UTF-8 string; *value is then the string or NULL. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *name,
                     const char **value)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  /* json-glib decodes a lone surrogate escape ("\ud800") into bytes that are not UTF-8:
   * no real token has one, and .secrets could not hold it. Found by fuzz-token-response. */
  if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
    return FALSE;

  *value = json_node_get_string (node);
  return TRUE;
}

TtsTokens *
tts_tokens_new_from_json (const char  *data,
                          gsize        length,
                          GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(TtsTokens) tokens = NULL;
  JsonObject *object;
  JsonNode *node;
  const char *access_token;
  const char *refresh_token;
  const char *token_type;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length == 0 || length > G_MAXSSIZE)
    {
      set_protocol_error (error);
      return NULL;
    }

  root = tts_json_parse_object (data, length);
  if (root == NULL)
    {
      set_protocol_error (error);
      return NULL;
    }
  object = json_node_get_object (root);

  if (!get_optional_string (object, "access_token", &access_token)
      || access_token == NULL
      || access_token[0] == '\0'
      || !get_optional_string (object, "refresh_token", &refresh_token)
      || !get_optional_string (object, "token_type", &token_type))
    {
      set_protocol_error (error);
      return NULL;
    }

  tokens = g_new0 (TtsTokens, 1);
  tokens->access_token = g_strdup (access_token);
  if (refresh_token != NULL && refresh_token[0] != '\0')
    tokens->refresh_token = g_strdup (refresh_token);
  tokens->token_type = g_strdup (token_type);

  node = json_object_get_member (object, "expires_in");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node)
          || json_node_get_value_type (node) != G_TYPE_INT64
          || json_node_get_int (node) < 0)
        {
          set_protocol_error (error);
          return NULL;
        }
      tokens->expires_in = json_node_get_int (node);
    }

  return g_steal_pointer (&tokens);
}

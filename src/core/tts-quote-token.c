/* tts-quote-token.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tts-error.h"
#include "tts-json.h"
#include "tts-quote-token.h"
#include "tts-wipe.h"

#define MAX_LEVEL_LENGTH 32

G_DEFINE_BOXED_TYPE (TtsQuoteToken, tts_quote_token, tts_quote_token_copy, tts_quote_token_free)

TtsQuoteToken *
tts_quote_token_copy (const TtsQuoteToken *self)
{
  TtsQuoteToken *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TtsQuoteToken, 1);
  copy->token = g_strdup (self->token);
  copy->dxlink_url = g_strdup (self->dxlink_url);
  copy->level = g_strdup (self->level);

  return copy;
}

void
tts_quote_token_free (TtsQuoteToken *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->token, tts_wipe_free);
  g_clear_pointer (&self->dxlink_url, g_free);
  g_clear_pointer (&self->level, g_free);
  g_free (self);
}

/* The level is shown as it is: a short word, or nothing. */
static gboolean
is_level (const char *text)
{
  gsize i;

  if (text == NULL || text[0] == '\0')
    return FALSE;

  for (i = 0; text[i] != '\0'; i++)
    {
      if (i == MAX_LEVEL_LENGTH)
        return FALSE;
      if (!g_ascii_isalnum (text[i]) && text[i] != '-' && text[i] != '_')
        return FALSE;
    }

  return TRUE;
}

TtsQuoteToken *
tts_quote_token_new_from_json (const char  *data,
                               gsize        length,
                               GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonNode *data_node = NULL;
  JsonObject *object = NULL;
  const char *token = NULL;
  const char *url = NULL;
  const char *level = NULL;
  TtsQuoteToken *quote_token;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = tts_json_parse_object (data, length);
  if (root != NULL)
    data_node = json_object_get_member (json_node_get_object (root), "data");
  if (data_node != NULL && JSON_NODE_HOLDS_OBJECT (data_node))
    object = json_node_get_object (data_node);

  if (object == NULL
      || !tts_json_get_string (object, "token", &token) || token == NULL || token[0] == '\0'
      || !tts_json_get_string (object, "dxlink-url", &url) || url == NULL || url[0] == '\0')
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                           _("tastytrade sent the quote token in a form this program does "
                             "not understand."));
      return NULL;
    }

  if (!tts_json_get_string (object, "level", &level) || !is_level (level))
    level = NULL;

  quote_token = g_new0 (TtsQuoteToken, 1);
  quote_token->token = g_strdup (token);
  quote_token->dxlink_url = g_strdup (url);
  quote_token->level = g_strdup (level);

  return quote_token;
}

/* tts-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-json.h"

/* The deepest nesting of arrays and objects in @data, stopping past @limit. Brackets inside
 * strings do not count; the text need not be valid JSON (the parser says so after). */
static guint
nesting_depth (const char *data,
               gsize       length,
               guint       limit)
{
  gboolean in_string = FALSE;
  guint depth = 0;
  guint deepest = 0;

  for (gsize i = 0; i < length && deepest <= limit; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;

        case '{':
        case '[':
          /* Not inside MAX(): it evaluates its arguments twice. */
          depth++;
          deepest = MAX (deepest, depth);
          break;

        case '}':
        case ']':
          if (depth > 0)
            depth--;
          break;

        default:
          break;
        }
    }

  return deepest;
}

JsonNode *
tts_json_parse_object (const char *data,
                       gsize       length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (data == NULL || length == 0 || length > G_MAXSSIZE)
    return NULL;
  if (nesting_depth (data, length, TTS_JSON_MAX_DEPTH) > TTS_JSON_MAX_DEPTH)
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;

  root = json_parser_steal_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return g_steal_pointer (&root);
}

gboolean
tts_json_get_string (JsonObject  *object,
                     const char  *name,
                     const char **value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  *value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING
      || !g_utf8_validate (json_node_get_string (node), -1, NULL))
    return FALSE;

  *value = json_node_get_string (node);
  return TRUE;
}

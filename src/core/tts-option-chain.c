/* tts-option-chain.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tts-error.h"
#include "tts-json.h"
#include "tts-option-chain.h"

/* SPX has two roots; a handful is plenty to name. */
#define MAX_ROOTS        8
#define MAX_ROOT_LENGTH  16

G_DEFINE_BOXED_TYPE (TtsOptionChain, tts_option_chain, tts_option_chain_copy, tts_option_chain_free)

TtsOptionChain *
tts_option_chain_copy (const TtsOptionChain *self)
{
  TtsOptionChain *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TtsOptionChain, 1);
  copy->roots = g_strdupv (self->roots);
  copy->n_expirations = self->n_expirations;

  return copy;
}

void
tts_option_chain_free (TtsOptionChain *self)
{
  if (self == NULL)
    return;

  g_strfreev (self->roots);
  g_free (self);
}

/* A root symbol is a few capitals, digits or dots; anything else is not shown. */
static gboolean
is_root_symbol (const char *text)
{
  gsize length = 0;

  if (text == NULL || text[0] == '\0')
    return FALSE;

  for (; text[length] != '\0'; length++)
    {
      if (length == MAX_ROOT_LENGTH)
        return FALSE;
      if (!g_ascii_isupper (text[length]) && !g_ascii_isdigit (text[length])
          && text[length] != '.' && text[length] != '/')
        return FALSE;
    }

  return TRUE;
}

static JsonArray *
get_array_member (JsonObject *object,
                  const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

TtsOptionChain *
tts_option_chain_new_from_json (const char  *data,
                                gsize        length,
                                GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) roots = NULL;
  JsonNode *data_node = NULL;
  JsonArray *items = NULL;
  TtsOptionChain *chain;
  guint n_expirations = 0;
  guint i;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = tts_json_parse_object (data, length);
  if (root != NULL)
    data_node = json_object_get_member (json_node_get_object (root), "data");
  if (data_node != NULL && JSON_NODE_HOLDS_OBJECT (data_node))
    items = get_array_member (json_node_get_object (data_node), "items");
  if (items == NULL)
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                           _("tastytrade sent the option chain in a form this program does "
                             "not understand."));
      return NULL;
    }

  roots = g_ptr_array_new_null_terminated (MAX_ROOTS, g_free, TRUE);
  for (i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item_node = json_array_get_element (items, i);
      JsonObject *item;
      JsonArray *expirations;
      const char *symbol = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (item_node))
        continue;
      item = json_node_get_object (item_node);

      expirations = get_array_member (item, "expirations");
      if (expirations == NULL)
        continue;
      n_expirations += json_array_get_length (expirations);

      if (tts_json_get_string (item, "root-symbol", &symbol) && is_root_symbol (symbol)
          && roots->len < MAX_ROOTS
          && !g_strv_contains ((const char * const *) roots->pdata, symbol))
        g_ptr_array_add (roots, g_strdup (symbol));
    }

  if (n_expirations == 0)
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                           _("tastytrade sent an option chain without any expiration."));
      return NULL;
    }

  chain = g_new0 (TtsOptionChain, 1);
  chain->roots = (GStrv) g_ptr_array_free (g_steal_pointer (&roots), FALSE);
  chain->n_expirations = n_expirations;

  return chain;
}

/* "SPX", "SPX and SPXW", "SPX, SPXW and XSP" */
static char *
join_roots (const char * const *roots)
{
  guint n = g_strv_length ((GStrv) roots);
  g_autofree char *head = NULL;

  if (n == 0)
    return NULL;
  if (n == 1)
    return g_strdup (roots[0]);

  head = g_strjoinv (", ", (GStrv) roots);
  *strrchr (head, ',') = '\0';
  /* TRANSLATORS: the end of a list of option roots: "SPX, SPXW and XSP". */
  return g_strdup_printf (_("%s and %s"), head, roots[n - 1]);
}

char *
tts_option_chain_describe (const TtsOptionChain *self)
{
  g_autofree char *roots = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  roots = join_roots ((const char * const *) self->roots);
  if (roots == NULL)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Readable: %u expiration",
                                         "Readable: %u expirations",
                                         self->n_expirations),
                            self->n_expirations);

  /* TRANSLATORS: %s is the option roots ("SPX and SPXW"), %u how many expiration dates. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Readable: %s, %u expiration",
                                       "Readable: %s, %u expirations",
                                       self->n_expirations),
                          roots, self->n_expirations);
}

/* tts-account.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "tts-account.h"
#include "tts-json.h"
#include "tts-error.h"

struct _TtsAccount
{
  GObject  parent_instance;

  char    *number;
  char    *nickname;
  char    *type_name;
  char    *authority;
};

G_DEFINE_FINAL_TYPE (TtsAccount, tts_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NUMBER,
  PROP_NICKNAME,
  PROP_TYPE_NAME,
  PROP_AUTHORITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tts_account_finalize (GObject *object)
{
  TtsAccount *self = (TtsAccount *) object;

  g_clear_pointer (&self->number, g_free);
  g_clear_pointer (&self->nickname, g_free);
  g_clear_pointer (&self->type_name, g_free);
  g_clear_pointer (&self->authority, g_free);

  G_OBJECT_CLASS (tts_account_parent_class)->finalize (object);
}

static void
tts_account_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TtsAccount *self = TTS_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      g_value_set_string (value, self->number);
      break;

    case PROP_NICKNAME:
      g_value_set_string (value, self->nickname);
      break;

    case PROP_TYPE_NAME:
      g_value_set_string (value, self->type_name);
      break;

    case PROP_AUTHORITY:
      g_value_set_string (value, self->authority);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_account_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TtsAccount *self = TTS_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_NUMBER:
      self->number = g_value_dup_string (value);
      break;

    case PROP_NICKNAME:
      self->nickname = g_value_dup_string (value);
      break;

    case PROP_TYPE_NAME:
      self->type_name = g_value_dup_string (value);
      break;

    case PROP_AUTHORITY:
      self->authority = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_account_class_init (TtsAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_account_finalize;
  object_class->get_property = tts_account_get_property;
  object_class->set_property = tts_account_set_property;

  properties[PROP_NUMBER] =
    g_param_spec_string ("number", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_NICKNAME] =
    g_param_spec_string ("nickname", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TYPE_NAME] =
    g_param_spec_string ("type-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_AUTHORITY] =
    g_param_spec_string ("authority", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_account_init (TtsAccount *self)
{
}

TtsAccount *
tts_account_new (const char *number,
                 const char *nickname,
                 const char *type_name,
                 const char *authority)
{
  g_return_val_if_fail (number != NULL, NULL);

  return g_object_new (TTS_TYPE_ACCOUNT,
                       "number", number,
                       "nickname", nickname,
                       "type-name", type_name,
                       "authority", authority,
                       NULL);
}

const char *
tts_account_get_number (TtsAccount *self)
{
  g_return_val_if_fail (TTS_IS_ACCOUNT (self), NULL);

  return self->number;
}

const char *
tts_account_get_nickname (TtsAccount *self)
{
  g_return_val_if_fail (TTS_IS_ACCOUNT (self), NULL);

  return self->nickname;
}

const char *
tts_account_get_type_name (TtsAccount *self)
{
  g_return_val_if_fail (TTS_IS_ACCOUNT (self), NULL);

  return self->type_name;
}

const char *
tts_account_get_authority (TtsAccount *self)
{
  g_return_val_if_fail (TTS_IS_ACCOUNT (self), NULL);

  return self->authority;
}

/* The string value of @name, or NULL when it is absent, of another type or not text: an
 * account is shown with what it has. */
static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  const char *string;

  tts_json_get_string (object, name, &string);
  return string;
}

static JsonObject *
get_object_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;

  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_node_get_object (node);
}

GPtrArray *
tts_account_list_new_from_json (const char  *data,
                                gsize        length,
                                GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  JsonObject *data_object;
  JsonArray *items;
  JsonNode *node;
  guint n_items;
  guint i;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = tts_json_parse_object (data, length);
  data_object = get_object_member (root != NULL ? json_node_get_object (root) : NULL, "data");
  node = data_object != NULL ? json_object_get_member (data_object, "items") : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                           _("tastytrade sent the list of accounts in a form this program "
                             "does not understand."));
      return NULL;
    }
  items = json_node_get_array (node);

  accounts = g_ptr_array_new_with_free_func (g_object_unref);
  n_items = json_array_get_length (items);
  for (i = 0; i < n_items; i++)
    {
      JsonNode *item_node = json_array_get_element (items, i);
      JsonObject *item;
      JsonObject *account;
      const char *number;
      const char *authority;

      if (!JSON_NODE_HOLDS_OBJECT (item_node))
        continue;
      item = json_node_get_object (item_node);
      account = get_object_member (item, "account");

      /* An entry without a number names nothing the user could recognise. */
      number = get_string_member (account, "account-number");
      if (number == NULL || number[0] == '\0')
        continue;

      authority = get_string_member (item, "authority-level");
      if (authority == NULL)
        authority = get_string_member (account, "authority-level");

      g_ptr_array_add (accounts,
                       tts_account_new (number,
                                        get_string_member (account, "nickname"),
                                        get_string_member (account, "account-type-name"),
                                        authority));
    }

  return g_steal_pointer (&accounts);
}

/* tts-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-page.h"

typedef struct
{
  char      *title;
  char      *primary_label;
  char      *summary;
  gboolean   complete;
  GtkWidget *initial_focus;
} TtsPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TtsPage, tts_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_COMPLETE,
  PROP_PRIMARY_LABEL,
  PROP_INITIAL_FOCUS,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str() arrived in GLib 2.76; Debian 12 has 2.74. */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
tts_page_finalize (GObject *object)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (TTS_PAGE (object));

  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->primary_label, g_free);
  g_clear_pointer (&priv->summary, g_free);
  g_clear_weak_pointer (&priv->initial_focus);

  G_OBJECT_CLASS (tts_page_parent_class)->finalize (object);
}

static void
tts_page_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TtsPage *self = TTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, tts_page_get_title (self));
      break;

    case PROP_COMPLETE:
      g_value_set_boolean (value, tts_page_get_complete (self));
      break;

    case PROP_PRIMARY_LABEL:
      g_value_set_string (value, tts_page_get_primary_label (self));
      break;

    case PROP_INITIAL_FOCUS:
      g_value_set_object (value, tts_page_get_initial_focus (self));
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, tts_page_get_summary (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_page_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TtsPage *self = TTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      tts_page_set_title (self, g_value_get_string (value));
      break;

    case PROP_COMPLETE:
      tts_page_set_complete (self, g_value_get_boolean (value));
      break;

    case PROP_PRIMARY_LABEL:
      tts_page_set_primary_label (self, g_value_get_string (value));
      break;

    case PROP_INITIAL_FOCUS:
      tts_page_set_initial_focus (self, g_value_get_object (value));
      break;

    case PROP_SUMMARY:
      tts_page_set_summary (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_page_class_init (TtsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_page_finalize;
  object_class->get_property = tts_page_get_property;
  object_class->set_property = tts_page_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRIMARY_LABEL] =
    g_param_spec_string ("primary-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INITIAL_FOCUS] =
    g_param_spec_object ("initial-focus", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_page_init (TtsPage *self)
{
}

const char *
tts_page_get_title (TtsPage *self)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_val_if_fail (TTS_IS_PAGE (self), NULL);

  return priv->title;
}

void
tts_page_set_title (TtsPage    *self,
                    const char *title)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));

  if (replace_string (&priv->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

gboolean
tts_page_get_complete (TtsPage *self)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_val_if_fail (TTS_IS_PAGE (self), FALSE);

  return priv->complete;
}

void
tts_page_set_complete (TtsPage  *self,
                       gboolean  complete)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));

  complete = !!complete;
  if (priv->complete == complete)
    return;

  priv->complete = complete;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

const char *
tts_page_get_primary_label (TtsPage *self)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_val_if_fail (TTS_IS_PAGE (self), NULL);

  return priv->primary_label;
}

void
tts_page_set_primary_label (TtsPage    *self,
                            const char *label)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));

  if (replace_string (&priv->primary_label, label))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIMARY_LABEL]);
}

GtkWidget *
tts_page_get_initial_focus (TtsPage *self)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_val_if_fail (TTS_IS_PAGE (self), NULL);

  return priv->initial_focus;
}

/* A weak reference: the widget is a descendant the template owns. */
void
tts_page_set_initial_focus (TtsPage   *self,
                            GtkWidget *widget)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));
  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));

  if (g_set_weak_pointer (&priv->initial_focus, widget))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIAL_FOCUS]);
}

const char *
tts_page_get_summary (TtsPage *self)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_val_if_fail (TTS_IS_PAGE (self), NULL);

  return priv->summary;
}

void
tts_page_set_summary (TtsPage    *self,
                      const char *summary)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));

  if (replace_string (&priv->summary, summary))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
}

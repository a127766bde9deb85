/* tts-info-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-info-row.h"
#include "tts-reflow-bin.h"

struct _TtsInfoRow
{
  AdwPreferencesRow  parent_instance;

  GtkBox            *prefixes;
  GtkBox            *suffixes;
  GtkLabel          *title_label;
  GtkLabel          *subtitle_label;

  GtkWidget         *activatable_widget;
};

static void tts_info_row_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TtsInfoRow, tts_info_row, ADW_TYPE_PREFERENCES_ROW,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE, tts_info_row_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

enum {
  PROP_0,
  PROP_SUBTITLE,
  PROP_ACTIVATABLE_WIDGET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
add_to (GtkBox    *box,
        GtkWidget *widget)
{
  gtk_box_append (box, widget);
  gtk_widget_set_visible (GTK_WIDGET (box), TRUE);
}

static void
tts_info_row_add_child (GtkBuildable *buildable,
                        GtkBuilder   *builder,
                        GObject      *child,
                        const char   *type)
{
  TtsInfoRow *self = TTS_INFO_ROW (buildable);

  /* The template's own child is the header; everything else goes into it. */
  if (self->prefixes == NULL || !GTK_IS_WIDGET (child))
    parent_buildable_iface->add_child (buildable, builder, child, type);
  else if (g_strcmp0 (type, "prefix") == 0)
    add_to (self->prefixes, GTK_WIDGET (child));
  else
    add_to (self->suffixes, GTK_WIDGET (child));
}

static void
tts_info_row_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = tts_info_row_add_child;
}

static void
activate_cb (TtsInfoRow *self)
{
  if (self->activatable_widget != NULL)
    gtk_widget_mnemonic_activate (self->activatable_widget, FALSE);
}

static void
set_activatable_widget (TtsInfoRow *self,
                        GtkWidget  *widget)
{
  if (self->activatable_widget == widget)
    return;

  g_clear_weak_pointer (&self->activatable_widget);
  g_set_weak_pointer (&self->activatable_widget, widget);

  if (widget != NULL)
    {
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), TRUE);
      /* The check button is named and described by the row's labels, as in AdwActionRow. */
      gtk_accessible_update_relation (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->title_label, NULL,
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->subtitle_label, NULL,
                                      -1);
    }
  gtk_label_set_mnemonic_widget (self->title_label, widget);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVATABLE_WIDGET]);
}

static void
tts_info_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TtsInfoRow *self = TTS_INFO_ROW (object);

  switch (prop_id)
    {
    case PROP_SUBTITLE:
      g_value_set_string (value, tts_info_row_get_subtitle (self));
      break;

    case PROP_ACTIVATABLE_WIDGET:
      g_value_set_object (value, self->activatable_widget);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_info_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TtsInfoRow *self = TTS_INFO_ROW (object);

  switch (prop_id)
    {
    case PROP_SUBTITLE:
      tts_info_row_set_subtitle (self, g_value_get_string (value));
      break;

    case PROP_ACTIVATABLE_WIDGET:
      set_activatable_widget (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_info_row_dispose (GObject *object)
{
  TtsInfoRow *self = TTS_INFO_ROW (object);

  g_clear_weak_pointer (&self->activatable_widget);

  G_OBJECT_CLASS (tts_info_row_parent_class)->dispose (object);
}

static void
tts_info_row_class_init (TtsInfoRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tts_info_row_get_property;
  object_class->set_property = tts_info_row_set_property;
  object_class->dispose = tts_info_row_dispose;

  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACTIVATABLE_WIDGET] =
    g_param_spec_object ("activatable-widget", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TTS_TYPE_REFLOW_BIN);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-info-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsInfoRow, prefixes);
  gtk_widget_class_bind_template_child (widget_class, TtsInfoRow, suffixes);
  gtk_widget_class_bind_template_child (widget_class, TtsInfoRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TtsInfoRow, subtitle_label);
}

static void
tts_info_row_init (TtsInfoRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_object_bind_property (self, "title", self->title_label, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "use-underline", self->title_label, "use-underline", G_BINDING_SYNC_CREATE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->title_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->subtitle_label, NULL,
                                  -1);
  g_signal_connect (self, "activate", G_CALLBACK (activate_cb), NULL);
}

const char *
tts_info_row_get_subtitle (TtsInfoRow *self)
{
  g_return_val_if_fail (TTS_IS_INFO_ROW (self), NULL);

  return gtk_label_get_label (self->subtitle_label);
}

void
tts_info_row_set_subtitle (TtsInfoRow *self,
                           const char *subtitle)
{
  g_return_if_fail (TTS_IS_INFO_ROW (self));

  if (g_strcmp0 (gtk_label_get_label (self->subtitle_label), subtitle != NULL ? subtitle : "") == 0)
    return;

  gtk_label_set_label (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL && subtitle[0] != '\0');
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

/* tts-start-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-core-enums.h"
#include "tts-info-row.h"
#include "tts-start-page.h"

struct _TtsStartPage
{
  TtsPage         parent_instance;

  GtkCheckButton *production_check;
  GtkCheckButton *sandbox_check;
  GtkCheckButton *sign_in_check;
  GtkCheckButton *refresh_token_check;
  TtsInfoRow     *redirect_row;
  TtsInfoRow     *custom_service_row;

  char           *redirect_uri;
  char           *manage_uri;
};

G_DEFINE_FINAL_TYPE (TtsStartPage, tts_start_page, TTS_TYPE_PAGE)

enum {
  PROP_0,
  PROP_ENVIRONMENT_KIND,
  PROP_USE_REFRESH_TOKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
environment_toggled_cb (TtsStartPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENVIRONMENT_KIND]);
}

static void
way_in_toggled_cb (TtsStartPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_REFRESH_TOKEN]);
}

static void
copy_redirect_uri_cb (TtsStartPage *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->redirect_uri);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s",
                              _("Redirect URI copied"));
}

static void
open_site_cb (TtsStartPage *self)
{
  if (self->manage_uri != NULL)
    tts_page_launch_uri (TTS_PAGE (self), self->manage_uri, _("Could not open your web browser."));
}

static void
tts_start_page_finalize (GObject *object)
{
  TtsStartPage *self = (TtsStartPage *) object;

  g_clear_pointer (&self->redirect_uri, g_free);
  g_clear_pointer (&self->manage_uri, g_free);

  G_OBJECT_CLASS (tts_start_page_parent_class)->finalize (object);
}

static void
tts_start_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_START_PAGE);

  G_OBJECT_CLASS (tts_start_page_parent_class)->dispose (object);
}

static void
tts_start_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TtsStartPage *self = TTS_START_PAGE (object);

  switch (prop_id)
    {
    case PROP_ENVIRONMENT_KIND:
      g_value_set_enum (value, tts_start_page_get_environment_kind (self));
      break;

    case PROP_USE_REFRESH_TOKEN:
      g_value_set_boolean (value, tts_start_page_get_use_refresh_token (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_start_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TtsStartPage *self = TTS_START_PAGE (object);

  switch (prop_id)
    {
    case PROP_ENVIRONMENT_KIND:
      tts_start_page_set_environment_kind (self, g_value_get_enum (value));
      break;

    case PROP_USE_REFRESH_TOKEN:
      tts_start_page_set_use_refresh_token (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_start_page_class_init (TtsStartPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_start_page_dispose;
  object_class->finalize = tts_start_page_finalize;
  object_class->get_property = tts_start_page_get_property;
  object_class->set_property = tts_start_page_set_property;

  properties[PROP_ENVIRONMENT_KIND] =
    g_param_spec_enum ("environment-kind", NULL, NULL,
                       TTS_TYPE_ENVIRONMENT_KIND, TTS_ENVIRONMENT_PRODUCTION,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USE_REFRESH_TOKEN] =
    g_param_spec_boolean ("use-refresh-token", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TTS_TYPE_INFO_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-start-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsStartPage, production_check);
  gtk_widget_class_bind_template_child (widget_class, TtsStartPage, sandbox_check);
  gtk_widget_class_bind_template_child (widget_class, TtsStartPage, sign_in_check);
  gtk_widget_class_bind_template_child (widget_class, TtsStartPage, refresh_token_check);
  gtk_widget_class_bind_template_child (widget_class, TtsStartPage, redirect_row);
  gtk_widget_class_bind_template_child (widget_class, TtsStartPage, custom_service_row);
  gtk_widget_class_bind_template_callback (widget_class, environment_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, way_in_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_redirect_uri_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_site_cb);
}

static void
tts_start_page_init (TtsStartPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  tts_page_set_title (TTS_PAGE (self), _("Before You Start"));
  tts_page_set_primary_label (TTS_PAGE (self), _("_Next"));
  tts_page_set_complete (TTS_PAGE (self), TRUE);
}

TtsEnvironmentKind
tts_start_page_get_environment_kind (TtsStartPage *self)
{
  g_return_val_if_fail (TTS_IS_START_PAGE (self), TTS_ENVIRONMENT_PRODUCTION);

  return gtk_check_button_get_active (self->sandbox_check) ? TTS_ENVIRONMENT_SANDBOX
                                                           : TTS_ENVIRONMENT_PRODUCTION;
}

void
tts_start_page_set_environment_kind (TtsStartPage       *self,
                                     TtsEnvironmentKind  kind)
{
  g_return_if_fail (TTS_IS_START_PAGE (self));

  if (kind == TTS_ENVIRONMENT_SANDBOX)
    gtk_check_button_set_active (self->sandbox_check, TRUE);
  else
    gtk_check_button_set_active (self->production_check, TRUE);
}

gboolean
tts_start_page_get_use_refresh_token (TtsStartPage *self)
{
  g_return_val_if_fail (TTS_IS_START_PAGE (self), FALSE);

  return gtk_check_button_get_active (self->refresh_token_check);
}

void
tts_start_page_set_use_refresh_token (TtsStartPage *self,
                                      gboolean      use_refresh_token)
{
  g_return_if_fail (TTS_IS_START_PAGE (self));

  gtk_check_button_set_active (use_refresh_token ? self->refresh_token_check : self->sign_in_check,
                               TRUE);
}

void
tts_start_page_set_service (TtsStartPage *self,
                            const char   *redirect_uri,
                            const char   *manage_uri,
                            const char   *custom_service)
{
  g_return_if_fail (TTS_IS_START_PAGE (self));

  g_free (self->redirect_uri);
  self->redirect_uri = g_strdup (redirect_uri);
  g_free (self->manage_uri);
  self->manage_uri = g_strdup (manage_uri);

  tts_info_row_set_subtitle (self->redirect_row, redirect_uri);
  gtk_widget_set_visible (GTK_WIDGET (self->custom_service_row), custom_service != NULL);
  if (custom_service != NULL)
    tts_info_row_set_subtitle (self->custom_service_row, custom_service);
}

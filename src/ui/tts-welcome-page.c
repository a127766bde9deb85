/* tts-welcome-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-welcome-page.h"

struct _TtsWelcomePage
{
  TtsPage parent_instance;
};

G_DEFINE_FINAL_TYPE (TtsWelcomePage, tts_welcome_page, TTS_TYPE_PAGE)

static void
tts_welcome_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_WELCOME_PAGE);

  G_OBJECT_CLASS (tts_welcome_page_parent_class)->dispose (object);
}

static void
tts_welcome_page_class_init (TtsWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_welcome_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-welcome-page.ui");
}

static void
tts_welcome_page_init (TtsWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  tts_page_set_title (TTS_PAGE (self), _("Welcome"));
  tts_page_set_primary_label (TTS_PAGE (self), _("_Next"));
  tts_page_set_complete (TTS_PAGE (self), TRUE);
}

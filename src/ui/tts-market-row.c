/* tts-market-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-error.h"
#include "tts-market-row.h"
#include "tts-timing.h"

struct _TtsMarketRow
{
  AdwActionRow  parent_instance;

  GtkWidget    *status_icon;   /* prefix while failed: a warning, or a notice; owned */
  GtkWidget    *spinner;
  GtkWidget    *done_icon;
  GtkWidget    *retry_button;
  gboolean      running;
  gboolean      failed;

  TtsMarketRowKind  kind;
  TtsMarketCheck   *check;
  GCancellable     *cancellable;   /* while a check runs */
};

G_DEFINE_FINAL_TYPE (TtsMarketRow, tts_market_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_FAILED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];


static void
set_state (TtsMarketRow *self,
           gboolean      running,
           gboolean      failed)
{
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), running);
  gtk_widget_set_visible (self->spinner, running);
  gtk_widget_set_visible (self->done_icon, !running && !failed);
  gtk_widget_set_visible (self->retry_button, failed);
  /* Only there when it shows: an empty prefix still indents the title. */
  if (failed && gtk_widget_get_parent (self->status_icon) == NULL)
    adw_action_row_add_prefix (ADW_ACTION_ROW (self), self->status_icon);
  else if (!failed && gtk_widget_get_parent (self->status_icon) != NULL)
    adw_action_row_remove (ADW_ACTION_ROW (self), self->status_icon);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->running != running)
    {
      self->running = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
  if (self->failed != failed)
    {
      self->failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
tts_market_row_set_waiting (TtsMarketRow *self)
{
  g_return_if_fail (TTS_IS_MARKET_ROW (self));

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), _("Checking…"));
  set_state (self, TRUE, FALSE);
}

static void
show_result (TtsMarketRow *self,
             const char   *text)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), text);
  set_state (self, FALSE, FALSE);
}

static void
show_error (TtsMarketRow *self,
            const GError *error)
{
  g_autofree char *text = NULL;
  gboolean notice;

  notice = g_error_matches (error, TTS_ERROR, TTS_ERROR_SANDBOX_MARKET_DATA);
  /* Translators: a sentence saying what went wrong, then one saying what to do. */
  text = g_strdup_printf (C_("reason and next step", "%s %s"), error->message,
                          tts_error_get_remedy (error));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), text);

  gtk_image_set_from_icon_name (GTK_IMAGE (self->status_icon),
                                notice ? "dialog-information-symbolic" : "dialog-warning-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  notice ? _("Note") : _("Problem"),
                                  -1);
  if (notice)
    gtk_widget_remove_css_class (self->status_icon, "warning");
  else
    gtk_widget_add_css_class (self->status_icon, "warning");

  set_state (self, FALSE, TRUE);
}

/* A cancelled check's callback returns before it touches the row: the row may be gone. */
static void
chain_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  TtsMarketRow *self = user_data;
  g_autoptr(TtsOptionChain) chain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  chain = tts_market_check_read_chain_finish (TTS_MARKET_CHECK (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (chain == NULL)
    {
      show_error (self, error);
      return;
    }

  text = tts_option_chain_describe (chain);
  show_result (self, text);
}

static void
quote_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  TtsMarketRow *self = user_data;
  g_autoptr(TtsQuote) quote = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  quote = tts_market_check_read_quote_finish (TTS_MARKET_CHECK (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (quote == NULL)
    {
      show_error (self, error);
      return;
    }

  text = tts_quote_describe (quote);
  show_result (self, text);
  tts_timing_mark ("quote-shown");
}

static void
stop (TtsMarketRow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

void
tts_market_row_run (TtsMarketRow   *self,
                    TtsMarketCheck *check)
{
  g_return_if_fail (TTS_IS_MARKET_ROW (self));
  g_return_if_fail (check == NULL || TTS_IS_MARKET_CHECK (check));

  stop (self);
  g_set_object (&self->check, check);
  if (check == NULL)
    return;

  tts_market_row_set_waiting (self);
  self->cancellable = g_cancellable_new ();
  if (self->kind == TTS_MARKET_ROW_OPTION_CHAINS)
    tts_market_check_read_chain_async (check, self->cancellable, chain_cb, self);
  else
    tts_market_check_read_quote_async (check, self->cancellable, quote_cb, self);
}

static void
retry_clicked_cb (TtsMarketRow *self)
{
  if (self->check != NULL)
    tts_market_row_run (self, self->check);
}

static void
tts_market_row_dispose (GObject *object)
{
  TtsMarketRow *self = TTS_MARKET_ROW (object);

  /* The window goes: no check goes on. */
  stop (self);
  g_clear_object (&self->check);
  g_clear_object (&self->status_icon);

  G_OBJECT_CLASS (tts_market_row_parent_class)->dispose (object);
}

static void
tts_market_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TtsMarketRow *self = TTS_MARKET_ROW (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    case PROP_FAILED:
      g_value_set_boolean (value, self->failed);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_market_row_class_init (TtsMarketRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tts_market_row_dispose;
  object_class->get_property = tts_market_row_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FAILED] =
    g_param_spec_boolean ("failed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_market_row_init (TtsMarketRow *self)
{
  /* Results and reasons come from tastytrade's answers: text, never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);

  self->status_icon = g_object_ref_sink (gtk_image_new ());

  self->spinner = gtk_spinner_new ();
  gtk_widget_set_valign (self->spinner, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Checking"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->spinner);

  self->done_icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");
  gtk_widget_add_css_class (self->done_icon, "success");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->done_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Works"), -1);
  gtk_widget_set_visible (self->done_icon, FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->done_icon);

  self->retry_button = gtk_button_new_with_mnemonic (_("_Try Again"));
  gtk_widget_set_valign (self->retry_button, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (self->retry_button, FALSE);
  g_signal_connect_swapped (self->retry_button, "clicked", G_CALLBACK (retry_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), self->retry_button);
}

GtkWidget *
tts_market_row_new (TtsMarketRowKind kind)
{
  gboolean chains = kind == TTS_MARKET_ROW_OPTION_CHAINS;
  TtsMarketRow *self;

  self = g_object_new (TTS_TYPE_MARKET_ROW,
                       "title", chains ? _("Option Chains") : _("Live Quotes"),
                       NULL);
  self->kind = kind;
  /* Screen readers tell the two Try Again buttons apart. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->retry_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  chains ? _("Check Option Chains Again")
                                         : _("Check Live Quotes Again"),
                                  -1);

  return GTK_WIDGET (self);
}

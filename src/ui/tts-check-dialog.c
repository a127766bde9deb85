/* tts-check-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-account-row.h"
#include "tts-check-dialog.h"
#include "tts-error.h"
#include "tts-market-row.h"
#include "tts-secrets-file.h"
#include "tts-setup-check.h"
#include "tts-token-client.h"

struct _TtsCheckDialog
{
#if ADW_CHECK_VERSION (1, 5, 0)
  AdwAlertDialog    parent_instance;
#else
  AdwMessageDialog  parent_instance;
#endif

  GtkWindow        *parent;
  TtsSetupCheck    *check;
  GCancellable     *cancellable;
  GFile            *file;
  gboolean          done;
  GError           *error;
};

#if ADW_CHECK_VERSION (1, 5, 0)
G_DEFINE_FINAL_TYPE (TtsCheckDialog, tts_check_dialog, ADW_TYPE_ALERT_DIALOG)
#else
G_DEFINE_FINAL_TYPE (TtsCheckDialog, tts_check_dialog, ADW_TYPE_MESSAGE_DIALOG)
#endif

enum {
  PROP_0,
  PROP_DONE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The two dialog classes have the same setters under different names. */
static void
set_text (TtsCheckDialog *self,
          const char     *heading,
          const char     *body)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  adw_alert_dialog_set_heading (ADW_ALERT_DIALOG (self), heading);
  adw_alert_dialog_set_body (ADW_ALERT_DIALOG (self), body);
#else
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
#endif
}

static void
set_extra_child (TtsCheckDialog *self,
                 GtkWidget      *child)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  adw_alert_dialog_set_extra_child (ADW_ALERT_DIALOG (self), child);
#else
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), child);
#endif
}

/* Below the accounts, what the fetcher reads, as on the done page and in --check; the rows
 * stop their checks when the dialog goes. */
static GtkWidget *
list_with_market_checks (TtsCheckDialog *self,
                         GtkWidget      *accounts)
{
  g_autoptr(TtsMarketCheck) check = tts_setup_check_new_market_check (self->check);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("What your scripts read"),
                                  -1);
  for (TtsMarketRowKind kind = TTS_MARKET_ROW_OPTION_CHAINS;
       kind <= TTS_MARKET_ROW_LIVE_QUOTES;
       kind++)
    {
      GtkWidget *row = tts_market_row_new (kind);

      gtk_list_box_append (GTK_LIST_BOX (list), row);
      tts_market_row_run (TTS_MARKET_ROW (row), check);
    }

  gtk_box_append (GTK_BOX (box), accounts);
  gtk_box_append (GTK_BOX (box), list);

  return box;
}

static void
show_accounts (TtsCheckDialog *self)
{
  GListModel *accounts = tts_setup_check_get_accounts (self->check);
  guint n_accounts = g_list_model_get_n_items (accounts);
  g_autofree char *path = g_file_get_parse_name (self->file);
  g_autofree char *body = NULL;
  GtkWidget *list;

  if (tts_setup_check_get_sandbox (self->check))
    /* Translators: %s is a file */
    body = g_strdup_printf (_("tastytrade’s sandbox accepts the credentials in %s."), path);
  else
    /* Translators: %s is a file */
    body = g_strdup_printf (_("tastytrade accepts the credentials in %s."), path);

  if (tts_setup_check_get_token_renewed (self->check))
    {
      g_autofree char *longer = g_strdup_printf ("%s %s", body,
                                                 _("tastytrade handed out a new refresh token, "
                                                   "which is now saved in the file."));

      g_free (body);
      body = g_steal_pointer (&longer);
    }

  set_text (self, _("Your Token Works"), body);

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Accounts the token can read"),
                                  -1);
  for (guint i = 0; i < n_accounts; i++)
    {
      g_autoptr(TtsAccount) account = g_list_model_get_item (accounts, i);

      gtk_list_box_append (GTK_LIST_BOX (list), tts_account_row_new (account));
    }
  if (n_accounts == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No accounts"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("The token works, but tastytrade lists no account for it."));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }

  set_extra_child (self, list_with_market_checks (self, list));
}

static void
show_error (TtsCheckDialog *self)
{
  g_autofree char *body = g_strdup_printf ("%s\n\n%s", self->error->message,
                                           tts_error_get_remedy (self->error));

  set_text (self, tts_error_get_title (self->error), body);
  set_extra_child (self, NULL);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(TtsCheckDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  tts_setup_check_run_finish (TTS_SETUP_CHECK (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->done = TRUE;
  self->error = g_steal_pointer (&error);
  if (self->error == NULL)
    show_accounts (self);
  else
    show_error (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
}

static void
tts_check_dialog_dispose (GObject *object)
{
  TtsCheckDialog *self = (TtsCheckDialog *) object;

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (tts_check_dialog_parent_class)->dispose (object);
}

static void
tts_check_dialog_finalize (GObject *object)
{
  TtsCheckDialog *self = (TtsCheckDialog *) object;

  g_clear_weak_pointer (&self->parent);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->check);
  g_clear_object (&self->file);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (tts_check_dialog_parent_class)->finalize (object);
}

static void
tts_check_dialog_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TtsCheckDialog *self = TTS_CHECK_DIALOG (object);

  switch (prop_id)
    {
    case PROP_DONE:
      g_value_set_boolean (value, self->done);
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_check_dialog_class_init (TtsCheckDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tts_check_dialog_dispose;
  object_class->finalize = tts_check_dialog_finalize;
  object_class->get_property = tts_check_dialog_get_property;

  /* Whether the check has finished; then "error" says why it failed, NULL when the
   * credentials work. */
  properties[PROP_DONE] =
    g_param_spec_boolean ("done", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_check_dialog_init (TtsCheckDialog *self)
{
  self->cancellable = g_cancellable_new ();
}

TtsCheckDialog *
tts_check_dialog_new (GtkWindow  *parent,
                      GFile      *folder,
                      const char *file_name,
                      const char *api_uri)
{
  g_autoptr(TtsSecretsFile) secrets = NULL;
  g_autofree char *heading = NULL;
  TtsCheckDialog *self;
  GtkWidget *spinner;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_FILE (folder), NULL);
  g_return_val_if_fail (file_name != NULL, NULL);

  /* Translators: %s is a file name such as .secrets */
  heading = g_strdup_printf (_("Checking %s…"), file_name);
  self = g_object_new (TTS_TYPE_CHECK_DIALOG, NULL);
  g_set_weak_pointer (&self->parent, parent);
  set_text (self, heading, _("Asking tastytrade whether it still accepts the saved credentials."));
#if ADW_CHECK_VERSION (1, 5, 0)
  adw_alert_dialog_add_response (ADW_ALERT_DIALOG (self), "close", _("_Close"));
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (self), "close");
#else
  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (self), "close", _("_Close"));
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "close");
#endif

  spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  set_extra_child (self, spinner);

  secrets = tts_secrets_file_new_for_name (folder, file_name);
  self->file = g_object_ref (tts_secrets_file_get_file (secrets));
  self->check = tts_setup_check_new (secrets, api_uri, tts_user_agent ());
  tts_setup_check_run_async (self->check, self->cancellable, run_cb, g_object_ref (self));

  return self;
}

void
tts_check_dialog_present (TtsCheckDialog *self)
{
  g_return_if_fail (TTS_IS_CHECK_DIALOG (self));

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_present (ADW_DIALOG (self), GTK_WIDGET (self->parent));
#else
  gtk_window_present (GTK_WINDOW (self));
#endif
}

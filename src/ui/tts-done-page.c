/* tts-done-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-account-row.h"
#include "tts-done-page.h"
#include "tts-dxlink-client.h"
#include "tts-market-row.h"
#include "tts-secrets-file.h"
#include "tts-timing.h"
#include "tts-wipe.h"

struct _TtsDonePage
{
  TtsPage              parent_instance;

  AdwActionRow        *file_row;
  AdwActionRow        *backup_row;
  AdwActionRow        *git_row;
  AdwPreferencesGroup *accounts_group;
  AdwActionRow        *no_accounts_row;
  AdwActionRow        *token_row;
  GtkToggleButton     *reveal_button;
  AdwPreferencesGroup *usage_group;
  GtkLabel            *snippet_label;
  AdwPreferencesGroup *market_group;
  TtsMarketRow        *chain_row;
  TtsMarketRow        *quote_row;

  /* What the fetcher needs, checked once the page is drawn: the file is saved by then. */
  TtsMarketCheck      *market_check;
  gboolean             checks_pending;    /* made, waiting for the page to be drawn */
  gulong               after_paint_id;
  GdkFrameClock       *frame_clock;
  guint                quote_timeout;

  GPtrArray           *account_rows;
  /* The saved file, for Open Folder. */
  GFile               *file;
  char                *manage_uri;
  char                *token;
  char                *snippet;

  /* The refresh token put on the clipboard, cleared after clipboard_timeout_ms if it is
   * still ours then. */
  GdkContentProvider  *copied_token;
  guint                clipboard_timeout_ms;
  guint                clipboard_timeout_id;
};

#define CLIPBOARD_TIMEOUT_MS (60 * 1000)

G_DEFINE_FINAL_TYPE (TtsDonePage, tts_done_page, TTS_TYPE_PAGE)

enum {
  PROP_0,
  PROP_CLIPBOARD_TIMEOUT,
  PROP_CLIPBOARD_PENDING,
  PROP_QUOTE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Takes the token off the clipboard, unless something else was copied since. */
static void
clear_copied_token (TtsDonePage *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));

  g_clear_handle_id (&self->clipboard_timeout_id, g_source_remove);
  if (self->copied_token == NULL)
    return;

  if (gdk_clipboard_get_content (clipboard) == self->copied_token)
    gdk_clipboard_set_content (clipboard, NULL);
  g_clear_object (&self->copied_token);
}

static gboolean
clipboard_timeout_cb (gpointer user_data)
{
  TtsDonePage *self = user_data;

  self->clipboard_timeout_id = 0;
  clear_copied_token (self);

  return G_SOURCE_REMOVE;
}

static void
copy_token_cb (TtsDonePage *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GValue value = G_VALUE_INIT;

  if (self->token == NULL)
    return;

  clear_copied_token (self);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, self->token);
  self->copied_token = gdk_content_provider_new_for_value (&value);
  g_value_unset (&value);
  gdk_clipboard_set_content (clipboard, self->copied_token);
  /* A credential left on the clipboard is pasted by accident later, anywhere. */
  self->clipboard_timeout_id = g_timeout_add (self->clipboard_timeout_ms, clipboard_timeout_cb, self);
  g_source_set_name_by_id (self->clipboard_timeout_id, "[tastytrade-setup] clear copied token");

  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s",
                              _("Refresh token copied"));
}

static void
copy_snippet_cb (TtsDonePage *self)
{
  if (self->snippet == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->snippet);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", _("Code copied"));
}

/* The SDK's names, and how its scripts load the file: code, never translated. */
static void
show_usage (TtsDonePage *self,
            TtsFlow     *flow,
            const char  *file_name)
{
  TtsKeySet key_set = tts_flow_get_key_set (flow);
  gboolean sandbox = tts_environment_get_kind (tts_flow_get_environment (flow)) == TTS_ENVIRONMENT_SANDBOX;
  g_autoptr(GString) names = g_string_new (NULL);
  g_autofree char *description = NULL;

  for (TtsCredentialKind kind = TTS_CREDENTIAL_CLIENT_ID; kind <= TTS_CREDENTIAL_REFRESH_TOKEN; kind++)
    {
      const char *key = tts_key_set_get_key (key_set, kind);

      if (key == NULL)
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, key);
    }

  if (sandbox)
    /* Translators: the first %s is a list of variable names, the second a product name */
    description = g_strdup_printf (_("Saved under the names %s (%s), with TT_SANDBOX=true: these "
                                     "credentials only work with tastytrade’s sandbox."),
                                   names->str, tts_key_set_get_product (key_set));
  else
    /* Translators: the first %s is a list of variable names, the second a product name */
    description = g_strdup_printf (_("Saved under the names %s (%s)."),
                                   names->str, tts_key_set_get_product (key_set));
  adw_preferences_group_set_description (self->usage_group, description);

  g_free (self->snippet);
  self->snippet = tts_key_set_dup_snippet (key_set, file_name);
  gtk_label_set_text (self->snippet_label, self->snippet);
}

/* Hidden by default: people share screenshots of the last page. */
static void
update_token_row (TtsDonePage *self)
{
  gboolean revealed = gtk_toggle_button_get_active (self->reveal_button);
  const char *action = revealed ? _("Hide Refresh Token") : _("Show Refresh Token");

  if (self->token == NULL)
    adw_action_row_set_subtitle (self->token_row, "");
  else if (revealed)
    adw_action_row_set_subtitle (self->token_row, self->token);
  else
    adw_action_row_set_subtitle (self->token_row, "●●●●●●●●●●●●●●●●●●●●●●●●");

  gtk_button_set_icon_name (GTK_BUTTON (self->reveal_button),
                            revealed ? "view-conceal-symbolic" : "view-reveal-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->reveal_button), action);
  /* GTK 4.8 does not name a button after its tooltip: screen readers would say “GtkImage”. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->reveal_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, action,
                                  -1);
}

static void
set_token (TtsDonePage *self,
           const char  *token)
{
  g_clear_pointer (&self->token, tts_wipe_free);
  self->token = g_strdup (token);
  gtk_toggle_button_set_active (self->reveal_button, FALSE);
  update_token_row (self);
}

/* The file manager shows the folder with the file selected (GTK 4.10 and later). */
static void
open_folder_cb (TtsDonePage *self)
{
  if (self->file != NULL)
    tts_page_show_file (TTS_PAGE (self), self->file, _("Could not open the folder."));
}

static void
open_site_cb (TtsDonePage *self)
{
  if (self->manage_uri != NULL)
    tts_page_launch_uri (TTS_PAGE (self), self->manage_uri, _("Could not open your web browser."));
}

/* What the fetcher needs */

static void
stop_waiting_for_paint (TtsDonePage *self)
{
  /* A frame clock that went with its surface has dropped its handlers already. */
  if (self->after_paint_id != 0
      && g_signal_handler_is_connected (self->frame_clock, self->after_paint_id))
    g_signal_handler_disconnect (self->frame_clock, self->after_paint_id);
  self->after_paint_id = 0;
  g_clear_object (&self->frame_clock);
}

static void
after_paint_cb (GdkFrameClock *frame_clock,
                TtsDonePage   *self)
{
  stop_waiting_for_paint (self);
  self->checks_pending = FALSE;
  tts_timing_mark ("market checks started");
  tts_market_row_run (self->chain_row, self->market_check);
  tts_market_row_run (self->quote_row, self->market_check);
}

/* The checks start once the page has been drawn: its first frame waits for nothing. */
static void
start_checks_after_paint (TtsDonePage *self)
{
  GdkFrameClock *frame_clock;

  /* Mapped again, perhaps on a new surface: its frame clock is the one to wait on. */
  stop_waiting_for_paint (self);
  if (!self->checks_pending || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  frame_clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  if (frame_clock == NULL)
    return;

  self->frame_clock = g_object_ref (frame_clock);
  self->after_paint_id = g_signal_connect (frame_clock, "after-paint",
                                           G_CALLBACK (after_paint_cb), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
stop_checks (TtsDonePage *self)
{
  stop_waiting_for_paint (self);
  self->checks_pending = FALSE;
  tts_market_row_run (self->chain_row, NULL);
  tts_market_row_run (self->quote_row, NULL);
  g_clear_object (&self->market_check);
}

static void
tts_done_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tts_done_page_parent_class)->map (widget);

  start_checks_after_paint (TTS_DONE_PAGE (widget));
}

static void
remove_account_rows (TtsDonePage *self)
{
  for (guint i = 0; i < self->account_rows->len; i++)
    adw_preferences_group_remove (self->accounts_group, g_ptr_array_index (self->account_rows, i));
  g_ptr_array_set_size (self->account_rows, 0);
}

static void
tts_done_page_dispose (GObject *object)
{
  TtsDonePage *self = (TtsDonePage *) object;

  /* The window goes: the token does not stay behind on the clipboard, and no check goes on. */
  clear_copied_token (self);
  stop_checks (self);
  g_ptr_array_set_size (self->account_rows, 0);
  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_DONE_PAGE);

  G_OBJECT_CLASS (tts_done_page_parent_class)->dispose (object);
}

static void
tts_done_page_finalize (GObject *object)
{
  TtsDonePage *self = (TtsDonePage *) object;

  g_clear_pointer (&self->account_rows, g_ptr_array_unref);
  g_clear_object (&self->file);
  g_clear_pointer (&self->manage_uri, g_free);
  g_clear_pointer (&self->token, tts_wipe_free);
  g_clear_pointer (&self->snippet, g_free);

  G_OBJECT_CLASS (tts_done_page_parent_class)->finalize (object);
}

static void
tts_done_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TtsDonePage *self = TTS_DONE_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIPBOARD_TIMEOUT:
      g_value_set_uint (value, self->clipboard_timeout_ms);
      break;

    case PROP_CLIPBOARD_PENDING:
      g_value_set_boolean (value, self->copied_token != NULL);
      break;

    case PROP_QUOTE_TIMEOUT:
      g_value_set_uint (value, self->quote_timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_done_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TtsDonePage *self = TTS_DONE_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIPBOARD_TIMEOUT:
      self->clipboard_timeout_ms = g_value_get_uint (value);
      break;

    case PROP_QUOTE_TIMEOUT:
      self->quote_timeout = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_done_page_class_init (TtsDonePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_done_page_dispose;
  object_class->finalize = tts_done_page_finalize;
  object_class->get_property = tts_done_page_get_property;
  object_class->set_property = tts_done_page_set_property;
  widget_class->map = tts_done_page_map;

  /* How long a copied refresh token stays on the clipboard, in milliseconds. */
  properties[PROP_CLIPBOARD_TIMEOUT] =
    g_param_spec_uint ("clipboard-timeout", NULL, NULL, 1, G_MAXUINT, CLIPBOARD_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* The page still means to clear a token it copied. */
  properties[PROP_CLIPBOARD_PENDING] =
    g_param_spec_boolean ("clipboard-pending", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* How long the live-quote check waits for a quote once subscribed, in seconds; for the
   * checks a page starts after this is set. */
  properties[PROP_QUOTE_TIMEOUT] =
    g_param_spec_uint ("quote-timeout", NULL, NULL, 1, G_MAXUINT / 1000,
                       TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-done-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, file_row);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, backup_row);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, git_row);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, accounts_group);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, no_accounts_row);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, token_row);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, reveal_button);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, usage_group);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, snippet_label);
  gtk_widget_class_bind_template_child (widget_class, TtsDonePage, market_group);
  gtk_widget_class_bind_template_callback (widget_class, copy_snippet_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_token_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_token_row);
  gtk_widget_class_bind_template_callback (widget_class, open_folder_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_site_cb);
}

static void
tts_done_page_init (TtsDonePage *self)
{
  g_autofree char *summary = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->account_rows = g_ptr_array_new ();
  self->clipboard_timeout_ms = CLIPBOARD_TIMEOUT_MS;
  self->quote_timeout = TTS_DXLINK_CLIENT_QUOTE_TIMEOUT_SECONDS;

  self->chain_row = TTS_MARKET_ROW (tts_market_row_new (TTS_MARKET_ROW_OPTION_CHAINS));
  adw_preferences_group_add (self->market_group, GTK_WIDGET (self->chain_row));
  self->quote_row = TTS_MARKET_ROW (tts_market_row_new (TTS_MARKET_ROW_LIVE_QUOTES));
  adw_preferences_group_add (self->market_group, GTK_WIDGET (self->quote_row));
  /* Translators: the window title on the last page, once the token is saved */
  tts_page_set_title (TTS_PAGE (self), _("All Set"));
  tts_page_set_primary_label (TTS_PAGE (self), _("_Close"));
  summary = g_strjoin ("\n", _("Your Token Works and Is Saved"),
                       _("Your scripts can now read your tastytrade accounts."), NULL);
  tts_page_set_summary (TTS_PAGE (self), summary);
  tts_page_set_complete (TTS_PAGE (self), TRUE);
  update_token_row (self);
}

/* The folder is in a git repository whose .gitignore was not changed (a link, which is never
 * written through): the file could end up in the repository, and only the user can say
 * where the real .gitignore is. */
static void
show_git_warning (TtsDonePage *self,
                  TtsFlow     *flow,
                  const char  *name,
                  const char  *backup_name)
{
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->git_row), tts_flow_get_git_may_add (flow));
  if (!tts_flow_get_git_may_add (flow))
    return;

  /* Translators: each %s is a file name: the first two the saved file (.secrets), the last
   * its backup (.secrets.backup) */
  text = g_strdup_printf (_("This folder is in a git repository, but its .gitignore is a link "
                            "or cannot be changed, so git may still add %s to the repository "
                            "and share it. Add %s and %s to the .gitignore yourself."),
                          name, name, backup_name);
  adw_action_row_set_subtitle (self->git_row, text);
}

void
tts_done_page_show_result (TtsDonePage *self,
                           TtsFlow     *flow)
{
  GListModel *accounts;
  GFile *file;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *backup_name = NULL;
  guint n_accounts;

  g_return_if_fail (TTS_IS_DONE_PAGE (self));
  g_return_if_fail (TTS_IS_FLOW (flow));

  file = tts_flow_get_secrets_file (flow);
  path = file != NULL ? g_file_get_parse_name (file) : NULL;
  adw_action_row_set_subtitle (self->file_row, path != NULL ? path : "");
  g_set_object (&self->file, file);
  gtk_widget_set_visible (GTK_WIDGET (self->backup_row), tts_flow_get_backup_made (flow));
  name = file != NULL ? g_file_get_basename (file) : g_strdup (tts_flow_get_file_name (flow));
  backup_name = g_strconcat (name, ".backup", NULL);
  adw_action_row_set_subtitle (self->backup_row, backup_name);
  show_git_warning (self, flow, name, backup_name);
  show_usage (self, flow, name);

  g_free (self->manage_uri);
  self->manage_uri = g_strdup (tts_environment_get_manage_uri (tts_flow_get_environment (flow)));

  remove_account_rows (self);
  accounts = tts_flow_get_accounts (flow);
  n_accounts = g_list_model_get_n_items (accounts);
  for (guint i = 0; i < n_accounts; i++)
    {
      g_autoptr(TtsAccount) account = g_list_model_get_item (accounts, i);
      GtkWidget *row = tts_account_row_new (account);

      adw_preferences_group_add (self->accounts_group, row);
      g_ptr_array_add (self->account_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->no_accounts_row), n_accounts == 0);

  set_token (self, tts_flow_get_refresh_token (flow));

  stop_checks (self);
  self->market_check = tts_flow_new_market_check (flow);
  g_object_set (self->market_check, "quote-timeout", self->quote_timeout, NULL);
  tts_market_row_set_waiting (self->chain_row);
  tts_market_row_set_waiting (self->quote_row);
  self->checks_pending = TRUE;
  start_checks_after_paint (self);
}

void
tts_done_page_clear (TtsDonePage *self)
{
  g_return_if_fail (TTS_IS_DONE_PAGE (self));

  set_token (self, NULL);
  remove_account_rows (self);
  stop_checks (self);
}

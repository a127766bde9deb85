/* tts-credentials-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-credential.h"
#include "tts-credentials-page.h"
#include "tts-secrets-file.h"
#include "tts-wipe.h"

struct _TtsCredentialsPage
{
  TtsPage               parent_instance;

  AdwEntryRow          *client_id_row;
  AdwPasswordEntryRow  *client_secret_row;
  AdwPasswordEntryRow  *refresh_token_row;
  AdwActionRow         *folder_row;
  AdwActionRow         *existing_row;
  AdwPreferencesGroup  *unavailable_group;
  AdwActionRow         *unavailable_row;
  /* By TtsKeySet */
  AdwActionRow         *key_set_rows[TTS_KEY_SET_N_SETS];
  GtkCheckButton       *key_set_checks[TTS_KEY_SET_N_SETS];
  GtkSwitch            *file_name_switch;
  AdwEntryRow          *file_name_row;
  GtkLabel             *problem_label;

  GFile                *folder;
  GCancellable         *existing_cancellable;
  /* While the folder chooser is open. GtkFileDialog, GTK 4.10; drop the other branch when
   * the floor reaches it. */
#if GTK_CHECK_VERSION (4, 10, 0)
  GtkFileDialog        *chooser;
  GCancellable         *chooser_cancellable;
#else
  GtkFileChooserNative *chooser;
#endif
  char                 *problem;
  /* Valid, or NULL while the typed name is not. */
  char                 *file_name;
  gboolean              use_refresh_token;
  gboolean              secrets_exist;
};

G_DEFINE_FINAL_TYPE (TtsCredentialsPage, tts_credentials_page, TTS_TYPE_PAGE)

enum {
  PROP_0,
  PROP_PROBLEM,
  PROP_SECRETS_EXIST,
  PROP_CHOOSING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Checks one field; an empty field is only a hint, a malformed one is marked as an error. */
static gboolean
check_field (GtkWidget          *row,
             TtsCredentialKind   kind,
             char              **problem)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(GError) error = NULL;
  char *value = tts_credential_normalize (kind, text, &error);
  gboolean malformed = value == NULL && text != NULL && text[0] != '\0';
  GtkAccessible *accessibles[2];

  tts_wipe_free (value);

  if (malformed)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");

  /* The sentence under the fields belongs to one of them: a screen reader reads it with
   * that field (GTK 4.8 does not derive descriptions from a described-by relation). With
   * libadwaita 1.7 the focus lands on the row's editable delegate, a text object of its
   * own, rather than on the row as with 1.2: both carry it. */
  accessibles[0] = GTK_ACCESSIBLE (row);
  accessibles[1] = GTK_ACCESSIBLE (gtk_editable_get_delegate (GTK_EDITABLE (row)));
  for (guint i = 0; i < G_N_ELEMENTS (accessibles); i++)
    {
      if (accessibles[i] == NULL || (i > 0 && accessibles[i] == accessibles[0]))
        continue;

      gtk_accessible_update_state (accessibles[i],
                                   GTK_ACCESSIBLE_STATE_INVALID,
                                   malformed ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                                   -1);
      if (error != NULL)
        gtk_accessible_update_property (accessibles[i],
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error->message,
                                        -1);
      else
        gtk_accessible_reset_property (accessibles[i], GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }

  if (error != NULL && *problem == NULL)
    *problem = g_strdup (error->message);

  return error == NULL;
}

static void
update_complete (TtsCredentialsPage *self)
{
  g_autofree char *problem = NULL;
  gboolean complete = TRUE;

  complete &= check_field (GTK_WIDGET (self->client_id_row), TTS_CREDENTIAL_CLIENT_ID, &problem);
  complete &= check_field (GTK_WIDGET (self->client_secret_row), TTS_CREDENTIAL_CLIENT_SECRET, &problem);
  if (self->use_refresh_token)
    complete &= check_field (GTK_WIDGET (self->refresh_token_row), TTS_CREDENTIAL_REFRESH_TOKEN, &problem);

  if (self->folder == NULL)
    {
      complete = FALSE;
      if (problem == NULL)
        problem = g_strdup (_("Choose the project folder where the .secrets file goes."));
    }

  if (self->file_name == NULL)
    {
      g_autoptr(GError) error = NULL;

      tts_secrets_file_name_is_valid (gtk_editable_get_text (GTK_EDITABLE (self->file_name_row)), &error);
      complete = FALSE;
      gtk_widget_add_css_class (GTK_WIDGET (self->file_name_row), "error");
      if (problem == NULL && error != NULL)
        problem = g_strdup (error->message);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->file_name_row), "error");
    }

  if (g_strcmp0 (problem, self->problem) != 0)
    {
      g_free (self->problem);
      self->problem = g_steal_pointer (&problem);
      gtk_label_set_text (self->problem_label, self->problem != NULL ? self->problem : "");
      gtk_widget_set_visible (GTK_WIDGET (self->problem_label), self->problem != NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
    }

  tts_page_set_complete (TTS_PAGE (self), complete);
}

static void
field_changed_cb (TtsCredentialsPage *self)
{
  update_complete (self);
}

static void
set_secrets_exist (TtsCredentialsPage *self,
                   gboolean            exist)
{
  gtk_widget_set_visible (GTK_WIDGET (self->existing_row), exist);
  if (self->secrets_exist == exist)
    return;

  self->secrets_exist = exist;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECRETS_EXIST]);
}

static void
query_existing_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  TtsCredentialsPage *self;

  info = g_file_query_info_finish (G_FILE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = TTS_CREDENTIALS_PAGE (user_data);
  if (info != NULL)
    {
      /* Translators: %s is a file name such as .secrets */
      g_autofree char *title = g_strdup_printf (_("This folder already has a %s file"), self->file_name);
      /* Translators: %s is a file name such as .secrets */
      g_autofree char *subtitle = g_strdup_printf (_("Signing in changes only the tastytrade entries "
                                                     "in it; everything else stays. Its current "
                                                     "version is kept as %s.backup."),
                                                   self->file_name);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->existing_row), title);
      adw_action_row_set_subtitle (self->existing_row, subtitle);
    }
  set_secrets_exist (self, info != NULL);
}

static void
check_existing_secrets (TtsCredentialsPage *self)
{
  g_autoptr(GFile) secrets = NULL;

  g_cancellable_cancel (self->existing_cancellable);
  g_clear_object (&self->existing_cancellable);
  set_secrets_exist (self, FALSE);

  if (self->folder == NULL || self->file_name == NULL)
    return;

  /* Off the main thread: the folder may be on a slow or network disk. */
  self->existing_cancellable = g_cancellable_new ();
  secrets = g_file_get_child (self->folder, self->file_name);
  g_file_query_info_async (secrets,
                           G_FILE_ATTRIBUTE_STANDARD_TYPE,
                           G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                           G_PRIORITY_DEFAULT,
                           self->existing_cancellable,
                           query_existing_cb,
                           self);
}

/* Each choice shows the names it writes. */
static void
describe_key_sets (TtsCredentialsPage *self)
{
  for (TtsKeySet set = 0; set < TTS_KEY_SET_N_SETS; set++)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (TtsCredentialKind kind = TTS_CREDENTIAL_CLIENT_ID; kind <= TTS_CREDENTIAL_REFRESH_TOKEN; kind++)
        {
          const char *key = tts_key_set_get_key (set, kind);

          if (key == NULL)
            continue;
          if (names->len > 0)
            g_string_append (names, ", ");
          g_string_append (names, key);
        }
      adw_action_row_set_subtitle (self->key_set_rows[set], names->str);
    }
}

static void
file_name_changed_cb (TtsCredentialsPage *self)
{
  const char *name = TTS_SECRETS_FILE_NAME;

  if (gtk_switch_get_active (self->file_name_switch))
    {
      name = gtk_editable_get_text (GTK_EDITABLE (self->file_name_row));
      /* Spaces around a pasted name are not part of it. */
      if (name != NULL && (g_ascii_isspace (name[0]) || (name[0] != '\0' && g_ascii_isspace (name[strlen (name) - 1]))))
        name = NULL;
    }

  g_free (self->file_name);
  self->file_name = tts_secrets_file_name_is_valid (name, NULL) ? g_strdup (name) : NULL;
  check_existing_secrets (self);
  update_complete (self);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
folder_chosen_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TtsCredentialsPage) self = user_data;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GError) error = NULL;

  folder = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (source), result, &error);
  /* Let go in dispose: the page is gone. */
  if (self->chooser != GTK_FILE_DIALOG (source))
    return;

  g_clear_object (&self->chooser);
  g_clear_object (&self->chooser_cancellable);
  if (folder != NULL)
    tts_credentials_page_set_folder (self, folder);
  else if (!g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    g_debug ("No folder chosen: %s", error->message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOOSING]);
}

static void
choose_folder_cb (TtsCredentialsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_dialog_new ();
  self->chooser_cancellable = g_cancellable_new ();
  gtk_file_dialog_set_title (self->chooser, _("Choose Project Folder"));
  gtk_file_dialog_set_accept_label (self->chooser, _("_Select"));
  gtk_file_dialog_set_modal (self->chooser, TRUE);
  gtk_file_dialog_set_initial_folder (self->chooser, self->folder);
  gtk_file_dialog_select_folder (self->chooser, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 self->chooser_cancellable, folder_chosen_cb, g_object_ref (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOOSING]);
}
#else
static void
chooser_response_cb (TtsCredentialsPage   *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      tts_credentials_page_set_folder (self, folder);
    }

  g_clear_object (&self->chooser);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOOSING]);
}

static void
choose_folder_cb (TtsCredentialsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Choose Project Folder"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (self->folder != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), self->folder, NULL);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHOOSING]);
}
#endif

/* libadwaita 1.2 gives the password rows' show-text button a tooltip but no accessible name,
 * and GTK 4.8 does not use the tooltip: screen readers would say “GtkImage”. GTK names a
 * control from its tooltip by 4.14 (4.14.5 and 4.18 do): drop this when the floor is there. */
#if !GTK_CHECK_VERSION (4, 14, 0)
static void
name_from_tooltip_cb (GtkWidget *button)
{
  const char *tooltip = gtk_widget_get_tooltip_text (button);

  if (tooltip != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
name_icon_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL)
        {
          g_signal_connect (child, "notify::tooltip-text", G_CALLBACK (name_from_tooltip_cb), NULL);
          name_from_tooltip_cb (child);
        }
      else
        {
          name_icon_buttons (child);
        }
    }
}
#endif

static void
tts_credentials_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tts_credentials_page_parent_class)->map (widget);

  /* The folder may have changed since it was chosen: look again each time the page shows. */
  check_existing_secrets (TTS_CREDENTIALS_PAGE (widget));
}

static void
tts_credentials_page_dispose (GObject *object)
{
  TtsCredentialsPage *self = (TtsCredentialsPage *) object;

  g_cancellable_cancel (self->existing_cancellable);
  g_clear_object (&self->existing_cancellable);
#if GTK_CHECK_VERSION (4, 10, 0)
  /* Closes the chooser; its callback finds the page has let it go. */
  g_cancellable_cancel (self->chooser_cancellable);
  g_clear_object (&self->chooser_cancellable);
#else
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
#endif
  g_clear_object (&self->chooser);

  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_CREDENTIALS_PAGE);

  G_OBJECT_CLASS (tts_credentials_page_parent_class)->dispose (object);
}

static void
tts_credentials_page_finalize (GObject *object)
{
  TtsCredentialsPage *self = (TtsCredentialsPage *) object;

  g_clear_object (&self->folder);
  g_clear_pointer (&self->problem, g_free);
  g_clear_pointer (&self->file_name, g_free);

  G_OBJECT_CLASS (tts_credentials_page_parent_class)->finalize (object);
}

static void
tts_credentials_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TtsCredentialsPage *self = TTS_CREDENTIALS_PAGE (object);

  switch (prop_id)
    {
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;

    case PROP_SECRETS_EXIST:
      g_value_set_boolean (value, self->secrets_exist);
      break;

    case PROP_CHOOSING:
      g_value_set_boolean (value, self->chooser != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_credentials_page_class_init (TtsCredentialsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_credentials_page_dispose;
  object_class->finalize = tts_credentials_page_finalize;
  object_class->get_property = tts_credentials_page_get_property;
  widget_class->map = tts_credentials_page_map;

  /* The sentence under the fields that says why the page is not complete, or NULL. */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The folder already has the file: the page says it will be kept. */
  properties[PROP_SECRETS_EXIST] =
    g_param_spec_boolean ("secrets-exist", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The folder chooser is open, until the page has its answer. */
  properties[PROP_CHOOSING] =
    g_param_spec_boolean ("choosing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-credentials-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, refresh_token_row);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, folder_row);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, existing_row);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, unavailable_group);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, unavailable_row);
  gtk_widget_class_bind_template_child_full (widget_class, "key_set_fetcher_row", FALSE,
                                             G_STRUCT_OFFSET (TtsCredentialsPage, key_set_rows[TTS_KEY_SET_FETCHER]));
  gtk_widget_class_bind_template_child_full (widget_class, "key_set_tastyware_row", FALSE,
                                             G_STRUCT_OFFSET (TtsCredentialsPage, key_set_rows[TTS_KEY_SET_TASTYWARE]));
  gtk_widget_class_bind_template_child_full (widget_class, "key_set_sdk_row", FALSE,
                                             G_STRUCT_OFFSET (TtsCredentialsPage, key_set_rows[TTS_KEY_SET_TASTYTRADE_SDK]));
  gtk_widget_class_bind_template_child_full (widget_class, "key_set_fetcher_check", FALSE,
                                             G_STRUCT_OFFSET (TtsCredentialsPage, key_set_checks[TTS_KEY_SET_FETCHER]));
  gtk_widget_class_bind_template_child_full (widget_class, "key_set_tastyware_check", FALSE,
                                             G_STRUCT_OFFSET (TtsCredentialsPage, key_set_checks[TTS_KEY_SET_TASTYWARE]));
  gtk_widget_class_bind_template_child_full (widget_class, "key_set_sdk_check", FALSE,
                                             G_STRUCT_OFFSET (TtsCredentialsPage, key_set_checks[TTS_KEY_SET_TASTYTRADE_SDK]));
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, file_name_switch);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, file_name_row);
  gtk_widget_class_bind_template_child (widget_class, TtsCredentialsPage, problem_label);
  gtk_widget_class_bind_template_callback (widget_class, file_name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_cb);
}

static void
tts_credentials_page_init (TtsCredentialsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
#if !GTK_CHECK_VERSION (4, 14, 0)
  name_icon_buttons (GTK_WIDGET (self->client_secret_row));
  name_icon_buttons (GTK_WIDGET (self->refresh_token_row));
#endif

  tts_page_set_title (TTS_PAGE (self), _("Your OAuth App"));
  self->file_name = g_strdup (TTS_SECRETS_FILE_NAME);
  describe_key_sets (self);
  gtk_check_button_set_active (self->key_set_checks[TTS_KEY_SET_FETCHER], TRUE);
  tts_credentials_page_set_use_refresh_token (self, FALSE);
  update_complete (self);
}

void
tts_credentials_page_set_use_refresh_token (TtsCredentialsPage *self,
                                            gboolean            use_refresh_token)
{
  g_return_if_fail (TTS_IS_CREDENTIALS_PAGE (self));

  self->use_refresh_token = !!use_refresh_token;
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_token_row), self->use_refresh_token);
  tts_page_set_primary_label (TTS_PAGE (self),
                              self->use_refresh_token ? _("_Check and Save") : _("_Sign In"));
  update_complete (self);
}

gboolean
tts_credentials_page_get_use_refresh_token (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), FALSE);

  return self->use_refresh_token;
}

GFile *
tts_credentials_page_get_folder (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), NULL);

  return self->folder;
}

void
tts_credentials_page_set_folder (TtsCredentialsPage *self,
                                 GFile              *folder)
{
  g_autofree char *display = NULL;

  g_return_if_fail (TTS_IS_CREDENTIALS_PAGE (self));

  if (!g_set_object (&self->folder, folder))
    return;

  if (folder != NULL)
    display = g_file_get_parse_name (folder);
  adw_action_row_set_subtitle (self->folder_row,
                               display != NULL ? display : _("No folder chosen"));

  check_existing_secrets (self);
  update_complete (self);
}

const char *
tts_credentials_page_get_client_id (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->client_id_row));
}

const char *
tts_credentials_page_get_client_secret (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->client_secret_row));
}

const char *
tts_credentials_page_get_refresh_token (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->refresh_token_row));
}

void
tts_credentials_page_clear_secrets (TtsCredentialsPage *self)
{
  g_return_if_fail (TTS_IS_CREDENTIALS_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->client_secret_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->refresh_token_row), "");
}

TtsKeySet
tts_credentials_page_get_key_set (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), TTS_KEY_SET_FETCHER);

  for (TtsKeySet set = 0; set < TTS_KEY_SET_N_SETS; set++)
    if (gtk_check_button_get_active (self->key_set_checks[set]))
      return set;

  return TTS_KEY_SET_FETCHER;
}

void
tts_credentials_page_set_key_set (TtsCredentialsPage *self,
                                  TtsKeySet           key_set)
{
  g_return_if_fail (TTS_IS_CREDENTIALS_PAGE (self));
  g_return_if_fail (key_set < TTS_KEY_SET_N_SETS);

  gtk_check_button_set_active (self->key_set_checks[key_set], TRUE);
}

const char *
tts_credentials_page_get_file_name (TtsCredentialsPage *self)
{
  g_return_val_if_fail (TTS_IS_CREDENTIALS_PAGE (self), NULL);

  return self->file_name;
}

void
tts_credentials_page_set_file_name (TtsCredentialsPage *self,
                                    const char         *file_name)
{
  gboolean other = file_name != NULL && file_name[0] != '\0' &&
                   g_strcmp0 (file_name, TTS_SECRETS_FILE_NAME) != 0;

  g_return_if_fail (TTS_IS_CREDENTIALS_PAGE (self));

  if (other)
    gtk_editable_set_text (GTK_EDITABLE (self->file_name_row), file_name);
  gtk_switch_set_active (self->file_name_switch, other);
  file_name_changed_cb (self);
}

void
tts_credentials_page_set_signin_unavailable (TtsCredentialsPage *self,
                                             const GError       *error)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TTS_IS_CREDENTIALS_PAGE (self));
  g_return_if_fail (error != NULL);

  /* Translators: %s says why, e.g. “The part of Tastytrade API Setup that shows tastytrade’s
   * sign-in page is missing or damaged.” */
  text = g_strdup_printf (_("%s Sign In opens tastytrade’s page in your web browser instead, and "
                            "this window goes on once you have signed in there."),
                          error->message);
  adw_action_row_set_subtitle (self->unavailable_row, text);
  gtk_widget_set_visible (GTK_WIDGET (self->unavailable_group), TRUE);
}

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
  /* Launches of the user's browser and file manager; cancelled in dispose. */
  GCancellable *launches;
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
tts_page_dispose (GObject *object)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (TTS_PAGE (object));

  g_cancellable_cancel (priv->launches);

  G_OBJECT_CLASS (tts_page_parent_class)->dispose (object);
}

static void
tts_page_finalize (GObject *object)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (TTS_PAGE (object));

  g_clear_object (&priv->launches);
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

  object_class->dispose = tts_page_dispose;
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
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  priv->launches = g_cancellable_new ();
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

/* The ways out: the user's browser and file manager
 *
 * GtkUriLauncher and GtkFileLauncher, GTK 4.10 (through the OpenURI portal where there is
 * one); gtk_show_uri_full() before. Drop the other branch when the floor reaches 4.10. */

typedef struct
{
  TtsPage *page;
  char    *failure;
} Launch;

static Launch *
launch_new (TtsPage    *page,
            const char *failure)
{
  Launch *launch = g_new0 (Launch, 1);

  launch->page = g_object_ref (page);
  launch->failure = g_strdup (failure);

  return launch;
}

/* Says the failure, unless the page is gone or the user closed an application chooser. */
static void
launch_done (Launch       *launch,
             gboolean      launched,
             const GError *error)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (launch->page);
  gboolean dismissed = FALSE;

#if GTK_CHECK_VERSION (4, 10, 0)
  dismissed = g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED);
#endif

  if (!launched && !dismissed && !g_cancellable_is_cancelled (priv->launches))
    {
      g_debug ("Could not launch an application: %s", error->message);
      gtk_widget_activate_action (GTK_WIDGET (launch->page), "win.show-toast", "s", launch->failure);
    }

  g_object_unref (launch->page);
  g_free (launch->failure);
  g_free (launch);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
uri_launched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean launched = gtk_uri_launcher_launch_finish (GTK_URI_LAUNCHER (source), result, &error);

  launch_done (user_data, launched, error);
}

static void
file_shown_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean launched = gtk_file_launcher_open_containing_folder_finish (GTK_FILE_LAUNCHER (source),
                                                                       result, &error);

  launch_done (user_data, launched, error);
}
#else
static void
uri_shown_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean launched = gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error);

  launch_done (user_data, launched, error);
}
#endif

static GtkWindow *
get_window (TtsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

void
tts_page_launch_uri (TtsPage    *self,
                     const char *uri,
                     const char *failure)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));
  g_return_if_fail (uri != NULL);
  g_return_if_fail (failure != NULL);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkUriLauncher) launcher = gtk_uri_launcher_new (uri);

    gtk_uri_launcher_launch (launcher, get_window (self), priv->launches,
                             uri_launched_cb, launch_new (self, failure));
  }
#else
  gtk_show_uri_full (get_window (self), uri, GDK_CURRENT_TIME, priv->launches,
                     uri_shown_cb, launch_new (self, failure));
#endif
}

void
tts_page_show_file (TtsPage    *self,
                    GFile      *file,
                    const char *failure)
{
  TtsPagePrivate *priv = tts_page_get_instance_private (self);

  g_return_if_fail (TTS_IS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (failure != NULL);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (file);

    gtk_file_launcher_open_containing_folder (launcher, get_window (self), priv->launches,
                                              file_shown_cb, launch_new (self, failure));
  }
#else
  {
    /* Its folder only: nothing in GTK 4.8 selects a file in the file manager. */
    g_autoptr(GFile) folder = g_file_get_parent (file);
    g_autofree char *uri = g_file_get_uri (folder != NULL ? folder : file);

    gtk_show_uri_full (get_window (self), uri, GDK_CURRENT_TIME, priv->launches,
                       uri_shown_cb, launch_new (self, failure));
  }
#endif
}

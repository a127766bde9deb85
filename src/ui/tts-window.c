/* tts-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tts-check-dialog.h"
#include "tts-error.h"
#include "tts-reflow-bin.h"
#include "tts-secrets-file.h"
#include "tts-signin-loader.h"
#include "tts-timing.h"
#include "tts-token-client.h"
#include "tts-window-private.h"

/* The token is usually fetched, checked and saved sooner than this: the progress page then
 * never shows, rather than flash. On a desktop without a GPU, its frames would also hold up
 * that work, which shares this thread with the drawing. */
#define PROGRESS_DELAY_MS 300

/* The wizard, declared once: its pages in order (which the slide follows), the step each
 * shows, what its primary action does, and what Back does. While the flow works, Back is
 * Cancel on every page. Adding a page: a line here, its making in ensure_pages(), and its
 * state in page_for_state() if the flow leads to it. */
typedef enum
{
  PAGE_WELCOME,
  PAGE_START,
  PAGE_CREDENTIALS,
  PAGE_SIGNIN,
  PAGE_PROGRESS,
  PAGE_DONE,
  N_PAGES
} PageId;

typedef enum
{
  PRIMARY_NONE,
  PRIMARY_NEXT,           /* to the next page */
  PRIMARY_CHOOSE_SERVICE, /* the service chosen on the start page, then the next page */
  PRIMARY_BEGIN,          /* starts the flow with the page's values */
  PRIMARY_TRY_AGAIN,      /* a fresh attempt with the same values */
  PRIMARY_CLOSE,
} PrimaryAction;

typedef enum
{
  BACK_NONE,
  BACK_PREVIOUS,          /* to the page before */
  BACK_CANCEL,            /* ends the attempt: the flow goes back to idle */
} BackAction;

#define STEPS 4

static const struct
{
  guint         step;     /* "Step N of STEPS" in the header; 0: none */
  PrimaryAction primary;
  BackAction    back;
} page_info[N_PAGES] = {
  [PAGE_WELCOME]     = { 0, PRIMARY_NEXT, BACK_NONE },
  [PAGE_START]       = { 1, PRIMARY_CHOOSE_SERVICE, BACK_PREVIOUS },
  [PAGE_CREDENTIALS] = { 2, PRIMARY_BEGIN, BACK_PREVIOUS },
  /* Signing in and its progress are one step. */
  [PAGE_SIGNIN]      = { 3, PRIMARY_NONE, BACK_CANCEL },
  [PAGE_PROGRESS]    = { 3, PRIMARY_TRY_AGAIN, BACK_CANCEL },
  [PAGE_DONE]        = { 4, PRIMARY_CLOSE, BACK_NONE },
};

#define START_PAGE(self)       TTS_START_PAGE ((self)->pages[PAGE_START])
#define CREDENTIALS_PAGE(self) TTS_CREDENTIALS_PAGE ((self)->pages[PAGE_CREDENTIALS])
#define PROGRESS_PAGE(self)    TTS_PROGRESS_PAGE ((self)->pages[PAGE_PROGRESS])
#define DONE_PAGE(self)        TTS_DONE_PAGE ((self)->pages[PAGE_DONE])

struct _TtsWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkButton            *back_button;
  GtkButton            *primary_button;
  GtkStack             *stack;
  TtsWelcomePage       *welcome_page;
  /* The stack's: only the welcome page is made before the first frame (ensure_pages()),
   * and the sign-in page once its module has loaded. */
  TtsPage              *pages[N_PAGES];
  GError               *signin_error;
  GCancellable         *cancellable;
  /* The open "Check It" dialog, for the tests. */
  TtsCheckDialog       *check_dialog;

  guint                 progress_delay_id;
  guint                 pages_idle_id;

  GSettings            *settings;
  TtsFlow              *flow;
  PageId                current;   /* N_PAGES before the first */
  /* Where the user went by Next and Back; the flow's state decides the rest. */
  PageId                user_page;
  GSignalGroup         *page_signals;

  gboolean              sandbox;
  char                 *auth_uri;
  char                 *api_uri;
  char                 *redirect_uri;
  GFile                *initial_folder;
  gboolean              close_pending;
};

G_DEFINE_FINAL_TYPE (TtsWindow, tts_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SANDBOX,
  PROP_AUTH_URI,
  PROP_API_URI,
  PROP_REDIRECT_URI,
  PROP_FOLDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
flow_is_busy (TtsWindow *self)
{
  switch (tts_flow_get_state (self->flow))
    {
    case TTS_FLOW_STATE_AUTHORIZING:
    case TTS_FLOW_STATE_EXCHANGING:
    case TTS_FLOW_STATE_VERIFYING:
    case TTS_FLOW_STATE_SAVING:
      return TRUE;

    case TTS_FLOW_STATE_IDLE:
    case TTS_FLOW_STATE_DONE:
    case TTS_FLOW_STATE_FAILED:
    default:
      return FALSE;
    }
}

/* The header follows the page: its title, its primary action, and Back or Cancel. */
static void
update_header (TtsWindow *self)
{
  TtsPage *page = self->pages[self->current];
  const char *primary_label = tts_page_get_primary_label (page);
  gboolean busy = flow_is_busy (self);
  g_autofree char *step = NULL;

  adw_window_title_set_title (self->window_title, tts_page_get_title (page));
  if (page_info[self->current].step > 0)
    /* Translators: the wizard's progress, e.g. “Step 2 of 4” */
    step = g_strdup_printf (_("Step %u of %u"), page_info[self->current].step, STEPS);
  adw_window_title_set_subtitle (self->window_title, step);

  gtk_widget_set_visible (GTK_WIDGET (self->primary_button), primary_label != NULL);
  if (tts_page_get_summary (page) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->primary_button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tts_page_get_summary (page),
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->primary_button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  if (primary_label != NULL)
    {
      gtk_button_set_label (self->primary_button, primary_label);
      /* Hiding the default widget unsets it: make Return work again once it is back. */
      gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->primary_button));
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.primary",
                                 primary_label != NULL && tts_page_get_complete (page) &&
                                 !busy);

  gtk_widget_set_visible (GTK_WIDGET (self->back_button), page_info[self->current].back != BACK_NONE);
  gtk_button_set_label (self->back_button, busy ? _("_Cancel") : _("_Back"));
}

/* Keyboard users land where the page expects input, else on the primary action. */
static void
focus_page (TtsWindow *self)
{
  GtkWidget *target = tts_page_get_initial_focus (self->pages[self->current]);

  if (target == NULL || !gtk_widget_is_sensitive (target) || !gtk_widget_get_visible (target))
    target = GTK_WIDGET (self->primary_button);

  if (!gtk_widget_grab_focus (target))
    gtk_widget_child_focus (GTK_WIDGET (self->pages[self->current]), GTK_DIR_TAB_FORWARD);
}

static void
show_page (TtsWindow *self,
           PageId     id)
{
  GtkStackTransitionType transition = GTK_STACK_TRANSITION_TYPE_NONE;
  TtsPage *page = self->pages[id];
  gboolean first = self->current == N_PAGES;

  g_assert (page != NULL);

  /* Progress follows the flow within moments: on a software-rendered desktop the frames of
   * a slide would hold up the exchange and the verification on this thread. */
  if (!first && id != PAGE_PROGRESS)
    transition = id >= self->current ? GTK_STACK_TRANSITION_TYPE_SLIDE_LEFT :
                                       GTK_STACK_TRANSITION_TYPE_SLIDE_RIGHT;

  if (first || id != self->current)
    tts_timing_mark ("%s shown", G_OBJECT_TYPE_NAME (page));
  gtk_stack_set_transition_type (self->stack, transition);
  self->current = id;
  g_signal_group_set_target (self->page_signals, page);
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
  /* GTK 4.8 keeps the other pages in the accessible tree: screen readers must not read them. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->stack));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_accessible_update_state (GTK_ACCESSIBLE (child),
                                 GTK_ACCESSIBLE_STATE_HIDDEN, child != GTK_WIDGET (page),
                                 -1);
  update_header (self);
  focus_page (self);
}

static TtsEnvironment *
create_environment (TtsWindow           *self,
                    TtsEnvironmentKind   kind,
                    GError             **error)
{
  return tts_environment_new (kind, self->auth_uri, self->api_uri, self->redirect_uri, error);
}

/* libadwaita 1.2 gives a toast's close button no accessible name (a screen reader says
 * "button"); 1.7 gives it the tooltip "Dismiss", which GTK 4.14 and later read as its name.
 * Toasts are the overlay's children besides the content. Drop this with a 1.7 floor. */
#if !ADW_CHECK_VERSION (1, 7, 0)
static void
name_icon_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Dismiss"),
                                        -1);
      else
        name_icon_buttons (child);
    }
}

static void
name_toast_buttons (TtsWindow *self)
{
  GtkWidget *content;

  /* Toasts are dismissed when the window goes, too. */
  if (self->toast_overlay == NULL)
    return;

  content = adw_toast_overlay_get_child (self->toast_overlay);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->toast_overlay));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (child != content)
      name_icon_buttons (child);
}
#endif

static void
show_toast (TtsWindow  *self,
            const char *text)
{
  AdwToast *toast;

  /* A toast may name a file or repeat an error: text, never markup. AdwToast:use-markup is
   * new in libadwaita 1.4; before, its title is always markup, so it is escaped. */
#if ADW_CHECK_VERSION (1, 4, 0)
  toast = adw_toast_new (text);
  adw_toast_set_use_markup (toast, FALSE);
#else
  {
    g_autofree char *escaped = g_markup_escape_text (text, -1);

    toast = adw_toast_new (escaped);
  }
#endif

#if !ADW_CHECK_VERSION (1, 7, 0)
  /* A queued toast gets its widget when the one before is dismissed. */
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (name_toast_buttons), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
#endif
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
#if !ADW_CHECK_VERSION (1, 7, 0)
  name_toast_buttons (self);
#endif
}

static void
add_page (TtsWindow *self,
          PageId     id,
          gpointer   page)
{
  self->pages[id] = page;
  gtk_stack_add_child (self->stack, GTK_WIDGET (page));
  gtk_accessible_update_state (GTK_ACCESSIBLE (page),
                               GTK_ACCESSIBLE_STATE_HIDDEN, TRUE,
                               -1);
}

/* Only the welcome page is made before the first frame: the others took about 15 ms of it.
 * They are made just after it, while the user reads, or at once when something needs them. */
static void
ensure_pages (TtsWindow *self)
{
  TtsEnvironment *environment = tts_flow_get_environment (self->flow);
  g_autofree char *custom_service = NULL;

  g_clear_handle_id (&self->pages_idle_id, g_source_remove);
  if (self->pages[PAGE_START] != NULL)
    return;

  add_page (self, PAGE_START, g_object_new (TTS_TYPE_START_PAGE, NULL));
  add_page (self, PAGE_CREDENTIALS, g_object_new (TTS_TYPE_CREDENTIALS_PAGE, NULL));
  add_page (self, PAGE_PROGRESS, g_object_new (TTS_TYPE_PROGRESS_PAGE, NULL));
  add_page (self, PAGE_DONE, g_object_new (TTS_TYPE_DONE_PAGE, NULL));
  if (self->signin_error != NULL)
    tts_credentials_page_set_signin_unavailable (CREDENTIALS_PAGE (self), self->signin_error);

  if (tts_environment_is_custom (environment))
    custom_service = g_strdup_printf ("%s · %s", tts_environment_get_auth_uri (environment),
                                      tts_environment_get_api_uri (environment));
  tts_start_page_set_service (START_PAGE (self),
                              tts_environment_get_redirect_uri (environment),
                              tts_environment_get_manage_uri (environment),
                              custom_service);
  tts_start_page_set_environment_kind (START_PAGE (self), tts_environment_get_kind (environment));

  if (self->initial_folder != NULL)
    {
      tts_credentials_page_set_folder (CREDENTIALS_PAGE (self), self->initial_folder);
    }
  else if (self->settings != NULL)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-folder");

      if (last[0] != '\0')
        {
          g_autoptr(GFile) folder = g_file_new_for_path (last);

          tts_credentials_page_set_folder (CREDENTIALS_PAGE (self), folder);
        }
    }

  if (self->settings != NULL)
    {
      g_autofree char *file_name = g_settings_get_string (self->settings, "file-name");
      int key_set = g_settings_get_enum (self->settings, "key-set");

      if (key_set >= 0 && key_set < TTS_KEY_SET_N_SETS)
        tts_credentials_page_set_key_set (CREDENTIALS_PAGE (self), key_set);
      /* A name edited by hand into something unusable is forgotten, not refused. */
      if (tts_secrets_file_name_is_valid (file_name, NULL))
        tts_credentials_page_set_file_name (CREDENTIALS_PAGE (self), file_name);
    }
}

static gboolean
pages_idle_cb (gpointer user_data)
{
  TtsWindow *self = user_data;

  self->pages_idle_id = 0;
  ensure_pages (self);

  return G_SOURCE_REMOVE;
}

static void
remember_file_format (TtsWindow *self)
{
  const char *file_name = tts_credentials_page_get_file_name (CREDENTIALS_PAGE (self));

  if (self->settings == NULL)
    return;

  g_settings_set_enum (self->settings, "key-set", tts_credentials_page_get_key_set (CREDENTIALS_PAGE (self)));
  g_settings_set_string (self->settings, "file-name",
                         g_strcmp0 (file_name, TTS_SECRETS_FILE_NAME) == 0 ? "" : file_name);
}

/* Without the sign-in view (its module did not load), the sign-in happens in the user's
 * browser and the listener brings the answer back; the progress page waits with them. No
 * listener, no way back: the attempt ends with its reason (the port, and who holds it). */
static void
sign_in_with_browser (TtsWindow *self)
{
  const GError *listener_error = tts_flow_get_listener_error (self->flow);

  if (listener_error != NULL)
    {
      tts_flow_fail (self->flow, listener_error);
      return;
    }

  tts_page_launch_uri (self->pages[PAGE_PROGRESS], tts_flow_get_authorize_uri (self->flow),
                       _("Could not open your web browser."));
}

static void
begin_flow (TtsWindow *self)
{
  TtsCredentialsPage *page = CREDENTIALS_PAGE (self);
  g_autoptr(GError) error = NULL;
  gboolean started;

  /* The page is only complete with a usable file name. */
  tts_flow_set_file_format (self->flow,
                            tts_credentials_page_get_key_set (page),
                            tts_credentials_page_get_file_name (page));
  remember_file_format (self);

  if (tts_credentials_page_get_use_refresh_token (page))
    started = tts_flow_begin_with_refresh_token (self->flow,
                                                 tts_credentials_page_get_client_id (page),
                                                 tts_credentials_page_get_client_secret (page),
                                                 tts_credentials_page_get_refresh_token (page),
                                                 tts_credentials_page_get_folder (page),
                                                 &error);
  else
    started = tts_flow_begin_authorization (self->flow,
                                            tts_credentials_page_get_client_id (page),
                                            tts_credentials_page_get_client_secret (page),
                                            tts_credentials_page_get_folder (page),
                                            &error);

  if (!started)
    show_toast (self, error->message);
  else if (tts_flow_get_state (self->flow) == TTS_FLOW_STATE_AUTHORIZING && self->signin_error != NULL)
    sign_in_with_browser (self);
}

/* The user's own step: Next and Back among the pages before the flow starts. */
static void
go_to (TtsWindow *self,
       PageId     id)
{
  self->user_page = id;
  show_page (self, id);
}

/* The service the start page chose: the flow's from now on. */
static gboolean
choose_service (TtsWindow *self)
{
  TtsEnvironmentKind kind = tts_start_page_get_environment_kind (START_PAGE (self));
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(GError) error = NULL;

  environment = create_environment (self, kind, &error);
  if (environment == NULL)
    {
      show_toast (self, error->message);
      return FALSE;
    }

  tts_flow_set_environment (self->flow, environment);
  if (self->settings != NULL)
    g_settings_set_enum (self->settings, "environment", kind);
  tts_credentials_page_set_use_refresh_token (CREDENTIALS_PAGE (self),
                                              tts_start_page_get_use_refresh_token (START_PAGE (self)));
  return TRUE;
}

static void
primary_action_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TtsWindow *self = TTS_WINDOW (widget);

  tts_timing_mark ("primary action on %s", G_OBJECT_TYPE_NAME (self->pages[self->current]));

  switch (page_info[self->current].primary)
    {
    case PRIMARY_NEXT:
      ensure_pages (self);
      go_to (self, self->current + 1);
      break;

    case PRIMARY_CHOOSE_SERVICE:
      if (choose_service (self))
        go_to (self, self->current + 1);
      break;

    case PRIMARY_TRY_AGAIN:
      tts_flow_cancel (self->flow);
      G_GNUC_FALLTHROUGH;
    case PRIMARY_BEGIN:
      /* The flow's state shows the next page. */
      begin_flow (self);
      break;

    case PRIMARY_CLOSE:
      gtk_window_close (GTK_WINDOW (self));
      break;

    case PRIMARY_NONE:
    default:
      break;
    }
}

static void
back_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TtsWindow *self = TTS_WINDOW (widget);

  /* The credentials stay in view while the sign-in page loads: Cancel there too. */
  if (flow_is_busy (self) || page_info[self->current].back == BACK_CANCEL)
    /* Stops the work and frees the port; the fields keep their values. */
    tts_flow_cancel (self->flow);
  else if (page_info[self->current].back == BACK_PREVIOUS)
    go_to (self, self->current - 1);
}

/* "Check It" on the credentials page: the file the folder has now, under the name chosen. */
static void
check_existing_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TtsWindow *self = TTS_WINDOW (widget);
  GFile *folder = tts_credentials_page_get_folder (CREDENTIALS_PAGE (self));
  const char *file_name = tts_credentials_page_get_file_name (CREDENTIALS_PAGE (self));
  TtsEnvironment *environment = tts_flow_get_environment (self->flow);
  TtsCheckDialog *dialog;

  if (folder == NULL || file_name == NULL)
    return;

  dialog = tts_check_dialog_new (GTK_WINDOW (self), folder, file_name,
                                 tts_environment_is_custom (environment) ?
                                 tts_environment_get_api_uri (environment) : NULL);
  g_set_weak_pointer (&self->check_dialog, dialog);
  tts_check_dialog_present (dialog);
}

static void
show_toast_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  show_toast (TTS_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
remember_folder (TtsWindow *self)
{
  GFile *folder = tts_credentials_page_get_folder (CREDENTIALS_PAGE (self));
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  if (self->settings != NULL && path != NULL)
    g_settings_set_string (self->settings, "last-folder", path);
}

/* The page for the flow's state: it decides while it runs and when it has ended; before
 * that (idle), the user's own step does. */
static PageId
page_for_state (TtsWindow *self)
{
  switch (tts_flow_get_state (self->flow))
    {
    case TTS_FLOW_STATE_AUTHORIZING:
      /* The page follows the flow and loads the authorization page itself. Until its module
       * has loaded (a moment after the window showed) the credentials stay in view. */
      if (self->pages[PAGE_SIGNIN] != NULL)
        return PAGE_SIGNIN;
      /* No view to show: the progress page waits for the user's browser. */
      return self->signin_error != NULL ? PAGE_PROGRESS : PAGE_CREDENTIALS;

    case TTS_FLOW_STATE_EXCHANGING:
    case TTS_FLOW_STATE_VERIFYING:
    case TTS_FLOW_STATE_SAVING:
    case TTS_FLOW_STATE_FAILED:
      return PAGE_PROGRESS;

    case TTS_FLOW_STATE_DONE:
      return PAGE_DONE;

    case TTS_FLOW_STATE_IDLE:
    default:
      return self->user_page;
    }
}

static gboolean
progress_delay_cb (gpointer user_data)
{
  TtsWindow *self = user_data;

  self->progress_delay_id = 0;
  show_page (self, PAGE_PROGRESS);

  return G_SOURCE_REMOVE;
}

/* Shows page_for_state(). Work in progress shows only after a moment (see
 * PROGRESS_DELAY_MS), unless its page is in view already. */
static void
follow_flow (TtsWindow *self)
{
  PageId target = page_for_state (self);

  if (target == PAGE_PROGRESS && self->current != PAGE_PROGRESS && flow_is_busy (self) &&
      tts_flow_get_state (self->flow) != TTS_FLOW_STATE_AUTHORIZING)
    {
      if (self->progress_delay_id == 0)
        {
          self->progress_delay_id = g_timeout_add (PROGRESS_DELAY_MS, progress_delay_cb, self);
          g_source_set_name_by_id (self->progress_delay_id, "[tastytrade-setup] progress delay");
        }
      return;
    }

  g_clear_handle_id (&self->progress_delay_id, g_source_remove);
  show_page (self, target);
}

static void
flow_state_changed_cb (TtsWindow *self)
{
  TtsFlowState state = tts_flow_get_state (self->flow);

  tts_progress_page_show (PROGRESS_PAGE (self), state,
                          state == TTS_FLOW_STATE_FAILED ? tts_flow_get_error (self->flow) : NULL);
  if (state == TTS_FLOW_STATE_AUTHORIZING && page_for_state (self) == PAGE_PROGRESS)
    tts_progress_page_show_browser_wait (PROGRESS_PAGE (self), tts_flow_get_authorize_uri (self->flow));
  if (state == TTS_FLOW_STATE_DONE)
    {
      remember_folder (self);
      tts_done_page_show_result (DONE_PAGE (self), self->flow);
      tts_credentials_page_clear_secrets (CREDENTIALS_PAGE (self));
    }

  follow_flow (self);
  update_header (self);

  if (self->close_pending && state != TTS_FLOW_STATE_SAVING)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_window_size (TtsWindow *self)
{
  int width = 0;
  int height = 0;

  if (self->settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static void
restore_window_size (TtsWindow *self)
{
  if (self->settings == NULL)
    return;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
tts_window_close_request (GtkWindow *window)
{
  TtsWindow *self = TTS_WINDOW (window);

  save_window_size (self);

  /* The final rename takes a moment; closing in the middle could leave a temporary file. */
  if (tts_flow_get_state (self->flow) == TTS_FLOW_STATE_SAVING)
    {
      self->close_pending = TRUE;
      return TRUE;
    }

  tts_flow_cancel (self->flow);
  if (self->pages[PAGE_DONE] != NULL)
    tts_done_page_clear (DONE_PAGE (self));

  return GTK_WINDOW_CLASS (tts_window_parent_class)->close_request (window);
}

static void
tts_window_constructed (GObject *object)
{
  TtsWindow *self = (TtsWindow *) object;
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(GError) error = NULL;
  TtsEnvironmentKind kind = TTS_ENVIRONMENT_PRODUCTION;

  G_OBJECT_CLASS (tts_window_parent_class)->constructed (object);

  /* --sandbox wins; otherwise the service used last time. */
  if (self->sandbox)
    kind = TTS_ENVIRONMENT_SANDBOX;
  else if (self->settings != NULL)
    kind = g_settings_get_enum (self->settings, "environment");

  /* The application validated the overrides already. */
  environment = create_environment (self, kind, &error);
  g_assert_no_error (error);

  self->flow = tts_flow_new (environment, tts_user_agent ());
  g_signal_connect_object (self->flow, "notify::state",
                           G_CALLBACK (flow_state_changed_cb), self, G_CONNECT_SWAPPED);

  go_to (self, PAGE_WELCOME);
}

static void
tts_window_dispose (GObject *object)
{
  TtsWindow *self = (TtsWindow *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->progress_delay_id, g_source_remove);
  g_clear_handle_id (&self->pages_idle_id, g_source_remove);
  if (self->flow != NULL)
    tts_flow_cancel (self->flow);
  g_clear_object (&self->page_signals);

  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_WINDOW);
  /* They were the stack's. */
  memset (self->pages, 0, sizeof self->pages);

  g_clear_object (&self->flow);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->signin_error);
  g_clear_weak_pointer (&self->check_dialog);

  G_OBJECT_CLASS (tts_window_parent_class)->dispose (object);
}

static void
tts_window_finalize (GObject *object)
{
  TtsWindow *self = (TtsWindow *) object;

  g_clear_pointer (&self->auth_uri, g_free);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->redirect_uri, g_free);
  g_clear_object (&self->initial_folder);

  G_OBJECT_CLASS (tts_window_parent_class)->finalize (object);
}

static void
tts_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TtsWindow *self = TTS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SANDBOX:
      self->sandbox = g_value_get_boolean (value);
      break;

    case PROP_AUTH_URI:
      self->auth_uri = g_value_dup_string (value);
      break;

    case PROP_API_URI:
      self->api_uri = g_value_dup_string (value);
      break;

    case PROP_REDIRECT_URI:
      self->redirect_uri = g_value_dup_string (value);
      break;

    case PROP_FOLDER:
      self->initial_folder = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_window_class_init (TtsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = tts_window_constructed;
  object_class->dispose = tts_window_dispose;
  object_class->finalize = tts_window_finalize;
  object_class->set_property = tts_window_set_property;
  window_class->close_request = tts_window_close_request;

  properties[PROP_SANDBOX] =
    g_param_spec_boolean ("sandbox", NULL, NULL, FALSE,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH_URI] =
    g_param_spec_string ("auth-uri", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_URI] =
    g_param_spec_string ("api-uri", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REDIRECT_URI] =
    g_param_spec_string ("redirect-uri", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDER] =
    g_param_spec_object ("folder", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TTS_TYPE_REFLOW_BIN);
  g_type_ensure (TTS_TYPE_WELCOME_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TtsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TtsWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, TtsWindow, primary_button);
  gtk_widget_class_bind_template_child (widget_class, TtsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TtsWindow, welcome_page);

  gtk_widget_class_install_action (widget_class, "win.primary", NULL, primary_action_cb);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action_cb);
  gtk_widget_class_install_action (widget_class, "win.check-existing", NULL, check_existing_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.back", NULL);
}

static GSettings *
create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Running from the build tree without the compiled schema must not abort. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_debug ("Settings schema %s not found; nothing will be remembered", APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}

static void
signin_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TtsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  GType type;

  type = tts_signin_loader_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (type == G_TYPE_INVALID)
    {
      self->signin_error = g_steal_pointer (&error);
      g_debug ("No sign-in view: %s", self->signin_error->message);
      if (self->pages[PAGE_CREDENTIALS] != NULL)
        tts_credentials_page_set_signin_unavailable (CREDENTIALS_PAGE (self), self->signin_error);
      /* Someone was quicker than the module: their sign-in goes to the browser. */
      if (tts_flow_get_state (self->flow) == TTS_FLOW_STATE_AUTHORIZING)
        {
          sign_in_with_browser (self);
          flow_state_changed_cb (self);
        }
      return;
    }

  add_page (self, PAGE_SIGNIN, g_object_new (type, "flow", self->flow, NULL));
  if (tts_flow_get_state (self->flow) == TTS_FLOW_STATE_AUTHORIZING)
    follow_flow (self);
}

/* The benchmark (build-aux/bench.py) times the start by this mark (tts-timing.h). */
static void
first_frame_cb (GdkFrameClock *frame_clock,
                TtsWindow     *self)
{
  tts_timing_mark ("first-frame");
  g_signal_handlers_disconnect_by_func (frame_clock, first_frame_cb, self);

  /* Only now: loading WebKit must not delay the window, and it is done long before anyone
   * has read the first page and typed their client ID. */
  tts_signin_loader_load_async (self->cancellable, signin_loaded_cb, g_object_ref (self));

  if (self->pages[PAGE_START] == NULL && self->pages_idle_id == 0)
    {
      self->pages_idle_id = g_idle_add (pages_idle_cb, self);
      g_source_set_name_by_id (self->pages_idle_id, "[tastytrade-setup] make the pages");
    }
}

static void
realize_cb (TtsWindow *self)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                           G_CALLBACK (first_frame_cb), self, 0);
}

static void
tts_window_init (TtsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pages[PAGE_WELCOME] = TTS_PAGE (self->welcome_page);
  self->current = N_PAGES;
  self->cancellable = g_cancellable_new ();

  self->settings = create_settings ();
  restore_window_size (self);

  self->page_signals = g_signal_group_new (TTS_TYPE_PAGE);
  g_signal_group_connect_swapped (self->page_signals, "notify::title", G_CALLBACK (update_header), self);
  g_signal_group_connect_swapped (self->page_signals, "notify::complete", G_CALLBACK (update_header), self);
  g_signal_group_connect_swapped (self->page_signals, "notify::primary-label", G_CALLBACK (update_header), self);
  g_signal_group_connect_swapped (self->page_signals, "notify::summary", G_CALLBACK (update_header), self);

  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->primary_button));
  g_signal_connect (self, "realize", G_CALLBACK (realize_cb), NULL);
}

TtsWindow *
tts_window_new (GtkApplication     *application,
                gboolean            sandbox,
                const char         *auth_uri,
                const char         *api_uri,
                const char         *redirect_uri,
                GFile              *folder)
{
  return g_object_new (TTS_TYPE_WINDOW,
                       "application", application,
                       "sandbox", sandbox,
                       "auth-uri", auth_uri,
                       "api-uri", api_uri,
                       "redirect-uri", redirect_uri,
                       "folder", folder,
                       NULL);
}

TtsFlow *
tts_window_get_flow (TtsWindow *self)
{
  return self->flow;
}

TtsCheckDialog *
tts_window_get_check_dialog (TtsWindow *self)
{
  return self->check_dialog;
}


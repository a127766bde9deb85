/* tts-progress-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-error.h"
#include "tts-progress-page.h"

/* Work that ends sooner needs no spinner: it would only flash. On a desktop without a GPU
 * its frames would also slow that work down, as they are drawn on the same thread. */
#define SPINNER_DELAY_MS 400

struct _TtsProgressPage
{
  TtsPage        parent_instance;

  AdwStatusPage *status_page;
  GtkSpinner    *spinner;
  GtkLabel      *remedy_label;

  guint          spinner_delay_id;
};

G_DEFINE_FINAL_TYPE (TtsProgressPage, tts_progress_page, TTS_TYPE_PAGE)

static gboolean
spinner_delay_cb (gpointer user_data)
{
  TtsProgressPage *self = user_data;

  self->spinner_delay_id = 0;
  gtk_widget_set_opacity (GTK_WIDGET (self->spinner), 1.0);
  gtk_spinner_set_spinning (self->spinner, TRUE);

  return G_SOURCE_REMOVE;
}

static void
set_busy (TtsProgressPage *self,
          gboolean         busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  if (!busy)
    {
      g_clear_handle_id (&self->spinner_delay_id, g_source_remove);
      gtk_spinner_set_spinning (self->spinner, FALSE);
      return;
    }

  if (self->spinner_delay_id != 0 || gtk_spinner_get_spinning (self->spinner))
    return;

  /* Its place is kept, so nothing moves when it appears. */
  gtk_widget_set_opacity (GTK_WIDGET (self->spinner), 0.0);
  self->spinner_delay_id = g_timeout_add (SPINNER_DELAY_MS, spinner_delay_cb, self);
  g_source_set_name_by_id (self->spinner_delay_id, "[tastytrade-setup] spinner delay");
}

static void
tts_progress_page_dispose (GObject *object)
{
  TtsProgressPage *self = TTS_PROGRESS_PAGE (object);

  g_clear_handle_id (&self->spinner_delay_id, g_source_remove);
  /* The bound status page is also the bin's child: release it from the bin first. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_PROGRESS_PAGE);

  G_OBJECT_CLASS (tts_progress_page_parent_class)->dispose (object);
}

static void
tts_progress_page_class_init (TtsProgressPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_progress_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-progress-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsProgressPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, TtsProgressPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, TtsProgressPage, remedy_label);
}

static void
tts_progress_page_init (TtsProgressPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void present (TtsProgressPage *self,
                     const char      *title,
                     const char      *description,
                     const char      *note,
                     const GError    *error);

void
tts_progress_page_show (TtsProgressPage *self,
                        TtsFlowState     state,
                        const GError    *error)
{
  const char *title;
  const char *description;

  g_return_if_fail (TTS_IS_PROGRESS_PAGE (self));

  switch (state)
    {
    case TTS_FLOW_STATE_EXCHANGING:
      title = _("Getting Your Token…");
      description = _("tastytrade confirmed the sign-in. Collecting the refresh token.");
      break;

    case TTS_FLOW_STATE_VERIFYING:
      title = _("Checking the Token…");
      description = _("Making sure the token works before anything is saved.");
      break;

    case TTS_FLOW_STATE_SAVING:
      title = _("Saving…");
      description = _("Writing the .secrets file.");
      break;

    case TTS_FLOW_STATE_FAILED:
      title = tts_error_get_title (error);
      description = error != NULL ? error->message : NULL;
      break;

    case TTS_FLOW_STATE_IDLE:
    case TTS_FLOW_STATE_AUTHORIZING:
    case TTS_FLOW_STATE_DONE:
    default:
      /* Over: nothing spins on the hidden page, nor next time before its delay. */
      set_busy (self, FALSE);
      return;
    }

  present (self, title, description,
           state == TTS_FLOW_STATE_FAILED ? tts_error_get_remedy (error) : NULL,
           state == TTS_FLOW_STATE_FAILED ? error : NULL);
}

void
tts_progress_page_show_browser_wait (TtsProgressPage *self,
                                     const char      *authorize_uri)
{
  g_return_if_fail (TTS_IS_PROGRESS_PAGE (self));
  g_return_if_fail (authorize_uri != NULL);

  /* The address goes under it, where it can be selected and copied. */
  present (self, _("Waiting for Your Web Browser…"),
           _("Sign in on tastytrade’s page in your web browser: this window goes on by itself "
             "once you have. If no browser opened, open the address below in one."),
           authorize_uri, NULL);
}

/* @note: a line under the description (the next step, an address), or NULL; @error: the
 * failure shown, or NULL while work is under way. */
static void
present (TtsProgressPage *self,
         const char      *title,
         const char      *description,
         const char      *note,
         const GError    *error)
{
  g_autofree char *markup = NULL;
  gboolean failed = error != NULL;

  adw_status_page_set_title (self->status_page, title);
  /* The description is markup, and messages may quote tastytrade's own words. */
  markup = description != NULL ? g_markup_escape_text (description, -1) : NULL;
  adw_status_page_set_description (self->status_page, markup);
  adw_status_page_set_icon_name (self->status_page, failed ? "dialog-warning-symbolic" : NULL);
  set_busy (self, !failed);
  gtk_label_set_text (self->remedy_label, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->remedy_label), note != NULL);

  /* Translators: short window titles while the token is fetched, and when that failed */
  tts_page_set_title (TTS_PAGE (self), failed ? _("Not Finished") : _("Working"));
  tts_page_set_primary_label (TTS_PAGE (self), failed ? _("_Try Again") : NULL);
  tts_page_set_complete (TTS_PAGE (self), failed);
  if (failed)
    {
      /* Line breaks: screen readers pause there as between the page's own lines. */
      g_autofree char *summary = g_strjoin ("\n", title, description != NULL ? description : "",
                                            tts_error_get_remedy (error), NULL);

      tts_page_set_summary (TTS_PAGE (self), summary);
    }
  else
    {
      tts_page_set_summary (TTS_PAGE (self), NULL);
    }

  /* Screen readers hear the new state without moving focus. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_page),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->status_page),
                               GTK_ACCESSIBLE_STATE_BUSY, !failed,
                               -1);
}

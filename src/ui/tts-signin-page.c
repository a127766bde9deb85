/* tts-signin-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-error.h"
#include "tts-signin-page-private.h"

struct _TtsSigninPage
{
  TtsPage         parent_instance;

  GtkOverlay     *overlay;
  GtkImage       *security_image;
  GtkLabel       *host_label;
  GtkProgressBar *progress_bar;

  WebKitWebView  *web_view;
  TtsFlow        *flow;
  char           *host;
};

G_DEFINE_FINAL_TYPE (TtsSigninPage, tts_signin_page, TTS_TYPE_PAGE)

static gboolean
decide_policy_cb (TtsSigninPage            *self,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type)
{
  WebKitNavigationAction *action;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    return FALSE;

  action = webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));

  /* Server redirects come through here too, so the redirect URI cannot slip past. */
  if (self->flow != NULL && tts_flow_handle_navigation (self->flow, uri))
    {
      webkit_policy_decision_ignore (decision);
      return TRUE;
    }

  /* Links meant for a new window (help pages and such) belong in the user's browser,
   * never in the window where they type their password. */
  if (type == WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION)
    {
      g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);

      if (parsed != NULL && g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") == 0)
        {
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

          gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
        }
      webkit_policy_decision_ignore (decision);
      return TRUE;
    }

  return FALSE;
}

static void
fail_flow (TtsSigninPage *self,
           TtsErrorCode   code,
           const char    *message)
{
  g_autoptr(GError) error = g_error_new_literal (TTS_ERROR, code, message);

  if (self->flow != NULL)
    tts_flow_fail (self->flow, error);
}

static gboolean
load_failed_cb (TtsSigninPage   *self,
                WebKitLoadEvent  event,
                const char      *uri,
                GError          *error)
{
  g_autofree char *message = NULL;

  /* Our own decide-policy stopped the load of the redirect: that is success. */
  if (g_error_matches (error, WEBKIT_NETWORK_ERROR, WEBKIT_NETWORK_ERROR_CANCELLED) ||
      g_error_matches (error, WEBKIT_POLICY_ERROR, WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE))
    return FALSE;

  g_debug ("Sign-in page failed to load: %s", error->message);
  message = g_strdup_printf (_("The sign-in page could not be loaded: %s."), error->message);
  fail_flow (self, TTS_ERROR_PAGE_LOAD_FAILED, message);

  return TRUE;
}

static gboolean
load_failed_with_tls_errors_cb (TtsSigninPage        *self,
                                const char           *failing_uri,
                                GTlsCertificate      *certificate,
                                GTlsCertificateFlags  errors)
{
  g_autoptr(GUri) parsed = g_uri_parse (failing_uri, G_URI_FLAGS_NONE, NULL);
  g_autofree char *message = NULL;

  /* There is deliberately no way to continue anyway. */
  message = g_strdup_printf (_("The identity of %s could not be verified, so its page was not shown."),
                             parsed != NULL && g_uri_get_host (parsed) != NULL ?
                             g_uri_get_host (parsed) : failing_uri);
  fail_flow (self, TTS_ERROR_TLS, message);

  return TRUE;
}

static void
web_process_terminated_cb (TtsSigninPage                     *self,
                           WebKitWebProcessTerminationReason  reason)
{
  g_debug ("Web process terminated, reason %d", (int) reason);
  fail_flow (self, TTS_ERROR_PAGE_LOAD_FAILED, _("The sign-in page stopped working."));
}

static void
uri_changed_cb (TtsSigninPage *self)
{
  const char *uri = webkit_web_view_get_uri (self->web_view);
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;
  const char *security;
  gboolean secure;
  g_autofree char *markup = NULL;

  /* about:blank between attempts has no host: keep the last one rather than a blank. */
  if (host == NULL || *host == '\0')
    return;

  g_free (self->host);
  self->host = g_strdup (host);
  secure = g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") == 0;

  /* Translators: %s is the host name of the page where the user types their password */
  markup = g_markup_printf_escaped (_("You are signing in at <b>%s</b>"), host);
  gtk_label_set_markup (self->host_label, markup);
  security = secure ? _("Secure connection") : _("Connection is not encrypted");
  gtk_image_set_from_icon_name (self->security_image,
                                secure ? "channel-secure-symbolic" : "channel-insecure-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->security_image), security);
  /* The icon says something: screen readers get it as the image's name, not “GtkImage”. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->security_image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, security,
                                  -1);
}

static void
progress_changed_cb (TtsSigninPage *self)
{
  double progress = webkit_web_view_get_estimated_load_progress (self->web_view);
  gboolean loading = webkit_web_view_is_loading (self->web_view);

  gtk_progress_bar_set_fraction (self->progress_bar, progress);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), loading && progress < 1.0);
}

static void
tts_signin_page_dispose (GObject *object)
{
  TtsSigninPage *self = (TtsSigninPage *) object;

  g_clear_object (&self->flow);
  g_clear_pointer (&self->host, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_SIGNIN_PAGE);
  self->web_view = NULL;

  G_OBJECT_CLASS (tts_signin_page_parent_class)->dispose (object);
}

static void
tts_signin_page_class_init (TtsSigninPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_signin_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-signin-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, overlay);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, security_image);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, host_label);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, progress_bar);
}

static void
tts_signin_page_init (TtsSigninPage *self)
{
  g_autoptr(WebKitNetworkSession) session = NULL;
  WebKitSettings *settings;

  gtk_widget_init_template (GTK_WIDGET (self));

  tts_page_set_title (TTS_PAGE (self), _("Sign In to tastytrade"));

  /* Nothing of the sign-in (cookies, cache) is written to disk, and a bad certificate
   * is a failure, never a question. This is the view that is shown. */
  session = webkit_network_session_new_ephemeral ();
  webkit_network_session_set_tls_errors_policy (session, WEBKIT_TLS_ERRORS_POLICY_FAIL);
  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "network-session", session,
                                 "hexpand", TRUE,
                                 "vexpand", TRUE,
                                 NULL);
  settings = webkit_web_view_get_settings (self->web_view);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);

  g_signal_connect_object (self->web_view, "decide-policy",
                           G_CALLBACK (decide_policy_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "load-failed",
                           G_CALLBACK (load_failed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "load-failed-with-tls-errors",
                           G_CALLBACK (load_failed_with_tls_errors_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "web-process-terminated",
                           G_CALLBACK (web_process_terminated_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "notify::uri",
                           G_CALLBACK (uri_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "notify::estimated-load-progress",
                           G_CALLBACK (progress_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "notify::is-loading",
                           G_CALLBACK (progress_changed_cb), self, G_CONNECT_SWAPPED);

  gtk_overlay_set_child (self->overlay, GTK_WIDGET (self->web_view));
  tts_page_set_initial_focus (TTS_PAGE (self), GTK_WIDGET (self->web_view));
}

void
tts_signin_page_set_flow (TtsSigninPage *self,
                          TtsFlow       *flow)
{
  g_return_if_fail (TTS_IS_SIGNIN_PAGE (self));

  g_set_object (&self->flow, flow);
}

void
tts_signin_page_load (TtsSigninPage *self,
                      const char    *uri)
{
  g_return_if_fail (TTS_IS_SIGNIN_PAGE (self));
  g_return_if_fail (uri != NULL);

  webkit_web_view_load_uri (self->web_view, uri);
  uri_changed_cb (self);
}

void
tts_signin_page_unload (TtsSigninPage *self)
{
  g_return_if_fail (TTS_IS_SIGNIN_PAGE (self));

  webkit_web_view_stop_loading (self->web_view);
  webkit_web_view_load_uri (self->web_view, "about:blank");
}

WebKitWebView *
tts_signin_page_get_web_view (TtsSigninPage *self)
{
  return self->web_view;
}

const char *
tts_signin_page_get_host (TtsSigninPage *self)
{
  return self->host;
}

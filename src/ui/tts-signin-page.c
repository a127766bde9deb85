/* tts-signin-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-error.h"
#include "tts-navigation-policy.h"
#include "tts-signin-page-private.h"
#include "tts-timing.h"

/* How long a page may take to start showing (to commit) before the user is told. A
 * connection that works commits a login page within a few seconds, even on a slow mobile
 * link; 30 s also outlasts TCP's retries of a lost SYN (1 + 2 + 4 + 8 s) and matches the
 * token client's own timeout, so a flaky network gets one consistent grace period. Only
 * the wait for the first bytes counts: once the page shows, its slow images or scripts
 * never pull it away from someone typing their password. */
#define DEFAULT_LOAD_TIMEOUT_MS (30 * 1000)

struct _TtsSigninPage
{
  TtsPage                parent_instance;

  GtkOverlay            *overlay;
  GtkImage              *security_image;
  GtkLabel              *host_label;
  GtkProgressBar        *progress_bar;
  GtkButton             *more_time_button;
  GtkLabel              *deadline_label;
  GtkRevealer           *paste_revealer;
  GtkWidget             *listener_box;
  GtkLabel              *listener_label;
  GtkLabel              *explanation_label;
  GtkEntry              *paste_entry;
  GtkLabel              *paste_error_label;

  WebKitWebView         *web_view;
  TtsFlow               *flow;
  char                  *host;

  /* The authorization page's origin: the only one the main frame may show. */
  GUri                  *home;
  /* Whether a page of this attempt has been shown yet. */
  gboolean               committed;
  /* Whether the view shows (or loads) an attempt's page rather than about:blank. */
  gboolean               loaded;
  /* Whether the web process is up, from loading about:blank once. */
  gboolean               prepared;

  guint                  load_timeout_ms;
  guint                  load_timeout_id;

  /* Whether the user heard of a refused download in this attempt: once is enough. */
  gboolean               download_told;
  TtsSigninPageOpenFunc  open_func;
  gpointer               open_data;

  /* The flow's state as last seen, to tell where a change comes from. */
  TtsFlowState           state;
  /* Whether this attempt went out to a browser outside the window (opened or copied):
   * its answer then brings the window to the front. */
  gboolean               sent_out;
  /* While the user's paste is with the flow: they are at the window already. */
  gboolean               submitting;
  gboolean               focus_when_revealed;
};

G_DEFINE_FINAL_TYPE (TtsSigninPage, tts_signin_page, TTS_TYPE_PAGE)

enum {
  PROP_0,
  PROP_FLOW,
  PROP_LOAD_TIMEOUT,
  PROP_PREPARED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load   (TtsSigninPage *self,
                    const char    *uri);
static void unload (TtsSigninPage *self);

static void
fail_flow (TtsSigninPage *self,
           TtsErrorCode   code,
           const char    *message)
{
  g_autoptr(GError) error = g_error_new_literal (TTS_ERROR, code, message);

  /* Only the sign-in needs the page: a hiccup of the blank view during the exchange must
   * not end an attempt that is going well. */
  if (self->flow != NULL && tts_flow_get_state (self->flow) == TTS_FLOW_STATE_AUTHORIZING)
    tts_flow_fail (self->flow, error);
}

/* The one way to the user's browser: links that leave the view, and the sign-in itself.
 * tts_page_launch_uri() goes through the desktop's launcher, the OpenURI portal in Flatpak;
 * if no browser opens, a toast says @failure. */
static void
open_in_browser (TtsSigninPage *self,
                 const char    *uri,
                 const char    *failure)
{
  if (self->open_func != NULL)
    {
      self->open_func (self, uri, self->open_data);
      return;
    }

  tts_page_launch_uri (TTS_PAGE (self), uri, failure);
}

static void
tell_refused (TtsSigninPage *self,
              GUri          *uri)
{
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autofree char *message = NULL;

  /* The host only: the rest of an address may carry anything. */
  g_debug ("Refused to open a page of %s", host != NULL ? host : "(no host)");

  if (host != NULL && host[0] != '\0')
    /* Translators: %s is the host name of a web site, e.g. “www.example.com” */
    message = g_strdup_printf (_("%s is not part of the sign-in, so it was not opened."), host);
  else
    message = g_strdup (_("That link is not part of the sign-in, so it was not opened."));
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", message);
}

/* Carries out the navigation policy's verdict on @uri (tts-navigation-policy.h): a page
 * that leaves the sign-in goes to the user's browser, where they can see and judge the
 * address, or nowhere. TRUE when the view must not load it. */
static gboolean
follow_verdict (TtsSigninPage        *self,
                TtsNavigationVerdict  verdict,
                const char           *uri)
{
  g_autoptr(GUri) parsed = NULL;

  switch (verdict)
    {
    case TTS_NAVIGATION_OPEN_IN_BROWSER:
      open_in_browser (self, uri, _("Could not open your web browser."));
      return TRUE;

    case TTS_NAVIGATION_REFUSE:
      parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
      tell_refused (self, parsed);
      return TRUE;

    case TTS_NAVIGATION_ALLOW:
    default:
      return FALSE;
    }
}

/* Downloads
 *
 * Nothing is ever saved from the sign-in view, whatever the frame: decide-policy ignores
 * answers that are files, and a download that starts anyway (a link with a download
 * attribute gets no response decision) is cancelled before it has a file. */

static void
refuse_download (TtsSigninPage *self,
                 GUri          *uri)
{
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  /* The host only: the rest of an address may carry anything. */
  g_debug ("Refused a download from %s", host != NULL ? host : "(no host)");

  /* A page can try again and again: one toast per attempt. */
  if (self->download_told)
    return;
  self->download_told = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s",
                              _("The sign-in page tried to download a file. Nothing was saved."));
}

static gboolean
decide_destination_cb (WebKitDownload *download,
                       const char     *suggested_filename)
{
  /* Should the cancel below come too late, no file is named. */
  webkit_download_cancel (download);
  return TRUE;
}

static void
download_started_cb (TtsSigninPage  *self,
                     WebKitDownload *download)
{
  const char *uri = webkit_uri_request_get_uri (webkit_download_get_request (download));
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;

  g_signal_connect (download, "decide-destination", G_CALLBACK (decide_destination_cb), NULL);
  webkit_download_cancel (download);
  refuse_download (self, parsed);
}

/* Permissions
 *
 * The sign-in needs nothing a page may ask for (location, notifications, camera and
 * microphone, the clipboard, the pointer, device lists, another site's data, media keys):
 * every request is denied here, whatever WebKit would do by default (it grants pointer
 * lock), and every query is answered "denied", so a page need not even ask. */

static gboolean
permission_request_cb (TtsSigninPage           *self,
                       WebKitPermissionRequest *request)
{
  g_debug ("Denied a request of the sign-in page: %s", G_OBJECT_TYPE_NAME (request));
  webkit_permission_request_deny (request);
  return TRUE;
}

static gboolean
query_permission_state_cb (TtsSigninPage              *self,
                           WebKitPermissionStateQuery *query)
{
  webkit_permission_state_query_finish (query, WEBKIT_PERMISSION_STATE_DENIED);
  return TRUE;
}

/* Nothing over the page
 *
 * WebKit would ask for a user name and password (HTTP authentication, a frame's as well as
 * the page's) in a prompt of its own drawn over the page, where it looks like part of
 * tastytrade's sign-in; and a page, or a frame the user clicks, may fill the screen, over
 * the window and its "You are signing in at" line, or at least the whole view, over the
 * page that framed it. The sign-in needs neither: every such request is refused, whatever
 * the frame. The view offers no full screen at all (WebKit's setting; answering
 * "enter-fullscreen" alone keeps the window as it is, but the element still fills the view). */

static gboolean
authenticate_cb (TtsSigninPage               *self,
                 WebKitAuthenticationRequest *request)
{
  const char *host = webkit_authentication_request_get_host (request);
  gboolean own = self->loaded && !self->committed;
  g_autofree char *message = NULL;

  /* The host only: the rest of an address may carry anything. */
  g_debug ("Refused to ask for a password for %s", host != NULL ? host : "(no host)");
  webkit_authentication_request_cancel (request);

  /* Before a page of this attempt showed, it was the sign-in page itself (frames come with
   * a page): it ends as a cancelled load, which is no failure, so the view would stay blank.
   * Said instead. */
  if (!own)
    return TRUE;

  /* Translators: %s is the host name of a web site, e.g. “my.tastytrade.com” */
  message = g_strdup_printf (_("%s asked for a user name and password in a prompt of its own, "
                               "which tastytrade’s sign-in never does, so nothing was shown."),
                             host != NULL && host[0] != '\0' ? host : "tastytrade");
  fail_flow (self, TTS_ERROR_PAGE_LOAD_FAILED, message);

  return TRUE;
}

/* Should a request get past the setting, the window is not made to fill the screen. */
static gboolean
enter_fullscreen_cb (TtsSigninPage *self)
{
  g_debug ("Refused to fill the screen");
  return TRUE;
}

/* Policy
 *
 * WebKitGTK 6.0 does not say which frame a navigation is for: a third-party frame of the
 * login page (a captcha) loads exactly like the page itself would, so frames cannot be
 * restricted up front without breaking them. Two checks instead:
 *  - before any request, what a person starts (a link, a form) towards another origin never
 *    loads in the view, whatever the frame;
 *  - before anything is shown, a main-frame document from another origin is refused (the
 *    response decision does say whether it is the main frame). Scripts and server redirects
 *    are caught there.
 * Which address goes where is tts_navigation_policy_decide()'s answer; this is its WebKit
 * side. */

static TtsNavigationKind
navigation_kind (WebKitNavigationType type)
{
  switch (type)
    {
    case WEBKIT_NAVIGATION_TYPE_LINK_CLICKED:
      return TTS_NAVIGATION_LINK;

    case WEBKIT_NAVIGATION_TYPE_FORM_SUBMITTED:
    case WEBKIT_NAVIGATION_TYPE_FORM_RESUBMITTED:
      return TTS_NAVIGATION_FORM;

    case WEBKIT_NAVIGATION_TYPE_BACK_FORWARD:
    case WEBKIT_NAVIGATION_TYPE_RELOAD:
    case WEBKIT_NAVIGATION_TYPE_OTHER:
    default:
      return TTS_NAVIGATION_OTHER;
    }
}

static gboolean
decide_navigation (TtsSigninPage            *self,
                   WebKitPolicyDecision     *decision,
                   WebKitPolicyDecisionType  type)
{
  WebKitNavigationAction *action;
  TtsNavigationKind kind;
  const char *uri;

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
    kind = TTS_NAVIGATION_NEW_WINDOW;
  else
    kind = navigation_kind (webkit_navigation_action_get_navigation_type (action));

  /* Anything but a link or a form may be a frame: the response decision stops it if it is
   * the main frame. */
  if (!follow_verdict (self, tts_navigation_policy_decide (self->home, kind, uri), uri))
    return FALSE;

  webkit_policy_decision_ignore (decision);
  return TRUE;
}

/* Whether an answer is a file to save rather than a page to show: one the view cannot
 * show, or one its server wants saved (Content-Disposition other than inline), which
 * WebKit would download even as text or HTML. */
static gboolean
is_download (WebKitResponsePolicyDecision *decision)
{
  WebKitURIResponse *response = webkit_response_policy_decision_get_response (decision);
  SoupMessageHeaders *headers = webkit_uri_response_get_http_headers (response);
  g_autofree char *type = NULL;
  const char *disposition;

  if (!webkit_response_policy_decision_is_mime_type_supported (decision))
    return TRUE;

  if (headers == NULL)
    return FALSE;
  disposition = soup_message_headers_get_list (headers, "Content-Disposition");
  if (disposition == NULL)
    return FALSE;

  /* Its type, as WebKit reads it: all before the first ';'. */
  type = g_strstrip (g_strndup (disposition, strcspn (disposition, ";")));
  return type[0] != '\0' && g_ascii_strcasecmp (type, "inline") != 0;
}

static gboolean
decide_response (TtsSigninPage                *self,
                 WebKitResponsePolicyDecision *decision)
{
  const char *uri = webkit_uri_request_get_uri (webkit_response_policy_decision_get_request (decision));
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  g_autofree char *message = NULL;

  /* Nothing is downloaded from the sign-in, whatever the frame. */
  if (is_download (decision))
    {
      refuse_download (self, parsed);
      webkit_policy_decision_ignore (WEBKIT_POLICY_DECISION (decision));
      return TRUE;
    }

  if (!webkit_response_policy_decision_is_main_frame_main_resource (decision))
    return FALSE;

  /* The sign-in's own pages, and about:blank between attempts. */
  if (tts_navigation_policy_decide (self->home, TTS_NAVIGATION_MAIN_FRAME_RESPONSE, uri) ==
      TTS_NAVIGATION_ALLOW)
    return FALSE;

  webkit_policy_decision_ignore (WEBKIT_POLICY_DECISION (decision));

  /* Before any page of the sign-in showed, the view would stay blank: say why. */
  if (!self->committed)
    {
      /* Translators: %s is the host name of a web site, e.g. “www.example.com” */
      message = g_strdup_printf (_("The sign-in page sent this window to %s, which is not part of the sign-in, so it was not shown."),
                                 parsed != NULL && g_uri_get_host (parsed) != NULL ?
                                 g_uri_get_host (parsed) : uri);
      fail_flow (self, TTS_ERROR_PAGE_LOAD_FAILED, message);
      return TRUE;
    }

  tell_refused (self, parsed);
  return TRUE;
}

static gboolean
decide_policy_cb (TtsSigninPage            *self,
                  WebKitPolicyDecision     *decision,
                  WebKitPolicyDecisionType  type)
{
  switch (type)
    {
    case WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION:
    case WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION:
      return decide_navigation (self, decision, type);

    case WEBKIT_POLICY_DECISION_TYPE_RESPONSE:
      return decide_response (self, WEBKIT_RESPONSE_POLICY_DECISION (decision));

    default:
      return FALSE;
    }
}

/* window.open(): never a second view. Secure pages go to the browser, as target=_blank
 * links do; nothing opens otherwise. */
static GtkWidget *
create_cb (TtsSigninPage          *self,
           WebKitNavigationAction *action)
{
  const char *uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));

  if (self->flow == NULL || !tts_flow_handle_navigation (self->flow, uri))
    follow_verdict (self, tts_navigation_policy_decide (self->home, TTS_NAVIGATION_NEW_WINDOW, uri),
                    uri);

  return NULL;
}

/* Load timeout: armed only while a page is on its way, so that a loaded login page costs
 * no wake-ups. */

static void
disarm_load_timeout (TtsSigninPage *self)
{
  g_clear_handle_id (&self->load_timeout_id, g_source_remove);
}

static gboolean
load_timeout_cb (gpointer user_data)
{
  TtsSigninPage *self = user_data;
  g_autofree char *message = NULL;

  self->load_timeout_id = 0;
  g_debug ("The sign-in page did not load within %u ms", self->load_timeout_ms);

  /* Translators: %s is the host name of the sign-in page, e.g. “my.tastytrade.com” */
  message = g_strdup_printf (_("The sign-in page at %s took too long to load."),
                             self->host != NULL ? self->host : "tastytrade");
  webkit_web_view_stop_loading (self->web_view);
  fail_flow (self, TTS_ERROR_PAGE_LOAD_FAILED, message);

  return G_SOURCE_REMOVE;
}

static void
arm_load_timeout (TtsSigninPage *self)
{
  disarm_load_timeout (self);
  self->load_timeout_id = g_timeout_add (self->load_timeout_ms, load_timeout_cb, self);
  g_source_set_name_by_id (self->load_timeout_id, "[tastytrade-setup] sign-in load timeout");
}

/* A load already on its way gets the new time from now. */
static void
set_load_timeout (TtsSigninPage *self,
                  guint          milliseconds)
{
  if (self->load_timeout_ms == milliseconds)
    return;

  self->load_timeout_ms = milliseconds;
  if (self->load_timeout_id != 0)
    arm_load_timeout (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOAD_TIMEOUT]);
}

static void
load_changed_cb (TtsSigninPage   *self,
                 WebKitLoadEvent  event)
{
  const char *uri = webkit_web_view_get_uri (self->web_view);

  switch (event)
    {
    case WEBKIT_LOAD_STARTED:
      /* A navigation within the page (a form sent); tts_signin_page_load() armed it for
       * the first page already, as the request may be out before this arrives. about:blank
       * between attempts is no page the user waits for. */
      if (self->load_timeout_id == 0 && uri != NULL && !g_str_has_prefix (uri, "about:"))
        arm_load_timeout (self);
      break;

    case WEBKIT_LOAD_COMMITTED:
      if (uri != NULL && !g_str_has_prefix (uri, "about:"))
        self->committed = TRUE;
      disarm_load_timeout (self);
      break;

    case WEBKIT_LOAD_FINISHED:
      disarm_load_timeout (self);
      if (uri != NULL && !g_str_has_prefix (uri, "about:"))
        tts_timing_mark ("sign-in page loaded");
      else if (!self->prepared)
        {
          self->prepared = TRUE;
          tts_timing_mark ("sign-in view ready");
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREPARED]);
        }
      break;

    case WEBKIT_LOAD_REDIRECTED:
    default:
      /* One deadline for the whole chain of redirects. */
      break;
    }
}

static gboolean
load_failed_cb (TtsSigninPage   *self,
                WebKitLoadEvent  event,
                const char      *uri,
                GError          *error)
{
  g_autofree char *message = NULL;

  disarm_load_timeout (self);

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

  disarm_load_timeout (self);

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
  disarm_load_timeout (self);
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

/* The other ways in: the user's own browser, the copied link, paste-back */

static gboolean
waiting (TtsSigninPage *self)
{
  return self->flow != NULL && tts_flow_get_state (self->flow) == TTS_FLOW_STATE_AUTHORIZING;
}

static void
show_paste_error (TtsSigninPage *self,
                  const char    *message)
{
  GtkWidget *entry = GTK_WIDGET (self->paste_entry);
  GtkAccessibleInvalidState invalid = message != NULL ? GTK_ACCESSIBLE_INVALID_TRUE :
                                                        GTK_ACCESSIBLE_INVALID_FALSE;

  gtk_label_set_text (self->paste_error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->paste_error_label), message != NULL);

  if (message != NULL)
    gtk_widget_add_css_class (entry, "error");
  else
    gtk_widget_remove_css_class (entry, "error");

  /* Read with the field (GTK 4.8 has no announcements, nor descriptions from relations). */
  gtk_accessible_update_state (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_STATE_INVALID, invalid, -1);
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* After the link went out, pasting its end is the next step the window can help with: the
 * field gets the keyboard once it can take it, when it has slid in. */
static void
reveal_paste_back (TtsSigninPage *self)
{
  if (gtk_revealer_get_child_revealed (self->paste_revealer))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->paste_entry));
      return;
    }

  self->focus_when_revealed = TRUE;
  gtk_revealer_set_reveal_child (self->paste_revealer, TRUE);
}

static void
paste_revealed_cb (TtsSigninPage *self)
{
  if (!gtk_revealer_get_child_revealed (self->paste_revealer) || !self->focus_when_revealed)
    return;

  self->focus_when_revealed = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->paste_entry));
}

static void
open_browser_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TtsSigninPage *self = TTS_SIGNIN_PAGE (widget);

  if (!waiting (self))
    return;

  self->sent_out = TRUE;
  reveal_paste_back (self);
  open_in_browser (self, tts_flow_get_authorize_uri (self->flow),
                   _("Could not open your web browser. Copy the link instead."));
}

static void
copy_link_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TtsSigninPage *self = TTS_SIGNIN_PAGE (widget);

  if (!waiting (self))
    return;

  /* It may be opened on this computer too, whose listener then takes the answer. */
  self->sent_out = TRUE;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          tts_flow_get_authorize_uri (self->flow));
  gtk_widget_activate_action (widget, "win.show-toast", "s",
                              _("Link copied. Open it in a browser to sign in."));
  reveal_paste_back (self);
}

static void
more_time_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TtsSigninPage *self = TTS_SIGNIN_PAGE (widget);

  if (waiting (self))
    tts_flow_extend_wait (self->flow);
}

static void
continue_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TtsSigninPage *self = TTS_SIGNIN_PAGE (widget);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->paste_entry));
  g_autoptr(GError) error = NULL;
  gboolean started;

  if (!waiting (self))
    return;

  self->submitting = TRUE;
  started = tts_flow_submit_pasted (self->flow, text, &error);
  self->submitting = FALSE;

  /* Started: the page stays as it is while the token is fetched (no frame to draw); the
   * field is cleared when the attempt ends. A refusal by tastytrade ended the attempt, and
   * the window says so. Anything else: the flow still waits, for a better paste. */
  if (started || !waiting (self))
    return;

  show_paste_error (self, error->message);
  gtk_widget_grab_focus (GTK_WIDGET (self->paste_entry));
}

static void
paste_entry_activate_cb (TtsSigninPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "signin.continue", NULL);
}

static void
paste_entry_changed_cb (TtsSigninPage *self)
{
  /* The error was about what was there before. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->paste_error_label)))
    show_paste_error (self, NULL);
}

/* "14:05", or "2:05 PM" where the desktop shows the time so. */
static char *
format_time_of_day (GDateTime *time)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *clock_format = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.interface", TRUE);
  if (schema != NULL && g_settings_schema_has_key (schema, "clock-format"))
    {
      settings = g_settings_new_full (schema, NULL, NULL);
      clock_format = g_settings_get_string (settings, "clock-format");
    }

  if (g_strcmp0 (clock_format, "12h") == 0)
    /* Translators: a time of day on a 12-hour clock, see g_date_time_format()
     * xgettext:no-c-format */
    return g_date_time_format (time, _("%-l:%M %p"));

  /* Translators: a time of day on a 24-hour clock, see g_date_time_format()
   * xgettext:no-c-format */
  return g_date_time_format (time, _("%H:%M"));
}

static void
more_time_tooltip (TtsSigninPage *self)
{
  guint minutes = (TTS_FLOW_WAIT_SECONDS + 59) / 60;
  g_autofree char *tooltip = NULL;

  /* Translators: the More Time button's tooltip; the wait starts over, it is not added to */
  tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Wait until %u minute from now",
                                          "Wait until %u minutes from now", minutes),
                             minutes);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->more_time_button), tooltip);
}

/* Follows the flow's one timer: the page itself never wakes up to count down. */
static void
wait_deadline_changed_cb (TtsSigninPage *self)
{
  gint64 deadline = tts_flow_get_wait_deadline (self->flow);
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *time_text = NULL;
  g_autofree char *text = NULL;

  /* The wait is over: the page stays as it is until the window moves on. */
  if (deadline == 0)
    return;

  time = g_date_time_new_from_unix_local (deadline / G_USEC_PER_SEC);
  time_text = time != NULL ? format_time_of_day (time) : NULL;
  if (time_text == NULL)
    return;

  /* Translators: %s is a time of day, e.g. “14:05”; the sign-in stops then */
  text = g_strdup_printf (_("Waiting until %s"), time_text);
  gtk_label_set_text (self->deadline_label, text);
}

/* The flow began waiting for this attempt's redirect. */
static void
begin_waiting (TtsSigninPage *self)
{
  TtsEnvironment *environment = tts_flow_get_environment (self->flow);
  const char *redirect_uri = tts_environment_get_redirect_uri (environment);
  const GError *listener_error = tts_flow_get_listener_error (self->flow);
  g_autofree char *placeholder = NULL;

  self->sent_out = FALSE;
  show_paste_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->paste_entry), "");

  /* An example of what to paste: the redirect address, as the browser shows it. */
  placeholder = g_strdup_printf ("%s%s?code=…", redirect_uri,
                                 g_str_has_suffix (redirect_uri, "/") ? "" : "/");
  gtk_entry_set_placeholder_text (self->paste_entry, placeholder);

  if (listener_error != NULL)
    {
      g_autofree char *text = NULL;

      /* The first sentence names the port, and the program on it where the system tells. */
      text = g_strdup_printf ("%s %s", listener_error->message,
                              _("Your web browser cannot return here by itself. Sign in above, "
                                "or paste the address it ends on."));
      gtk_label_set_text (self->listener_label, text);
    }
  gtk_widget_set_visible (self->listener_box, listener_error != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->explanation_label), listener_error == NULL);

  /* Part of the page from the start: shown with it, not slid in after. */
  gtk_revealer_set_transition_type (self->paste_revealer, GTK_REVEALER_TRANSITION_TYPE_NONE);
  gtk_revealer_set_reveal_child (self->paste_revealer, listener_error != NULL);
  gtk_revealer_set_transition_type (self->paste_revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_UP);
}

/* The attempt ended, the page is out of sight: nothing of it stays for the next one. */
static void
end_waiting (TtsSigninPage *self)
{
  self->sent_out = FALSE;
  self->focus_when_revealed = FALSE;
  gtk_revealer_set_reveal_child (self->paste_revealer, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->paste_entry), "");
  show_paste_error (self, NULL);
  gtk_widget_set_visible (self->listener_box, FALSE);
}

/* The browser outside handed the answer back: the user is still there, so the wizard
 * comes to them. */
static void
bring_to_front (TtsSigninPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (!GTK_IS_WINDOW (root))
    return;

  gtk_window_present (GTK_WINDOW (root));
}

static void
tts_signin_page_dispose (GObject *object)
{
  TtsSigninPage *self = (TtsSigninPage *) object;

  disarm_load_timeout (self);
  if (self->flow != NULL)
    g_signal_handlers_disconnect_by_data (self->flow, self);
  g_clear_object (&self->flow);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->home, g_uri_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), TTS_TYPE_SIGNIN_PAGE);
  self->web_view = NULL;

  G_OBJECT_CLASS (tts_signin_page_parent_class)->dispose (object);
}

static void
flow_state_changed_cb (TtsSigninPage *self)
{
  TtsFlowState previous = self->state;
  TtsFlowState state = tts_flow_get_state (self->flow);

  self->state = state;

  /* The redirect (or a refusal) came from the browser outside, not from this window. A
   * cancel is the user's own doing, at the window. */
  if (previous == TTS_FLOW_STATE_AUTHORIZING && self->sent_out && !self->submitting &&
      (state == TTS_FLOW_STATE_EXCHANGING || state == TTS_FLOW_STATE_FAILED))
    bring_to_front (self);

  switch (state)
    {
    case TTS_FLOW_STATE_AUTHORIZING:
      if (!self->loaded)
        load (self, tts_flow_get_authorize_uri (self->flow));
      if (previous != TTS_FLOW_STATE_AUTHORIZING)
        begin_waiting (self);
      break;

    case TTS_FLOW_STATE_EXCHANGING:
    case TTS_FLOW_STATE_VERIFYING:
    case TTS_FLOW_STATE_SAVING:
      /* The page stays as it is while the token is fetched: it may still be in view for a
       * moment, and repainting it would only hold up that work. */
      break;

    case TTS_FLOW_STATE_IDLE:
    case TTS_FLOW_STATE_FAILED:
    case TTS_FLOW_STATE_DONE:
    default:
      if (self->loaded)
        unload (self);
      end_waiting (self);
      break;
    }
}

static void
tts_signin_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TtsSigninPage *self = TTS_SIGNIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_LOAD_TIMEOUT:
      g_value_set_uint (value, self->load_timeout_ms);
      break;

    case PROP_PREPARED:
      g_value_set_boolean (value, self->prepared);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_signin_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TtsSigninPage *self = TTS_SIGNIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_FLOW:
      self->flow = g_value_dup_object (value);
      if (self->flow != NULL)
        {
          g_signal_connect_swapped (self->flow, "notify::state",
                                    G_CALLBACK (flow_state_changed_cb), self);
          g_signal_connect_swapped (self->flow, "notify::wait-deadline",
                                    G_CALLBACK (wait_deadline_changed_cb), self);
          /* Made while the flow already authorizes: the user was quicker than the module. */
          flow_state_changed_cb (self);
          wait_deadline_changed_cb (self);
        }
      break;

    case PROP_LOAD_TIMEOUT:
      set_load_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_signin_page_class_init (TtsSigninPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tts_signin_page_dispose;
  object_class->get_property = tts_signin_page_get_property;
  object_class->set_property = tts_signin_page_set_property;

  /* Every navigation of the view is first shown to the flow, which takes the redirect; the
   * page loads the flow's authorization page while it authorizes, and about:blank after. */
  properties[PROP_FLOW] =
    g_param_spec_object ("flow", NULL, NULL, TTS_TYPE_FLOW,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* How long a page may take to start showing before the sign-in fails, in milliseconds. */
  properties[PROP_LOAD_TIMEOUT] =
    g_param_spec_uint ("load-timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_LOAD_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether the web process is up: about:blank, loaded when the page is made, finished. */
  properties[PROP_PREPARED] =
    g_param_spec_boolean ("prepared", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tastytrade_setup/TastytradeSetup/tts-signin-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, overlay);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, security_image);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, host_label);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, more_time_button);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, deadline_label);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, paste_revealer);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, listener_box);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, listener_label);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, paste_entry);
  gtk_widget_class_bind_template_child (widget_class, TtsSigninPage, paste_error_label);
  gtk_widget_class_bind_template_callback (widget_class, paste_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, paste_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, paste_revealed_cb);

  gtk_widget_class_install_action (widget_class, "signin.open-browser", NULL,
                                   open_browser_action_cb);
  gtk_widget_class_install_action (widget_class, "signin.copy-link", NULL, copy_link_action_cb);
  gtk_widget_class_install_action (widget_class, "signin.more-time", NULL, more_time_action_cb);
  gtk_widget_class_install_action (widget_class, "signin.continue", NULL, continue_action_cb);
}

static void
tts_signin_page_init (TtsSigninPage *self)
{
  g_autoptr(WebKitNetworkSession) session = NULL;
  g_autoptr(WebKitWebContext) context = NULL;
  WebKitSettings *settings;

  gtk_widget_init_template (GTK_WIDGET (self));

  tts_page_set_title (TTS_PAGE (self), _("Sign In to tastytrade"));
  self->load_timeout_ms = DEFAULT_LOAD_TIMEOUT_MS;
  more_time_tooltip (self);

  /* Nothing of the sign-in (cookies, cache) is written to disk, and a bad certificate
   * is a failure, never a question. This is the view that is shown. */
  session = webkit_network_session_new_ephemeral ();
  webkit_network_session_set_tls_errors_policy (session, WEBKIT_TLS_ERRORS_POLICY_FAIL);
  /* A process pool of its own: with the view go all its web processes (also the spare
   * and cached ones WebKit keeps in a shared pool) and the network process that held
   * the session's cookies in memory. */
  context = webkit_web_context_new ();
  self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                 "web-context", context,
                                 "network-session", session,
                                 "hexpand", TRUE,
                                 "vexpand", TRUE,
                                 NULL);
  settings = webkit_web_view_get_settings (self->web_view);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_enable_fullscreen (settings, FALSE);

  g_signal_connect_object (self->web_view, "decide-policy",
                           G_CALLBACK (decide_policy_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "download-started",
                           G_CALLBACK (download_started_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "permission-request",
                           G_CALLBACK (permission_request_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "query-permission-state",
                           G_CALLBACK (query_permission_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "authenticate",
                           G_CALLBACK (authenticate_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "enter-fullscreen",
                           G_CALLBACK (enter_fullscreen_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "create",
                           G_CALLBACK (create_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->web_view, "load-changed",
                           G_CALLBACK (load_changed_cb), self, G_CONNECT_SWAPPED);
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

  /* Starts the web process now, while the user types, rather than when they sign in. */
  webkit_web_view_load_uri (self->web_view, "about:blank");
}

static void
load (TtsSigninPage *self,
      const char    *uri)
{
  g_return_if_fail (uri != NULL);

  self->loaded = TRUE;
  g_clear_pointer (&self->home, g_uri_unref);
  self->home = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  self->committed = FALSE;
  self->download_told = FALSE;
  webkit_web_view_load_uri (self->web_view, uri);
  arm_load_timeout (self);
  uri_changed_cb (self);
}

/* Leaves the page: nothing stays loaded, nothing of the session is kept. */
static void
unload (TtsSigninPage *self)
{
  self->loaded = FALSE;
  disarm_load_timeout (self);
  webkit_web_view_stop_loading (self->web_view);
  webkit_web_view_load_uri (self->web_view, "about:blank");
}

void
tts_signin_page_set_open_func (TtsSigninPage         *self,
                               TtsSigninPageOpenFunc  func,
                               gpointer               user_data)
{
  g_return_if_fail (TTS_IS_SIGNIN_PAGE (self));

  self->open_func = func;
  self->open_data = user_data;
}

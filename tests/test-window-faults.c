/* test-window-faults.c: the window under faults, end to end, against the fake tastytrade
 *
 * The rows of the failure matrix that need the real window and web view: a crashed or
 * stalled sign-in page, pages that try to leave tastytrade, a certificate that cannot be
 * trusted, a sign-in cancelled or closed in the middle of the exchange, and a new token
 * that fails verification. Runs under Xvfb and dbus-run-session (see meson.build).
 * Every wait is on a signal or a main-loop condition; a guard timer only turns a hang into
 * a failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tts-error.h"
#include "tts-test-ports.h"
#include "tts-test-window.h"

typedef TtsTestWindow Fixture;

/* ---- helpers ---- */

/* Made once the window has drawn, its web process up (tts_test_window_open_window()). */
static TtsSigninPage *
signin_page (Fixture *fixture)
{
  return tts_test_lookup_page (fixture->window, TTS_TYPE_SIGNIN_PAGE);
}

static TtsProgressPage *
progress_page (Fixture *fixture)
{
  return tts_test_find_page (fixture->window, TTS_TYPE_PROGRESS_PAGE);
}

static gboolean
progress_page_shown (Fixture *fixture)
{
  GtkWidget *progress = GTK_WIDGET (progress_page (fixture));

  return tts_test_visible_page (fixture->window) == TTS_PAGE (progress) &&
         gtk_widget_get_mapped (progress);
}

/* The attempt failed with @code, and the error page says so in words the user can see,
 * with Try Again as the way forward. */
static void
assert_failure_shown (Fixture      *fixture,
                      TtsErrorCode  code,
                      const char   *sentence)
{
  TtsProgressPage *progress = progress_page (fixture);
  const GError *error;
  g_autofree char *text = NULL;

  tts_test_window_wait_until (fixture, tts_test_window_flow_failed, "the flow to fail");
  error = tts_flow_get_error (fixture->flow);
  g_assert_error ((GError *) error, TTS_ERROR, (int) code);
  tts_test_window_wait_until (fixture, progress_page_shown, "the error page");

  text = tts_test_visible_text (GTK_WIDGET (progress));
  g_test_message ("Error page: %s", text);
  g_assert_nonnull (strstr (text, tts_error_get_title (error)));
  g_assert_nonnull (strstr (text, error->message));
  g_assert_nonnull (strstr (text, tts_error_get_remedy (error)));
  g_assert_nonnull (strstr (text, sentence));

  g_assert_cmpstr (tts_page_get_primary_label (TTS_PAGE (progress)), ==, "_Try Again");
  g_assert_true (tts_page_get_complete (TTS_PAGE (progress)));
}

/* Try Again on the error page, until the fresh authorization page is in the view.
 *
 * Asked of the page itself: the load of the previous attempt that the window cancelled can
 * report its end (load-changed FINISHED) only after the new load began, while the view's
 * URI already names the new page, which would fool wait_for_page(). */
static void
try_again (Fixture *fixture)
{
  tts_test_window_activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  tts_test_window_wait_for_script (fixture,
                                   "location.pathname === '/auth.html' && "
                                   "document.getElementById('sign-in') !== null");
}

static char *
secrets_path (Fixture *fixture)
{
  return g_build_filename (fixture->folder_path, ".secrets", NULL);
}

/* The folder holds exactly what the test put there: .secrets with @secrets, or nothing
 * when @secrets is NULL. No backup, no temporary file. */
static void
assert_folder_untouched (Fixture    *fixture,
                         const char *secrets)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder_path, 0, NULL);
  g_autofree char *path = secrets_path (fixture);
  g_autofree char *contents = NULL;
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_test_message ("In the folder: %s", name);
      count++;
    }

  if (secrets == NULL)
    {
      g_assert_cmpuint (count, ==, 0);
      return;
    }

  g_assert_cmpuint (count, ==, 1);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, secrets);
}

/* Nothing listens on the redirect port any more: another program can take it. */
static void
assert_port_free (Fixture *fixture)
{
  g_autoptr(GSocket) again = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, fixture->redirect_port);

  g_assert_nonnull (again);
}

static void
start_sign_in (Fixture *fixture)
{
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_activate_primary (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
}

/* Lets the main context run whatever is ready, without waiting for more. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- another web site, not tastytrade ---- */

typedef struct
{
  char *content_type;
  char *disposition;            /* Content-Disposition, or NULL */
  char *body;
} OtherAnswer;

typedef struct
{
  SoupServer *server;
  guint       port;
  GPtrArray  *paths;            /* every path requested, oldest first */
  GHashTable *redirects;        /* path → Location */
  GHashTable *answers;          /* path → OtherAnswer */
  GHashTable *challenges;       /* path → realm of the HTTP authentication it asks for */
  guint       credentials;      /* requests that came with an Authorization header */
} OtherSite;

static void
other_answer_free (OtherAnswer *answer)
{
  g_free (answer->content_type);
  g_free (answer->disposition);
  g_free (answer->body);
  g_free (answer);
}

static void
other_site_handler_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  OtherSite *site = user_data;
  const char *location = g_hash_table_lookup (site->redirects, path);
  OtherAnswer *answer = g_hash_table_lookup (site->answers, path);
  static const char page[] = "<!DOCTYPE html><title>Elsewhere</title><p>Another site.</p>";

  const char *realm = g_hash_table_lookup (site->challenges, path);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  g_test_message ("The other site got %s %s", soup_server_message_get_method (msg), path);
  g_ptr_array_add (site->paths, g_strdup (path));
  if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization") != NULL)
    site->credentials++;

  if (realm != NULL)
    {
      static const char refused[] = "<!DOCTYPE html><title>Refused</title><p>Who are you?</p>";
      g_autofree char *challenge = g_strdup_printf ("Basic realm=\"%s\"", realm);

      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      soup_message_headers_replace (headers, "WWW-Authenticate", challenge);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, refused,
                                        strlen (refused));
      return;
    }

  if (location != NULL)
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (answer != NULL)
    {
      if (answer->disposition != NULL)
        soup_message_headers_replace (headers, "Content-Disposition", answer->disposition);
      soup_server_message_set_response (msg, answer->content_type, SOUP_MEMORY_COPY,
                                        answer->body, strlen (answer->body));
      return;
    }
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page, strlen (page));
}

static guint
server_port (SoupServer *server)
{
  GSList *listeners = soup_server_get_listeners (server);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_nonnull (listeners);
  local = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  g_assert_nonnull (local);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* Listens on 127.0.0.2, another host than the fake's 127.0.0.1 (also with @tls, on
 * 127.0.0.1 then, as the certificate names that address). */
static OtherSite *
other_site_new (GTlsCertificate *tls)
{
  OtherSite *site = g_new0 (OtherSite, 1);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (tls != NULL ? "127.0.0.1" : "127.0.0.2");
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, 0);
  g_autoptr(GError) error = NULL;

  site->server = soup_server_new ("tls-certificate", tls, NULL);
  site->paths = g_ptr_array_new_with_free_func (g_free);
  site->redirects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  site->answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) other_answer_free);
  site->challenges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_server_add_handler (site->server, NULL, other_site_handler_cb, site, NULL);
  g_assert_true (soup_server_listen (site->server, socket_address,
                                     tls != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, &error));
  g_assert_no_error (error);
  site->port = server_port (site->server);

  return site;
}

static void
other_site_free (OtherSite *site)
{
  soup_server_disconnect (site->server);
  g_clear_object (&site->server);
  g_ptr_array_unref (site->paths);
  g_hash_table_unref (site->redirects);
  g_hash_table_unref (site->answers);
  g_hash_table_unref (site->challenges);
  g_free (site);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtherSite, other_site_free)

/* GET @path answers @body as @content_type, with Content-Disposition @disposition unless
 * NULL. */
static void
other_site_add (OtherSite  *site,
                const char *path,
                const char *content_type,
                const char *disposition,
                const char *body)
{
  OtherAnswer *answer = g_new0 (OtherAnswer, 1);

  answer->content_type = g_strdup (content_type);
  answer->disposition = g_strdup (disposition);
  answer->body = g_strdup (body);
  g_hash_table_replace (site->answers, g_strdup (path), answer);
}

static guint
other_site_count (OtherSite  *site,
                  const char *path)
{
  guint count = 0;

  for (guint i = 0; i < site->paths->len; i++)
    {
      if (g_strcmp0 (g_ptr_array_index (site->paths, i), path) == 0)
        count++;
    }

  return count;
}

/* ---- 1. the web process crashes ---- */

static void
test_web_process_crash (Fixture       *fixture,
                        gconstpointer  data)
{
  start_sign_in (fixture);
  tts_test_window_wait_for_first_page (fixture, "/auth.html");

  webkit_web_view_terminate_web_process (fixture->web_view);
  assert_failure_shown (fixture, TTS_ERROR_PAGE_LOAD_FAILED, "The sign-in page stopped working.");
  assert_port_free (fixture);

  try_again (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
}

/* ---- 2. the page never finishes loading ---- */

static gboolean
sign_in_page_held (Fixture *fixture)
{
  return tts_fake_tastytrade_get_held (fixture->fake, "/auth.html") > 0;
}

/* Whether the page's load timer runs: it wakes the program only while a page is on its way. */
static gboolean
load_timer_armed (void)
{
  g_autofree char *timers = tts_test_own_timers ();

  g_test_message ("Timers: %s", timers);
  return strstr (timers, "[tastytrade-setup] sign-in load timeout") != NULL;
}

static void
test_page_never_loads (Fixture       *fixture,
                       gconstpointer  data)
{
  TtsSigninPage *page = signin_page (fixture);

  /* tastytrade accepts the connection and never answers. */
  tts_fake_tastytrade_hold (fixture->fake, "/auth.html");
  start_sign_in (fixture);
  tts_test_window_wait_until (fixture, sign_in_page_held, "the fake to hold the sign-in page");

  /* The timer runs while the page is on its way; a short one for the test, from now. */
  g_assert_true (load_timer_armed ());
  g_assert_cmpuint (tts_test_get_uint (page, "load-timeout"), ==, 30 * 1000);
  g_object_set (page, "load-timeout", 200, NULL);
  assert_failure_shown (fixture, TTS_ERROR_PAGE_LOAD_FAILED,
                        "The sign-in page at 127.0.0.1 took too long to load.");
  g_assert_false (load_timer_armed ());
  /* Nothing was answered: the failure is the stall, not an error page. */
  g_assert_null (tts_fake_tastytrade_get_last_request (fixture->fake, "/auth.html"));
  assert_port_free (fixture);

  /* tastytrade answers again. */
  g_object_set (page, "load-timeout", 30 * 1000, NULL);
  tts_fake_tastytrade_release (fixture->fake, "/auth.html");
  try_again (fixture);
  /* Sitting on a loaded page costs no timer. */
  g_assert_false (load_timer_armed ());
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
}

/* ---- 3. navigation outside tastytrade's host ---- */

#define ELSEWHERE "https://help.example.invalid"

/* What the window says when the sign-in view does not open a page, here of the other site. */
#define NOT_OPENED "127.0.0.2 is not part of the sign-in, so it was not opened."

typedef struct
{
  Fixture   *fixture;
  OtherSite *other;
  GPtrArray *opened;            /* URIs handed to the browser */
  guint      toplevels;
} Links;

/* Whether the window says (in a toast) that a page was not opened. */
static gboolean
refusal_shown (Fixture *fixture)
{
  g_autofree char *text = tts_test_visible_text (GTK_WIDGET (fixture->window));

  return strstr (text, "is not part of the sign-in, so it was not opened.") != NULL;
}

static gboolean
refusal_gone (Fixture *fixture)
{
  return !refusal_shown (fixture);
}

/* The user closes the toast that said so: the next one is seen afresh.
 *
 * libadwaita 1.2 frees a toast twice when it is dismissed while it still slides in (seen
 * under MALLOC_PERTURB_): the links tests run as for a user who turned animations off. */
static void
dismiss_refusal (Fixture *fixture)
{
  g_assert_false (tts_test_get_boolean (gtk_widget_get_settings (GTK_WIDGET (fixture->window)),
                                        "gtk-enable-animations"));
  tts_test_press (tts_test_find_button (GTK_WIDGET (fixture->window), "Dismiss"));
  tts_test_window_wait_until (fixture, refusal_gone, "the toast to go");
}

static void
record_open_cb (TtsSigninPage *page,
                const char    *uri,
                gpointer       user_data)
{
  Links *links = user_data;

  g_test_message ("Handed to the browser: %s", uri);
  g_ptr_array_add (links->opened, g_strdup (uri));
}

static guint
n_toplevels (void)
{
  return g_list_model_get_n_items (gtk_window_get_toplevels ());
}

/* The sign-in page, then the fake's /links.html with @body_html, reached from there by
 * a script on the same site. links->other must be up already. */
static void
links_set_up (Links      *links,
              Fixture    *fixture,
              const char *body_html)
{
  links->fixture = fixture;
  links->opened = g_ptr_array_new_with_free_func (g_free);
  links->toplevels = n_toplevels ();
  g_object_set (gtk_widget_get_settings (GTK_WIDGET (fixture->window)),
                "gtk-enable-animations", FALSE, NULL);
  tts_signin_page_set_open_func (signin_page (fixture), record_open_cb, links);
  tts_fake_tastytrade_add_page (fixture->fake, "/links.html", "Help and links", body_html);

  start_sign_in (fixture);
  tts_test_window_wait_for_first_page (fixture, "/auth.html");
  tts_test_window_run_script (fixture, "location.href = '/links.html';");
  tts_test_window_wait_for_page (fixture, "/links.html");
  g_assert_false (refusal_shown (fixture));
}

static void
links_tear_down (Links *links)
{
  tts_signin_page_set_open_func (signin_page (links->fixture), NULL, NULL);
  gtk_settings_reset_property (gtk_widget_get_settings (GTK_WIDGET (links->fixture->window)),
                               "gtk-enable-animations");
  g_clear_pointer (&links->other, other_site_free);
  g_clear_pointer (&links->opened, g_ptr_array_unref);
}

static Links *current_links;
static guint expected_opened;

/* Something happened: a refusal, a hand-off, a request elsewhere, or a new window. */
static gboolean
link_outcome (Fixture *fixture)
{
  Links *links = current_links;

  return refusal_shown (fixture) ||
         links->opened->len > expected_opened ||
         links->other->paths->len > 0 ||
         n_toplevels () != links->toplevels;
}

/* The view is still on @path of the fake, and nothing else was asked of the other site. */
static void
assert_still_on (Links      *links,
                 const char *path)
{
  Fixture *fixture = links->fixture;
  g_autoptr(GUri) uri = g_uri_parse (webkit_web_view_get_uri (fixture->web_view), G_URI_FLAGS_NONE, NULL);

  g_autofree char *shown = tts_test_visible_text (GTK_WIDGET (signin_page (fixture)));

  g_assert_nonnull (uri);
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  g_assert_cmpint (g_uri_get_port (uri), ==, (int) tts_fake_tastytrade_get_port (fixture->fake));
  g_assert_cmpstr (g_uri_get_path (uri), ==, path);
  g_assert_nonnull (strstr (shown, "You are signing in at 127.0.0.1\n"));
  g_assert_cmpuint (n_toplevels (), ==, links->toplevels);
}

/* Clicks element @id of the page; it must be refused (@handed_to NULL) or handed to the
 * browser as @handed_to, never loaded in the view, with no request to the other site. */
static void
click (Links      *links,
       const char *id,
       const char *handed_to)
{
  g_autofree char *script = g_strdup_printf ("document.getElementById('%s').click();", id);
  g_autofree char *text = NULL;

  g_test_message ("Clicking #%s", id);
  current_links = links;
  expected_opened = links->opened->len;
  tts_test_window_run_script (links->fixture, script);
  tts_test_window_wait_until (links->fixture, link_outcome, id);

  g_assert_cmpuint (links->other->paths->len, ==, 0);
  text = tts_test_visible_text (GTK_WIDGET (links->fixture->window));
  if (handed_to != NULL)
    {
      g_assert_cmpuint (links->opened->len, ==, expected_opened + 1);
      g_assert_cmpstr (g_ptr_array_index (links->opened, expected_opened), ==, handed_to);
      g_assert_false (refusal_shown (links->fixture));
    }
  else
    {
      /* The user is told, with the site's name. */
      g_assert_cmpuint (links->opened->len, ==, expected_opened);
      g_assert_nonnull (strstr (text, NOT_OPENED));
    }
  assert_still_on (links, "/links.html");
  if (handed_to == NULL)
    dismiss_refusal (links->fixture);
}

static char *
links_page (guint other_port)
{
  return g_strdup_printf ("<p><a id=\"other\" href=\"http://127.0.0.2:%u/link\">Another site</a></p>\n"
                          "<p><a id=\"secure\" href=\"" ELSEWHERE "/terms\">Terms</a></p>\n"
                          "<p><a id=\"blank\" target=\"_blank\" href=\"http://127.0.0.2:%u/blank\">New window</a></p>\n"
                          "<p><a id=\"blank-secure\" target=\"_blank\" href=\"" ELSEWHERE "/help\">Help</a></p>\n"
                          "<button id=\"popup\" type=\"button\" "
                          "onclick=\"window.open('http://127.0.0.2:%u/popup')\">Popup</button>\n"
                          "<button id=\"popup-secure\" type=\"button\" "
                          "onclick=\"window.open('" ELSEWHERE "/popup')\">Secure popup</button>\n"
                          "<form method=\"post\" action=\"http://127.0.0.2:%u/form\">\n"
                          "<input name=\"password\" type=\"password\" value=\"typed here\">\n"
                          "<button id=\"send\" type=\"submit\">Send elsewhere</button>\n"
                          "</form>\n",
                          other_port, other_port, other_port, other_port);
}

static void
test_links_leave_the_view (Fixture       *fixture,
                           gconstpointer  data)
{
  Links links = { 0 };
  g_autofree char *html = NULL;

  links.other = other_site_new (NULL);
  html = links_page (links.other->port);
  links_set_up (&links, fixture, html);

  click (&links, "other", NULL);
  click (&links, "secure", ELSEWHERE "/terms");
  click (&links, "blank", NULL);
  click (&links, "blank-secure", ELSEWHERE "/help");
  click (&links, "popup", NULL);
  click (&links, "popup-secure", ELSEWHERE "/popup");
  click (&links, "send", NULL);

  /* The page is still there to use. */
  tts_test_window_wait_for_script (fixture, "document.title === 'Help and links'");
  links_tear_down (&links);
}

static guint loads_before;

static gboolean
script_outcome (Fixture *fixture)
{
  return refusal_shown (fixture) || fixture->loads_finished > loads_before;
}

/* A script's navigation cannot be told from a frame's before the request (WebKitGTK does
 * not say which frame navigates); it is stopped when the answer arrives, before anything
 * of it shows. */
static void
test_script_navigation_stopped (Fixture       *fixture,
                                gconstpointer  data)
{
  Links links = { 0 };
  g_autofree char *script = NULL;
  g_autofree char *text = NULL;

  links.other = other_site_new (NULL);
  links_set_up (&links, fixture, "<p>Nothing here.</p>\n");
  script = g_strdup_printf ("location.href = 'http://127.0.0.2:%u/script';", links.other->port);

  current_links = &links;
  loads_before = fixture->loads_finished;
  tts_test_window_run_script (fixture, script);
  /* The refusal comes after the request: wait for it, or for the page that got through. */
  tts_test_window_wait_until (fixture, script_outcome, "the scripted navigation");
  text = tts_test_visible_text (GTK_WIDGET (fixture->window));
  g_assert_nonnull (strstr (text, NOT_OPENED));

  g_assert_cmpuint (links.other->paths->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (links.other->paths, 0), ==, "/script");
  g_assert_cmpuint (links.opened->len, ==, 0);
  drain_main_context ();
  assert_still_on (&links, "/links.html");
  tts_test_window_wait_for_script (fixture, "document.title === 'Help and links'");
  links_tear_down (&links);
}

/* Frames are left alone: tastytrade's real page may embed a third party's (a captcha). */
static void
test_third_party_frame_loads (Fixture       *fixture,
                              gconstpointer  data)
{
  Links links = { 0 };
  g_autofree char *script = NULL;

  links.other = other_site_new (NULL);
  links_set_up (&links, fixture, "<p>Nothing here.</p>\n");
  script = g_strdup_printf ("var frame = document.createElement('iframe');"
                            "frame.onload = function () { document.body.dataset.framed = 'yes'; };"
                            "frame.src = 'http://127.0.0.2:%u/captcha';"
                            "document.body.appendChild(frame);",
                            links.other->port);
  tts_test_window_run_script (fixture, script);
  tts_test_window_wait_for_script (fixture, "document.body.dataset.framed === 'yes'");

  g_assert_cmpuint (links.other->paths->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (links.other->paths, 0), ==, "/captcha");
  g_assert_false (refusal_shown (fixture));
  g_assert_cmpuint (links.opened->len, ==, 0);
  assert_still_on (&links, "/links.html");
  links_tear_down (&links);
}

/* The authorization page itself sends the view elsewhere: nothing of it shows, and the
 * user is told instead of looking at a blank page. */
static void
test_sign_in_page_sent_elsewhere (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(OtherSite) site = other_site_new (NULL);
  g_autofree char *auth_uri = g_strdup_printf ("http://127.0.0.2:%u/auth.html", site->port);
  g_autofree char *elsewhere = g_strdup_printf ("%s/elsewhere", tts_fake_tastytrade_get_api_uri (fixture->fake));

  g_hash_table_insert (site->redirects, g_strdup ("/auth.html"), g_strdup (elsewhere));
  tts_test_window_release_window (fixture);
  tts_test_window_open_window (fixture, auth_uri);

  start_sign_in (fixture);
  assert_failure_shown (fixture, TTS_ERROR_PAGE_LOAD_FAILED,
                        "The sign-in page sent this window to 127.0.0.1, which is not part of the sign-in");
  /* The request went out (the answer is what tells the main frame apart), nothing showed. */
  g_assert_nonnull (tts_fake_tastytrade_get_last_request (fixture->fake, "/elsewhere"));
  g_assert_cmpstr (webkit_web_view_get_uri (fixture->web_view), !=, elsewhere);
  assert_port_free (fixture);
}

/* ---- 3b. what the sign-in page and its frames may not do ---- */

/* The home folder main() gave this test program. */
static char *test_home;

#define DOWNLOAD_TOAST "The sign-in page tried to download a file. Nothing was saved."
#define EVIL_DESKTOP   "[Desktop Entry]\nType=Application\nName=Evil\nExec=false\n"

/* The downloads WebKit started in the view's session, seen by an emission hook, which runs
 * before the page's own handlers, so none of their signals is missed. */
typedef struct
{
  GPtrArray *items;             /* WebKitDownload */
  guint      ended;
  guint      cancelled;
} Downloads;

static const char *
download_uri (WebKitDownload *download)
{
  return webkit_uri_request_get_uri (webkit_download_get_request (download));
}

static void
download_failed_cb (WebKitDownload *download,
                    GError         *error,
                    Downloads      *downloads)
{
  g_test_message ("Download of %s failed: %s", download_uri (download), error->message);
  if (g_error_matches (error, WEBKIT_DOWNLOAD_ERROR, WEBKIT_DOWNLOAD_ERROR_CANCELLED_BY_USER))
    downloads->cancelled++;
}

static void
download_finished_cb (WebKitDownload *download,
                      Downloads      *downloads)
{
  g_test_message ("Download of %s ended, destination %s", download_uri (download),
                  webkit_download_get_destination (download));
  downloads->ended++;
}

static gboolean
download_started_hook (GSignalInvocationHint *hint,
                       guint                  n_params,
                       const GValue          *params,
                       gpointer               user_data)
{
  Downloads *downloads = user_data;
  WebKitDownload *download = g_value_get_object (&params[1]);

  g_test_message ("Download started: %s", download_uri (download));
  g_ptr_array_add (downloads->items, g_object_ref (download));
  g_signal_connect (download, "failed", G_CALLBACK (download_failed_cb), downloads);
  g_signal_connect (download, "finished", G_CALLBACK (download_finished_cb), downloads);

  return TRUE;
}

static Downloads *current_downloads;

static gboolean
link_download_started (Fixture *fixture)
{
  for (guint i = 0; i < current_downloads->items->len; i++)
    {
      if (g_str_has_suffix (download_uri (g_ptr_array_index (current_downloads->items, i)),
                            "/saver.html"))
        return TRUE;
    }

  return FALSE;
}

static gboolean
downloads_ended (Fixture *fixture)
{
  return current_downloads->ended == current_downloads->items->len;
}

/* Every file or folder under @path whose name has @part in it (WebKit's partial files too). */
static void
find_named (const char *path,
            const char *part,
            GPtrArray  *found)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (strstr (name, part) != NULL)
        g_ptr_array_add (found, g_steal_pointer (&child));
      else if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
               !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        find_named (child, part, found);
    }
}

/* Once every download that started has ended: nothing of them is in the home folder, and
 * the Downloads folder is empty. */
static void
assert_nothing_saved (Fixture *fixture)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;

  tts_test_window_wait_until (fixture, downloads_ended, "the downloads to end");
  find_named (test_home, "evil", found);
  for (guint i = 0; i < found->len; i++)
    g_test_message ("Saved: %s", (const char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);

  dir = g_dir_open (g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD), 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

/* Frames of another site answer with attachments (as text, as a page, as a type the view
 * cannot show), and a frame of tastytrade's own site clicks a link with a download
 * attribute, which never gets a response decision: nothing is saved, the user is told
 * once, and the sign-in goes on to the end. */
static void
test_downloads_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(OtherSite) site = other_site_new (NULL);
  g_autofree char *downloads_dir = g_build_filename (test_home, "Downloads", NULL);
  g_autofree char *frames = NULL;
  guint signal_id = g_signal_lookup ("download-started", WEBKIT_TYPE_NETWORK_SESSION);
  Downloads downloads = { 0 };
  guint hook;

  /* Where WebKit would save: the test's own home and Downloads folder. */
  g_assert_cmpstr (g_get_home_dir (), ==, test_home);
  g_assert_cmpstr (g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD), ==, downloads_dir);

  other_site_add (site, "/evil.desktop", "text/plain", "attachment; filename=evil.desktop",
                  EVIL_DESKTOP);
  other_site_add (site, "/evil-page", "text/html", "Attachment; filename=\"evil-page.desktop\"",
                  EVIL_DESKTOP);
  other_site_add (site, "/evil-type", "application/x-desktop",
                  "attachment; filename=evil-type.desktop", EVIL_DESKTOP);
  tts_fake_tastytrade_add_page (fixture->fake, "/saver.html", "Saver",
                                "<a id=\"save\" download=\"evil-link.desktop\" "
                                "href=\"/saver.html\">Save</a>\n"
                                "<script>document.getElementById('save').click();</script>\n");
  frames = g_strdup_printf ("<iframe src=\"http://127.0.0.2:%u/evil.desktop\"></iframe>\n"
                            "<iframe src=\"http://127.0.0.2:%u/evil-page\"></iframe>\n"
                            "<iframe src=\"http://127.0.0.2:%u/evil-type\"></iframe>\n"
                            "<iframe src=\"/saver.html\"></iframe>\n",
                            site->port, site->port, site->port);
  tts_fake_tastytrade_set_login_extra (fixture->fake, frames);

  downloads.items = g_ptr_array_new_with_free_func (g_object_unref);
  current_downloads = &downloads;
  hook = g_signal_add_emission_hook (signal_id, 0, download_started_hook, &downloads, NULL);

  start_sign_in (fixture);
  /* The page's load ends once every frame's answer was decided. */
  tts_test_window_wait_for_first_page (fixture, "/auth.html");
  tts_test_window_wait_until (fixture, link_download_started, "the link's download to start");
  assert_nothing_saved (fixture);
  g_assert_cmpuint (other_site_count (site, "/evil.desktop"), ==, 1);
  g_assert_cmpuint (other_site_count (site, "/evil-page"), ==, 1);
  g_assert_cmpuint (other_site_count (site, "/evil-type"), ==, 1);
  /* Each attachment was refused before it became a download (WebKit would have started
   * one for each); the link's download was cancelled as it started. The user hears of it. */
  g_assert_cmpuint (downloads.items->len, ==, 1);
  g_assert_cmpuint (downloads.cancelled, ==, 1);
  tts_test_window_wait_for_toast (fixture, DOWNLOAD_TOAST);

  /* The sign-in goes on, and nothing turns up later either. */
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
  assert_nothing_saved (fixture);
  g_assert_cmpuint (downloads.cancelled, ==, downloads.items->len);

  g_signal_remove_emission_hook (signal_id, hook);
  for (guint i = 0; i < downloads.items->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (downloads.items, i), &downloads);
  current_downloads = NULL;
  g_ptr_array_unref (downloads.items);
}

typedef struct
{
  gboolean  done;
  char     *text;
} StringResult;

static void
string_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  StringResult *string_result = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source),
                                                                          result, &error);

  g_assert_no_error (error);
  string_result->text = jsc_value_to_string (value);
  string_result->done = TRUE;
}

/* What @script evaluates to in the page, as a string. */
static char *
script_string (Fixture    *fixture,
               const char *script)
{
  StringResult result = { FALSE, NULL };

  webkit_web_view_evaluate_javascript (fixture->web_view, script, -1, NULL, NULL, NULL,
                                       string_done_cb, &result);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);

  return result.text;
}

/* Connected after the page's own handler: it runs only for requests the page left to
 * WebKit's defaults, and leaves them to those too. */
static gboolean
permission_request_unanswered_cb (WebKitWebView           *web_view,
                                  WebKitPermissionRequest *request,
                                  guint                   *unanswered)
{
  g_test_message ("Left to WebKit: %s", G_OBJECT_TYPE_NAME (request));
  (*unanswered)++;

  return FALSE;
}

static gboolean
permission_request_hook (GSignalInvocationHint *hint,
                         guint                  n_params,
                         const GValue          *params,
                         gpointer               user_data)
{
  guint *asked = user_data;

  g_test_message ("The page asks: %s", G_OBJECT_TYPE_NAME (g_value_get_object (&params[1])));
  (*asked)++;

  return TRUE;
}

/* What the sign-in page asks for, and what it is answered. */
static const char ask_script[] =
  "var answers = window.ttsAnswers = {};"
  "navigator.geolocation.getCurrentPosition("
  "  function () { answers.geolocation = 'granted'; },"
  "  function (e) {"
  "    answers.geolocation = e.code === e.PERMISSION_DENIED ? 'denied' : 'error ' + e.code; });"
  "document.addEventListener('pointerlockchange', function () {"
  "  answers.pointer = document.pointerLockElement ? 'locked' : 'unlocked'; });"
  "document.addEventListener('pointerlockerror', function () { answers.pointer = 'denied'; });"
  "var lock = document.body.requestPointerLock();"
  "if (lock && lock.catch) lock.catch(function () {});"
  "navigator.clipboard.readText().then(function () { answers.clipboard = 'read'; },"
  "                                    function (e) { answers.clipboard = e.name; });"
  "Notification.requestPermission().then(function (p) { answers.notifications = p; });"
  "navigator.permissions.query({ name: 'geolocation' })"
  "  .then(function (s) { answers.query = s.state; });";

/* The sign-in page asks for the user's location, the pointer (which WebKit would grant by
 * itself), the clipboard and notifications: the program denies each request itself, and
 * the sign-in goes on. */
static void
test_permissions_denied (Fixture       *fixture,
                         gconstpointer  data)
{
  guint signal_id = g_signal_lookup ("permission-request", WEBKIT_TYPE_WEB_VIEW);
  g_autofree char *answers = NULL;
  guint asked = 0;
  guint unanswered = 0;
  gulong handler;
  guint hook;

  hook = g_signal_add_emission_hook (signal_id, 0, permission_request_hook, &asked, NULL);
  handler = g_signal_connect (fixture->web_view, "permission-request",
                              G_CALLBACK (permission_request_unanswered_cb), &unanswered);
  start_sign_in (fixture);
  tts_test_window_wait_for_first_page (fixture, "/auth.html");

  tts_test_window_run_script (fixture, ask_script);
  tts_test_window_wait_for_script (fixture,
                                   "['geolocation', 'pointer', 'clipboard', 'notifications',"
                                   " 'query'].every(function (k) { return k in ttsAnswers; })");
  answers = script_string (fixture,
                           "[ttsAnswers.geolocation, ttsAnswers.pointer, ttsAnswers.clipboard,"
                           " ttsAnswers.notifications, ttsAnswers.query].join(' ')");
  g_assert_cmpstr (answers, ==, "denied denied NotAllowedError denied denied");

  /* Every request that reached the program was answered by it (the page's handler stopped
   * the signal), not by WebKit's defaults. */
  g_assert_cmpuint (asked, >=, 2);
  g_assert_cmpuint (unanswered, ==, 0);
  g_signal_remove_emission_hook (signal_id, hook);
  g_signal_handler_disconnect (fixture->web_view, handler);

  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
}

/* Navigations to a redirect URI with a state that is not ours, seen before the page's own
 * decision (an emission hook runs before the handlers). */
static gboolean
forged_navigation_hook (GSignalInvocationHint *hint,
                        guint                  n_params,
                        const GValue          *params,
                        gpointer               user_data)
{
  guint *seen = user_data;
  WebKitPolicyDecision *decision = g_value_get_object (&params[1]);
  WebKitNavigationAction *action;
  const char *uri;

  if (g_value_get_enum (&params[2]) != WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION)
    return TRUE;

  action = webkit_navigation_policy_decision_get_navigation_action (
    WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));
  if (strstr (uri, "state=WRONG") != NULL)
    {
      g_test_message ("Forged answer: %s", uri);
      (*seen)++;
    }

  return TRUE;
}

static guint forged_seen;

static gboolean
both_forgeries_seen (Fixture *fixture)
{
  return forged_seen >= 2;
}

/* A frame of another site on the sign-in page sends its own answer to the redirect URI,
 * with a state that is not ours, by script and by a server redirect: both are blocked and
 * ignored, as the listener ignores them, and the user's sign-in goes on to the end. */
static void
test_frame_forges_the_answer (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(OtherSite) site = other_site_new (NULL);
  guint signal_id = g_signal_lookup ("decide-policy", WEBKIT_TYPE_WEB_VIEW);
  g_autofree char *script_page = NULL;
  g_autofree char *frames = NULL;
  g_autoptr(GUri) shown = NULL;
  GPtrArray *requests;
  guint hook;

  script_page = g_strdup_printf ("<!DOCTYPE html><title>Captcha</title><script>"
                                 "location.href = '%s/?code=forged-by-script&state=WRONG';"
                                 "</script>",
                                 fixture->redirect_uri);
  other_site_add (site, "/forge.html", "text/html", NULL, script_page);
  g_hash_table_insert (site->redirects, g_strdup ("/forge-redirect"),
                       g_strdup_printf ("%s/?code=forged-by-redirect&state=WRONG",
                                        fixture->redirect_uri));
  frames = g_strdup_printf ("<iframe src=\"http://127.0.0.2:%u/forge.html\"></iframe>\n"
                            "<iframe src=\"http://127.0.0.2:%u/forge-redirect\"></iframe>\n",
                            site->port, site->port);
  tts_fake_tastytrade_set_login_extra (fixture->fake, frames);

  forged_seen = 0;
  hook = g_signal_add_emission_hook (signal_id, 0, forged_navigation_hook, &forged_seen, NULL);
  start_sign_in (fixture);
  tts_test_window_wait_until (fixture, both_forgeries_seen, "both forged answers");
  g_signal_remove_emission_hook (signal_id, hook);
  drain_main_context ();

  /* Still waiting for the user, on tastytrade's page. */
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  g_assert_null (tts_flow_get_error (fixture->flow));
  g_assert_null (tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token"));
  shown = g_uri_parse (webkit_web_view_get_uri (fixture->web_view), G_URI_FLAGS_NONE, NULL);
  g_assert_cmpstr (g_uri_get_path (shown), ==, "/auth.html");

  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
  /* Only the real code went to the token endpoint. */
  requests = tts_fake_tastytrade_get_requests (fixture->fake);
  for (guint i = 0; i < requests->len; i++)
    {
      TtsFakeRequest *request = g_ptr_array_index (requests, i);
      const char *code = g_hash_table_lookup (request->params, "code");

      g_assert_true (code == NULL || !g_str_has_prefix (code, "forged"));
    }
  g_assert_cmpuint (other_site_count (site, "/forge.html"), ==, 1);
  g_assert_cmpuint (other_site_count (site, "/forge-redirect"), ==, 1);
}

/* Counts the emissions of a web view's signal, before any handler runs. */
static gboolean
count_emission_hook (GSignalInvocationHint *hint,
                     guint                  n_params,
                     const GValue          *params,
                     gpointer               user_data)
{
  guint *count = user_data;

  g_test_message ("The view emits %s", g_signal_name (hint->signal_id));
  (*count)++;

  return TRUE;
}

static guint emissions;

static gboolean
emitted (Fixture *fixture)
{
  return emissions > 0;
}

/* WebKit's password prompt is made of widgets inside the view, over the page: the view shows
 * no words and no field of its own, only the page. */
static void
assert_nothing_over_the_page (Fixture *fixture)
{
  g_autofree char *text = tts_test_visible_text (GTK_WIDGET (fixture->web_view));

  g_test_message ("Over the page: “%s”", text);
  g_assert_cmpstr (text, ==, "");
  g_assert_null (tts_test_find_widget (GTK_WIDGET (fixture->web_view), GTK_TYPE_EDITABLE));
}

/* A frame of another site on the sign-in page asks for a user name and password (HTTP
 * authentication): WebKit would ask in a prompt of its own over tastytrade's page, where
 * it looks like part of the sign-in. It is cancelled unseen, nothing is sent, and the
 * sign-in goes on. */
static void
test_frame_asks_for_password (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(OtherSite) site = other_site_new (NULL);
  guint signal_id = g_signal_lookup ("authenticate", WEBKIT_TYPE_WEB_VIEW);
  g_autofree char *frames = NULL;
  guint hook;

  g_hash_table_insert (site->challenges, g_strdup ("/protected"),
                       g_strdup ("tastytrade sign-in: enter your password again"));
  frames = g_strdup_printf ("<iframe src=\"http://127.0.0.2:%u/protected\"></iframe>\n", site->port);
  tts_fake_tastytrade_set_login_extra (fixture->fake, frames);

  emissions = 0;
  hook = g_signal_add_emission_hook (signal_id, 0, count_emission_hook, &emissions, NULL);
  start_sign_in (fixture);
  tts_test_window_wait_until (fixture, emitted, "the frame's request for a password");
  g_signal_remove_emission_hook (signal_id, hook);
  drain_main_context ();
  assert_nothing_over_the_page (fixture);

  /* Cancelled: the frame's load ends, and with it the page's. */
  tts_test_window_wait_for_first_page (fixture, "/auth.html");
  assert_nothing_over_the_page (fixture);
  g_assert_cmpuint (emissions, ==, 1);
  g_assert_cmpuint (other_site_count (site, "/protected"), ==, 1);
  g_assert_cmpuint (site->credentials, ==, 0);

  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_AUTHORIZING);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
  g_assert_cmpuint (site->credentials, ==, 0);
}

/* The sign-in page itself asks for a password that way, before anything of it showed: no
 * prompt, and the user is told instead of looking at a blank page. */
static void
test_sign_in_page_asks_for_password (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(OtherSite) site = other_site_new (NULL);
  g_autofree char *auth_uri = g_strdup_printf ("http://127.0.0.2:%u/auth.html", site->port);

  g_hash_table_insert (site->challenges, g_strdup ("/auth.html"), g_strdup ("tastytrade"));
  tts_test_window_release_window (fixture);
  tts_test_window_open_window (fixture, auth_uri);

  start_sign_in (fixture);
  assert_failure_shown (fixture, TTS_ERROR_PAGE_LOAD_FAILED,
                        "127.0.0.2 asked for a user name and password in a prompt of its own");
  assert_nothing_over_the_page (fixture);
  g_assert_cmpuint (site->credentials, ==, 0);
  assert_port_free (fixture);
}

/* Real pointer input through the X server (XTEST), as a mouse sends it: what a page counts
 * as the user's own doing. */
static Display *
x_display (GtkWidget *widget)
{
  return gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
}

/* The pointer moves to the middle of @widget. */
static void
point_at_middle_of (GtkWidget *widget,
                    int        offset)
{
  GtkNative *native = gtk_widget_get_native (widget);
  Display *display = x_display (widget);
  graphene_point_t middle = GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0f,
                                                 gtk_widget_get_height (widget) / 2.0f);
  graphene_point_t in_native;
  double dx, dy;
  int x, y;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &middle, &in_native));
  gtk_native_get_surface_transform (native, &dx, &dy);
  XTranslateCoordinates (display, gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                         DefaultRootWindow (display),
                         (int) (in_native.x + dx), (int) (in_native.y + dy), &x, &y, &child);
  XTestFakeMotionEvent (display, -1, x + offset, y + offset, CurrentTime);
  XFlush (display);
}

static gboolean
expired_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Moves the pointer into the middle of the view until the frame there says it felt it: a
 * move may come before WebKit can hit the new frame (or to where the pointer already is,
 * which makes no event), so each look moves it a pixel. */
static void
point_into_frame (Fixture *fixture)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add_seconds (30, expired_cb, &expired);

  for (int i = 0; !expired; i++)
    {
      g_autofree char *said = NULL;

      point_at_middle_of (GTK_WIDGET (fixture->web_view), i % 2);
      said = script_string (fixture, "document.body.dataset.frame");
      if (said != NULL && strstr (said, "pointer") != NULL)
        {
          g_source_remove (guard);
          return;
        }
    }

  g_error ("The frame never felt the pointer");
}

/* The pointer's first button goes down where the pointer is. */
static void
press_pointer_button (GtkWidget *widget)
{
  Display *display = x_display (widget);

  XTestFakeButtonEvent (display, 1, True, CurrentTime);
  XTestFakeButtonEvent (display, 1, False, CurrentTime);
  XFlush (display);
}

/* The frame: pressed, it asks to fill the screen; it tells the page what came of it. */
static const char fullscreen_frame[] =
  "<!DOCTYPE html><title>Video</title>"
  "<body style=\"margin: 0; height: 100vh\"><p>A video: click to watch.</p><script>"
  "function tell (answer) { parent.postMessage(answer, '*'); }"
  "document.addEventListener('fullscreenchange', function () {"
  "  tell(document.fullscreenElement ? 'fullscreen' : 'left fullscreen'); });"
  "document.addEventListener('fullscreenerror', function () { tell('refused'); });"
  "document.addEventListener('mousemove', function () { tell('pointer'); }, { once: true });"
  "document.addEventListener('mousedown', function () {"
  "  if (!document.documentElement.requestFullscreen) { tell('refused: no full screen'); return; }"
  "  var asked = document.documentElement.requestFullscreen();"
  "  if (asked && asked.catch) asked.catch(function (e) { tell('refused: ' + e.message); });"
  "});"
  "tell('ready');"
  "</script></body>";

/* A frame of another site on the sign-in page asks to fill the screen when the user clicks
 * it (where it could draw a sign-in of its own over everything, the window's "You are
 * signing in at" line too): refused, and the window stays as it was. */
static void
test_frame_fullscreen_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(OtherSite) site = other_site_new (NULL);
  g_autofree char *frames = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *shown = NULL;

  other_site_add (site, "/video.html", "text/html", NULL, fullscreen_frame);
  /* The frame covers the view, wherever the pointer is. */
  frames = g_strdup_printf ("<iframe allowfullscreen src=\"http://127.0.0.2:%u/video.html\" "
                            "style=\"position: fixed; left: 0; top: 0; width: 100%%; "
                            "height: 100%%; border: 0; background: white\"></iframe>\n"
                            "<script>window.addEventListener('message', function (e) {"
                            "  document.body.dataset.frame = (document.body.dataset.frame || '') +"
                            "                                e.data + '; '; });</script>\n",
                            site->port);
  tts_fake_tastytrade_set_login_extra (fixture->fake, frames);

  start_sign_in (fixture);
  tts_test_window_wait_for_first_page (fixture, "/auth.html");
  tts_test_window_wait_for_script (fixture, "document.body.dataset.frame === 'ready; '");
  point_into_frame (fixture);

  press_pointer_button (GTK_WIDGET (fixture->web_view));
  tts_test_window_wait_for_script (fixture, "/refused|fullscreen/.test(document.body.dataset.frame)");
  answer = script_string (fixture, "document.body.dataset.frame");
  g_test_message ("The frame says: %s", answer);

  /* Neither the frame nor the window fills anything. */
  g_assert_nonnull (strstr (answer, "refused"));
  g_assert_null (strstr (answer, "fullscreen"));
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (fixture->window)));
  shown = tts_test_visible_text (GTK_WIDGET (signin_page (fixture)));
  g_assert_nonnull (strstr (shown, "You are signing in at 127.0.0.1\n"));

  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
}

/* ---- 4. TLS failure in the web view ---- */

static void
test_tls_failure (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *cert = g_test_build_filename (G_TEST_DIST, "tls", "test-cert.pem", NULL);
  g_autofree char *key = g_test_build_filename (G_TEST_DIST, "tls", "test-key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(OtherSite) site = NULL;
  g_autofree char *auth_uri = NULL;
  g_autoptr(GError) error = NULL;

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  /* Port 0 may hand out the redirect port: chosen free in set_up(), bound only later. */
  while ((site = other_site_new (certificate))->port == fixture->redirect_port)
    g_clear_pointer (&site, other_site_free);
  auth_uri = g_strdup_printf ("https://127.0.0.1:%u/auth.html", site->port);
  tts_test_window_release_window (fixture);
  tts_test_window_open_window (fixture, auth_uri);

  /* No setting anywhere to let a bad certificate through. */
  g_assert_cmpint (webkit_network_session_get_tls_errors_policy (webkit_web_view_get_network_session (fixture->web_view)),
                   ==, WEBKIT_TLS_ERRORS_POLICY_FAIL);

  start_sign_in (fixture);
  /* WebKit's network process sometimes reports the handshake failure as a cancelled load
   * (seen about once in 30 runs, on the first attempt as on later ones): that is refused
   * too, with its own sentence. What matters is that nothing gets through. */
  tts_test_window_wait_until (fixture, tts_test_window_flow_failed, "the flow to fail");
  if (g_error_matches (tts_flow_get_error (fixture->flow), TTS_ERROR, TTS_ERROR_TLS))
    assert_failure_shown (fixture, TTS_ERROR_TLS, "The identity of 127.0.0.1 could not be verified");
  else
    assert_failure_shown (fixture, TTS_ERROR_PAGE_LOAD_FAILED, "The sign-in page could not be loaded");
  assert_port_free (fixture);
  /* WebKit sent no request over the connection it did not trust. */
  g_assert_cmpuint (site->paths->len, ==, 0);

  /* Trying again cannot get past it either. */
  tts_test_window_activate_primary (fixture);
  tts_test_window_wait_until (fixture, tts_test_window_flow_failed, "the flow to fail again");
  error = g_error_copy (tts_flow_get_error (fixture->flow));
  g_test_message ("Again: %s", error->message);
  g_assert_true (g_error_matches (error, TTS_ERROR, TTS_ERROR_TLS) ||
                 g_error_matches (error, TTS_ERROR, TTS_ERROR_PAGE_LOAD_FAILED));
  g_assert_cmpuint (site->paths->len, ==, 0);
}

/* ---- 5. cancelled or closed in the middle of the exchange ---- */

#define OLD_SECRETS "# mine\nOTHER=1\n"

static gboolean
exchange_held (Fixture *fixture)
{
  return tts_fake_tastytrade_get_held (fixture->fake, "/oauth/token") > 0;
}

/* Signs in while tastytrade holds the token request: the flow waits in EXCHANGING. */
static void
sign_in_until_exchange_held (Fixture *fixture)
{
  g_autofree char *path = secrets_path (fixture);

  g_assert_true (g_file_set_contents (path, OLD_SECRETS, -1, NULL));
  tts_fake_tastytrade_hold (fixture->fake, "/oauth/token");

  start_sign_in (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_wait_until (fixture, exchange_held, "the fake to hold the token request");
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_EXCHANGING);
}

static guint token_answers;

static void
request_finished_cb (TtsFakeTastytrade *fake,
                     TtsFakeRequest    *request,
                     gpointer           user_data)
{
  if (g_strcmp0 (request->path, "/oauth/token") == 0)
    token_answers++;
}

static gboolean
token_answered (Fixture *fixture)
{
  return token_answers > 0;
}

/* tastytrade answers the held exchange at last; nobody is listening for it any more. */
static void
release_exchange (Fixture *fixture)
{
  guint requests = tts_fake_tastytrade_get_requests (fixture->fake)->len;
  gulong handler;

  token_answers = 0;
  handler = g_signal_connect (fixture->fake, "request-finished", G_CALLBACK (request_finished_cb), NULL);
  tts_fake_tastytrade_release (fixture->fake, "/oauth/token");
  tts_test_window_wait_until (fixture, token_answered, "the held exchange to be answered");
  g_signal_handler_disconnect (fixture->fake, handler);
  drain_main_context ();

  /* The code was exchanged, and nothing followed it: no refresh, no accounts. */
  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture->fake)->len, ==, requests + 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token")->status, ==, 200);
}

static void
test_cancel_mid_exchange (Fixture       *fixture,
                          gconstpointer  data)
{
  sign_in_until_exchange_held (fixture);
  /* A wait that lasts gets the progress page, with Cancel. */
  tts_test_window_wait_until (fixture, progress_page_shown, "the progress page");

  /* Cancel (Escape) on the progress page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.back", NULL));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
  g_assert_true (tts_test_visible_page (fixture->window) ==
                 TTS_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE)));
  assert_port_free (fixture);
  assert_folder_untouched (fixture, OLD_SECRETS);

  release_exchange (fixture);
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
  assert_folder_untouched (fixture, OLD_SECRETS);
}

/* WebKit's live processes under this one (the web processes sit under bwrap when
 * sandboxed); an ended one not yet reaped (a zombie) does not count. */
static GArray *
webkit_processes (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GHashTable) parents = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) names = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  GArray *found = g_array_new (FALSE, FALSE, sizeof (int));
  GHashTableIter iter;
  gpointer key, value;
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *open_paren;
      const char *close_paren;
      char state;
      int ppid;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", entry);
      /* pid (comm) state ppid …; comm may hold spaces and parentheses. */
      if (!g_file_get_contents (path, &stat, NULL, NULL) ||
          (open_paren = strchr (stat, '(')) == NULL ||
          (close_paren = strrchr (stat, ')')) == NULL ||
          sscanf (close_paren + 1, " %c %d", &state, &ppid) != 2 ||
          state == 'Z')
        continue;

      g_hash_table_insert (parents, GINT_TO_POINTER (atoi (entry)), GINT_TO_POINTER (ppid));
      g_hash_table_insert (names, GINT_TO_POINTER (atoi (entry)),
                           g_strndup (open_paren + 1, close_paren - open_paren - 1));
    }

  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      int pid = GPOINTER_TO_INT (key);

      if (!g_str_has_prefix (value, "WebKit"))
        continue;
      for (int ancestor = pid; ancestor > 1;
           ancestor = GPOINTER_TO_INT (g_hash_table_lookup (parents, GINT_TO_POINTER (ancestor))))
        {
          if (ancestor == getpid ())
            {
              g_test_message ("WebKit process %d: %s", pid, (const char *) value);
              g_array_append_val (found, pid);
              break;
            }
        }
    }

  return found;
}

static gboolean
no_webkit_processes (Fixture *fixture)
{
  g_autoptr(GArray) processes = webkit_processes ();

  return processes->len == 0;
}

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_close_mid_exchange (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GArray) before = NULL;
  gboolean web_process = FALSE;
  guint wake;

  sign_in_until_exchange_held (fixture);
  before = webkit_processes ();
  for (guint i = 0; i < before->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/comm", g_array_index (before, int, i));
      g_autofree char *name = NULL;

      if (g_file_get_contents (path, &name, NULL, NULL) && g_str_has_prefix (name, "WebKitWebProces"))
        web_process = TRUE;
    }
  g_assert_true (web_process);

  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (fixture->window)));
  g_assert_cmpint (tts_flow_get_state (fixture->flow), ==, TTS_FLOW_STATE_IDLE);
  assert_port_free (fixture);
  assert_folder_untouched (fixture, OLD_SECRETS);

  /* The window is gone for good: the view's process pool (web processes, spare ones
   * included, and the network process) goes with it. Exits of sandboxed grandchildren do
   * not wake the main loop, so a slow tick re-reads /proc meanwhile. */
  tts_test_window_release_window (fixture);
  wake = g_timeout_add (50, wake_cb, NULL);
  tts_test_window_wait_until (fixture, no_webkit_processes, "WebKit's processes to end");
  g_source_remove (wake);

  release_exchange (fixture);
  assert_folder_untouched (fixture, OLD_SECRETS);

  /* tear_down() wants a window. */
  tts_test_window_open_window (fixture, NULL);
}

/* ---- 6. the new token fails verification ---- */

typedef struct
{
  guint         status;
  const char   *body;
  TtsErrorCode  code;
  const char   *sentence;
} VerificationFault;

static const VerificationFault unauthorized = {
  401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"Token is invalid or expired\"}}",
  TTS_ERROR_INVALID_GRANT, "tastytrade did not accept the access token.",
};

static const VerificationFault forbidden = {
  403, "{\"error\":{\"code\":\"forbidden\",\"message\":\"Scope does not permit this request\"}}",
  TTS_ERROR_FORBIDDEN, "tastytrade does not allow this token to read account data.",
};

static void
test_verification_fails (Fixture       *fixture,
                         gconstpointer  data)
{
  const VerificationFault *fault = data;
  TtsFakeRequest *accounts;

  tts_fake_tastytrade_fail_requests (fixture->fake, "/customers/me/accounts", 1,
                                     fault->status, "application/json", fault->body);
  start_sign_in (fixture);
  tts_test_window_sign_in_on_page (fixture);
  assert_failure_shown (fixture, fault->code, fault->sentence);

  /* The exchange and the refresh worked; the accounts said no; nothing was written. */
  accounts = tts_fake_tastytrade_get_last_request (fixture->fake, "/customers/me/accounts");
  g_assert_nonnull (accounts);
  g_assert_cmpuint (accounts->status, ==, fault->status);
  g_assert_cmpuint (tts_fake_tastytrade_get_last_request (fixture->fake, "/oauth/token")->status, ==, 200);
  assert_folder_untouched (fixture, NULL);

  try_again (fixture);
  tts_test_window_sign_in_on_page (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
}

/* The text of every label under @widget, shown or not, one per line. */
static char *
label_texts (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, widget);
  while (stack->len > 0)
    {
      GtkWidget *current = g_ptr_array_steal_index (stack, stack->len - 1);

      if (GTK_IS_LABEL (current))
        g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (current)));
      for (GtkWidget *child = gtk_widget_get_first_child (current);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        g_ptr_array_add (stack, child);
    }

  return g_string_free (text, FALSE);
}

/* Error messages can quote tastytrade's words: the page shows them as text, never markup. */
static void
test_error_text_is_not_markup (Fixture       *fixture,
                               gconstpointer  data)
{
  TtsProgressPage *page = progress_page (fixture);
  g_autoptr(GError) error = g_error_new_literal (TTS_ERROR, TTS_ERROR_AUTHORIZATION_FAILED,
                                                 "tastytrade said: “Fish & <b>chips</b>”.");
  g_autofree char *text = NULL;

  tts_progress_page_show (page, TTS_FLOW_STATE_FAILED, error);
  text = label_texts (GTK_WIDGET (page));
  g_assert_nonnull (strstr (text, "tastytrade said: “Fish & <b>chips</b>”."));
}

/* Caches and data stay where they were, so that only a download would land in the test's
 * home. */
static void
keep_user_dir (const char *variable,
               const char *real_home,
               const char *below_home)
{
  g_autofree char *path = NULL;

  if (g_getenv (variable) != NULL || real_home == NULL)
    return;
  path = g_build_filename (real_home, below_home, NULL);
  g_setenv (variable, path, TRUE);
}

/* A home folder of the test's own, with a Downloads folder, set before GLib or GTK look
 * it up: where WebKit would save a download. */
static char *
make_test_home (void)
{
  g_autoptr(GError) error = NULL;
  char *home = g_dir_make_tmp ("tts-home-XXXXXX", &error);
  const char *real_home = g_getenv ("HOME");
  g_autofree char *config = NULL;
  g_autofree char *downloads = NULL;
  g_autofree char *user_dirs = NULL;

  g_assert_no_error (error);
  keep_user_dir ("XDG_CACHE_HOME", real_home, ".cache");
  keep_user_dir ("XDG_DATA_HOME", real_home, ".local/share");
  keep_user_dir ("XDG_STATE_HOME", real_home, ".local/state");
  config = g_build_filename (home, ".config", NULL);
  downloads = g_build_filename (home, "Downloads", NULL);
  user_dirs = g_build_filename (config, "user-dirs.dirs", NULL);
  g_assert_cmpint (g_mkdir (config, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (downloads, 0700), ==, 0);
  g_assert_true (g_file_set_contents (user_dirs, "XDG_DOWNLOAD_DIR=\"$HOME/Downloads\"\n", -1,
                                      &error));
  g_assert_no_error (error);

  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);

  return home;
}

int
main (int   argc,
      char *argv[])
{
  int status;

  test_home = make_test_home ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func, data) \
  g_test_add ("/window-faults/" path, Fixture, data, tts_test_window_set_up, func, tts_test_window_tear_down)

  ADD ("web-process-crash", test_web_process_crash, NULL);
  ADD ("page-never-loads", test_page_never_loads, NULL);
  ADD ("links-leave-the-view", test_links_leave_the_view, NULL);
  ADD ("script-navigation-stopped", test_script_navigation_stopped, NULL);
  ADD ("third-party-frame-loads", test_third_party_frame_loads, NULL);
  ADD ("sign-in-page-sent-elsewhere", test_sign_in_page_sent_elsewhere, NULL);
  ADD ("downloads-refused", test_downloads_refused, NULL);
  ADD ("permissions-denied", test_permissions_denied, NULL);
  ADD ("frame-forges-the-answer", test_frame_forges_the_answer, NULL);
  ADD ("frame-asks-for-password", test_frame_asks_for_password, NULL);
  ADD ("sign-in-page-asks-for-password", test_sign_in_page_asks_for_password, NULL);
  ADD ("frame-fullscreen-refused", test_frame_fullscreen_refused, NULL);
  ADD ("tls-failure", test_tls_failure, NULL);
  ADD ("cancel-mid-exchange", test_cancel_mid_exchange, NULL);
  ADD ("close-mid-exchange", test_close_mid_exchange, NULL);
  ADD ("verification-fails/401", test_verification_fails, &unauthorized);
  ADD ("verification-fails/403", test_verification_fails, &forbidden);
  ADD ("error-text-is-not-markup", test_error_text_is_not_markup, NULL);

#undef ADD

  status = g_test_run ();
  tts_test_remove_tree (test_home);
  g_free (test_home);

  return status;
}

/* bench-baseline-webview.c: a bare WebKit view made on demand, the benchmark's baseline for
 * the sign-in page
 *
 * Once its window is drawn it creates a web view with nothing prepared and loads argv[1] in
 * it, logging both moments the way the program does, so build-aux/bench.py can compare the
 * program's primary-action-to-page-loaded time with a cold view's in the same run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <adwaita.h>
#include <webkit/webkit.h>

#define TIMING_DOMAIN "tts-timing"

static char *page_uri;

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event)
{
  if (event == WEBKIT_LOAD_FINISHED)
    g_log (TIMING_DOMAIN, G_LOG_LEVEL_DEBUG, "page loaded at %" G_GINT64_FORMAT " µs",
           g_get_monotonic_time ());
}

static gboolean
create_view_cb (gpointer user_data)
{
  GtkBox *box = user_data;
  GtkWidget *web_view;

  g_log (TIMING_DOMAIN, G_LOG_LEVEL_DEBUG, "view created at %" G_GINT64_FORMAT " µs",
         g_get_monotonic_time ());
  web_view = webkit_web_view_new ();
  gtk_widget_set_vexpand (web_view, TRUE);
  g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), NULL);
  gtk_box_append (box, web_view);
  webkit_web_view_load_uri (WEBKIT_WEB_VIEW (web_view), page_uri);

  return G_SOURCE_REMOVE;
}

static void
first_frame_cb (GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  g_signal_handlers_disconnect_by_func (frame_clock, first_frame_cb, user_data);
  /* Idle: the view is made once the frame is out, as the program's would be on a click. */
  g_idle_add (create_view_cb, user_data);
}

static void
realize_cb (GtkWidget *window,
            gpointer   box)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (first_frame_cb), box);
}

static void
activate_cb (GApplication *application)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 780);
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), box);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) application = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: bench-baseline-webview URI\n");
      return 2;
    }
  page_uri = argv[1];

  application = adw_application_new ("io.github.tastytrade_setup.BenchBaselineWebView",
                                     G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (application, "activate", G_CALLBACK (activate_cb), NULL);

  /* The URI is ours, not GApplication's to open. */
  return g_application_run (G_APPLICATION (application), 1, argv);
}

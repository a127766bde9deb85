/* bench-baseline-window.c: the smallest libadwaita window, the benchmark's baseline
 *
 * It logs its first frame the way TtsWindow does, so build-aux/bench.py can time both
 * from process start to first frame on the same machine in the same run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <adwaita.h>

static void
first_frame_cb (GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  g_log ("tts-timing", G_LOG_LEVEL_DEBUG, "first-frame at %" G_GINT64_FORMAT " µs", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (frame_clock, first_frame_cb, user_data);
}

static void
realize_cb (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (first_frame_cb), NULL);
}

static void
activate_cb (GApplication *application)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (box), adw_status_page_new ());
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 780);
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) application =
    adw_application_new ("io.github.tastytrade_setup.BenchBaseline", G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (application, "activate", G_CALLBACK (activate_cb), NULL);

  return g_application_run (G_APPLICATION (application), argc, argv);
}

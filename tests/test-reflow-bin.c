/* test-reflow-bin.c: a page's minimum width does not depend on its height
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <adwaita.h>

#include "tts-reflow-bin.h"

#define LONG_TEXT "Create it on the same API page. Tick Read and nothing else: your scripts can " \
                  "then look but never trade."

static GtkWidget *
wrapping_label (void)
{
  GtkWidget *label = gtk_label_new (LONG_TEXT);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

/* A wrapping label asked for its width at a given height searches for the narrowest width
 * that fits: the bin asks without the height, and gets the minimum any height allows. */
static void
test_width_ignores_height (void)
{
  GtkWidget *bin = g_object_ref_sink (g_object_new (TTS_TYPE_REFLOW_BIN, NULL));
  GtkWidget *plain = g_object_ref_sink (wrapping_label ());
  int free_min, free_nat, short_min, short_nat, bin_min, bin_nat;

  adw_bin_set_child (ADW_BIN (bin), wrapping_label ());

  gtk_widget_measure (plain, GTK_ORIENTATION_HORIZONTAL, -1, &free_min, &free_nat, NULL, NULL);
  gtk_widget_measure (plain, GTK_ORIENTATION_HORIZONTAL, 20, &short_min, &short_nat, NULL, NULL);
  /* What the bin spares its child: at one line's height the label is much wider. */
  g_assert_cmpint (short_min, >, free_min);

  gtk_widget_measure (bin, GTK_ORIENTATION_HORIZONTAL, 20, &bin_min, &bin_nat, NULL, NULL);
  g_assert_cmpint (bin_min, ==, free_min);
  g_assert_cmpint (bin_nat, ==, free_nat);

  g_object_unref (plain);
  g_object_unref (bin);
}

/* Height for width still reaches the child, and the child gets the whole allocation. */
static void
test_height_for_width_and_allocation (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *bin = g_object_new (TTS_TYPE_REFLOW_BIN, NULL);
  GtkWidget *label = wrapping_label ();
  int min_width, nat_width, narrow, wide, label_height;

  adw_bin_set_child (ADW_BIN (bin), label);
  gtk_window_set_child (GTK_WINDOW (window), bin);

  gtk_widget_measure (bin, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &nat_width, NULL, NULL);
  gtk_widget_measure (bin, GTK_ORIENTATION_VERTICAL, min_width, &narrow, NULL, NULL, NULL);
  gtk_widget_measure (bin, GTK_ORIENTATION_VERTICAL, nat_width, &wide, NULL, NULL, NULL);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, min_width, &label_height, NULL, NULL, NULL);
  g_assert_cmpint (narrow, >, wide);
  g_assert_cmpint (narrow, ==, label_height);

  gtk_widget_allocate (bin, 400, 300, -1, NULL);
  g_assert_cmpint (gtk_widget_get_width (label), ==, 400);
  g_assert_cmpint (gtk_widget_get_height (label), ==, 300);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/reflow-bin/width-ignores-height", test_width_ignores_height);
  g_test_add_func ("/reflow-bin/height-for-width-and-allocation", test_height_for_width_and_allocation);

  return g_test_run ();
}

/* tts-reflow-bin.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-reflow-bin.h"

struct _TtsReflowBin
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (TtsReflowBin, tts_reflow_bin, ADW_TYPE_BIN)

/* Scrolled pages of wrapping text are height-for-width: their minimum width is that of
 * their longest word, whatever the height. GTK 4.8's GtkViewport and GtkStack still ask
 * for the width at a given height, which sends every wrapping label below into a search
 * for the narrowest width that fits, tens of layouts each; before the first frame that
 * was 58,000 shaping calls for the start page. The bin asks once, without the height.
 * It stays on newer toolkits too: they are measured with it (docs/performance.md), and
 * whether GTK 4.10 and later still search was not. Measure before dropping it. */
static void
tts_reflow_bin_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  if (child == NULL || !gtk_widget_should_layout (child))
    return;

  gtk_widget_measure (child, orientation,
                      orientation == GTK_ORIENTATION_HORIZONTAL ? -1 : for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static GtkSizeRequestMode
tts_reflow_bin_get_request_mode (GtkWidget *widget)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  return child != NULL ? gtk_widget_get_request_mode (child) : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
tts_reflow_bin_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  GtkWidget *child = adw_bin_get_child (ADW_BIN (widget));

  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
tts_reflow_bin_class_init (TtsReflowBinClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->get_request_mode = tts_reflow_bin_get_request_mode;
  widget_class->measure = tts_reflow_bin_measure;
  widget_class->size_allocate = tts_reflow_bin_size_allocate;
}

static void
tts_reflow_bin_init (TtsReflowBin *self)
{
  gtk_widget_set_layout_manager (GTK_WIDGET (self), NULL);
}

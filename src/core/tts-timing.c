/* tts-timing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-timing.h"

void
tts_timing_mark (const char *event,
                 ...)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *name = NULL;
  va_list args;

  /* Nothing to format unless someone reads it. */
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, TTS_TIMING_LOG_DOMAIN))
    return;

  va_start (args, event);
  name = g_strdup_vprintf (event, args);
  va_end (args);

  g_log (TTS_TIMING_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "%s at %" G_GINT64_FORMAT " µs", name, now);
}

/* fuzz-target.h: what every fuzz target provides, for libFuzzer and for fuzz-main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* Runs one input; returns 0. A bug shows as a crash, an assertion or a sanitizer report. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* GLib's criticals and warnings are bugs here: every target respects the API's preconditions. */
static inline void
fuzz_make_warnings_fatal (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* tts-timing.h: the moments the benchmark measures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TTS_TIMING_LOG_DOMAIN "tts-timing"

/* Logs "@event at T µs" at debug level in the "tts-timing" domain, T from the monotonic
 * clock (CLOCK_MONOTONIC, the clock other processes can read too). Only shown with
 * G_MESSAGES_DEBUG=tts-timing (or all); build-aux/bench.py reads it. @event names a
 * moment and never carries a value of the user's. */
void tts_timing_mark (const char *event,
                      ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS

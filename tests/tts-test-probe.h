/* tts-test-probe.h: raw bytes to a loopback port, as any other local program could send
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  TTS_TEST_PROBE_NONE        = 0,
  /* Close right after sending, without reading: a client that goes away early. */
  TTS_TEST_PROBE_CLOSE_EARLY = 1 << 0,
} TtsTestProbeFlags;

/* Connects to @family's loopback on @port, sends @request (any bytes; none is fine),
 * shuts down its sending side and reads the whole answer. A reset after part of the
 * answer still returns that part. */
void      tts_test_probe_send_async  (GSocketFamily        family,
                                      guint                port,
                                      GBytes              *request,
                                      TtsTestProbeFlags    flags,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GBytes   *tts_test_probe_send_finish (GAsyncResult        *result,
                                      GError             **error);
/* The same, running the thread-default main context until the answer is in. */
GBytes   *tts_test_probe_send        (GSocketFamily        family,
                                      guint                port,
                                      const char          *request,
                                      gssize               length,
                                      TtsTestProbeFlags    flags,
                                      GError             **error);

/* The status code of an HTTP answer, 0 when @reply is not one. */
guint     tts_test_probe_status      (GBytes              *reply);
/* Whether @needle occurs anywhere in @reply, headers included. */
gboolean  tts_test_probe_contains    (GBytes              *reply,
                                      const char          *needle);

/* Whether this machine has a usable ::1. */
gboolean  tts_test_ipv6_loopback_works (void);
/* Fails the test unless connecting to @port is refused on every loopback this machine has. */
void      tts_test_assert_port_closed  (guint                port);

/* How many file descriptors this process has open now. */
guint     tts_test_count_open_fds    (void);

G_END_DECLS

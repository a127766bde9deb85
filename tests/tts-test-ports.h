/* tts-test-ports.h: loopback ports for tests, and another program holding one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A port nothing listened on a moment ago on 127.0.0.1. */
guint     tts_test_free_port      (void);
/* Listens on @port of @family's loopback, as another program would (non-blocking,
 * so a test can check that nobody connected). NULL when that cannot be done. */
GSocket  *tts_test_occupy_port    (GSocketFamily family,
                                   guint         port);
guint     tts_test_socket_port    (GSocket      *socket);
/* Nobody connected to @socket (from tts_test_occupy_port(); NULL is fine): the program
 * that holds the port never saw the sign-in. */
void      tts_test_assert_never_connected (GSocket *socket);
/* Another program, in a process of its own (python3), listening on @port of 127.0.0.1
 * once this returns; NULL when python3 is not installed. Stop it with
 * tts_test_stop_port_holder(). */
GSubprocess *tts_test_spawn_port_holder (guint        port);
void         tts_test_stop_port_holder  (GSubprocess *holder);

G_END_DECLS

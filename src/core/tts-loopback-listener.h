/* tts-loopback-listener.h: accepting connections with bounds a flood cannot push past
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TTS_TYPE_LOOPBACK_LISTENER (tts_loopback_listener_get_type ())

G_DECLARE_FINAL_TYPE (TtsLoopbackListener, tts_loopback_listener, TTS, LOOPBACK_LISTENER, GObject)

/* Emits "incoming" (GSocketConnection *) for each accepted connection; a handler keeps its
 * own reference for as long as it serves it. At most @max_connections are open at once:
 * beyond, a new one is closed at once. Each is shut down @timeout_ms after it was
 * accepted, whoever holds it. An accept that fails (out of file descriptors) pauses
 * accepting briefly instead of ending it. */
TtsLoopbackListener *tts_loopback_listener_new              (guint                 max_connections,
                                                             guint                 timeout_ms);
/* Binds @address (port 0 lets the kernel pick) and listens; IPv6 sockets take IPv6 only.
 * Fails with the error of bind(), G_IO_ERROR_ADDRESS_IN_USE when the port is taken. */
gboolean             tts_loopback_listener_add_address      (TtsLoopbackListener  *self,
                                                             GSocketAddress       *address,
                                                             GError              **error);
/* The addresses listened on, in the order added. Free with g_list_free_full (…, g_object_unref). */
GList               *tts_loopback_listener_get_addresses    (TtsLoopbackListener  *self);
/* Stops listening and shuts down every connection still open. */
void                 tts_loopback_listener_close            (TtsLoopbackListener  *self);

G_END_DECLS

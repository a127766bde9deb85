/* tts-redirect-server.h: the loopback listener that catches the redirect
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_TYPE_REDIRECT_SERVER (tts_redirect_server_get_type ())

G_DECLARE_FINAL_TYPE (TtsRedirectServer, tts_redirect_server, TTS, REDIRECT_SERVER, GObject)

/* Emits "redirect" (const char *query) -> gboolean for a GET of "/" whose Host is a
 * loopback name; the still-encoded query is passed on. A handler returns TRUE to accept:
 * the browser then gets a page saying the wizard continues; otherwise a refusal page.
 * Every other path or method gets 404 or 405 and emits nothing; a request that announces
 * a body is answered 405 (413 for a GET) before the body is read. Properties bound what a
 * flood can take: "max-connections" open at once (32) and "connection-timeout", the
 * milliseconds a connection may stay (10000). */
TtsRedirectServer *tts_redirect_server_new            (guint               port);
/* Listens on 127.0.0.1 and ::1, each on its own so a missing IPv6 is not fatal.
 * Fails with TTS_ERROR_PORT_IN_USE (or TTS_ERROR_NETWORK) only when no family listens. */
gboolean           tts_redirect_server_start          (TtsRedirectServer  *self,
                                                       GError            **error);
/* Stops listening; an answer being written is finished first. */
void               tts_redirect_server_stop           (TtsRedirectServer  *self);
gboolean           tts_redirect_server_is_listening   (TtsRedirectServer  *self);
/* The port listened on (useful with port 0 in tests). */
guint              tts_redirect_server_get_port       (TtsRedirectServer  *self);
/* TRUE when no other program holds the port on any loopback family this machine has,
 * so a browser sent to the redirect URI can only reach us. */
gboolean           tts_redirect_server_get_owns_port  (TtsRedirectServer  *self);
/* Where it listens now, one GUri per address; NULL when not listening. Free with
 * g_slist_free_full (uris, (GDestroyNotify) g_uri_unref). */
GSList            *tts_redirect_server_get_uris       (TtsRedirectServer  *self);

G_END_DECLS

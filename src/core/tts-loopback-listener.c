/* tts-loopback-listener.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup's own listener drops its accept source at the first failed accept (EMFILE),
 * never closes an idle or half-sent connection and takes any number of them: any local
 * program could leave the sign-in deaf. This one accepts itself and hands each connection
 * on (to soup_server_accept_iostream()).
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tts-loopback-listener.h"

/* After a failed accept, the pause before trying again. */
#define RETRY_ACCEPT_MS 250
/* Accepted per wake-up at most, so that a flood cannot starve the rest of the main loop. */
#define ACCEPTS_PER_DISPATCH 16

typedef struct
{
  GSocket *socket;
  GSource *source;
} Listening;

typedef struct
{
  TtsLoopbackListener *listener;
  GSocketConnection   *connection;   /* weak: whoever serves it holds it */
  GSource             *deadline;
} Tracked;

struct _TtsLoopbackListener
{
  GObject    parent_instance;

  guint      max_connections;
  guint      timeout_ms;
  GArray    *listening;     /* of Listening */
  GPtrArray *connections;   /* of Tracked */
  guint      retry_id;
};

G_DEFINE_FINAL_TYPE (TtsLoopbackListener, tts_loopback_listener, G_TYPE_OBJECT)

enum {
  INCOMING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void tracked_gone_cb (gpointer  data,
                             GObject  *where_the_object_was);

static void
tracked_free (Tracked *tracked)
{
  if (tracked->deadline != NULL)
    {
      g_source_destroy (tracked->deadline);
      g_source_unref (tracked->deadline);
    }
  if (tracked->connection != NULL)
    g_object_weak_unref (G_OBJECT (tracked->connection), tracked_gone_cb, tracked);
  g_free (tracked);
}

static void
listening_clear (Listening *listening)
{
  if (listening->source != NULL)
    {
      g_source_destroy (listening->source);
      g_clear_pointer (&listening->source, g_source_unref);
    }
  if (listening->socket != NULL)
    g_socket_close (listening->socket, NULL);
  g_clear_object (&listening->socket);
}

static void
shut_down (GSocketConnection *connection)
{
  /* Not closed: whoever serves it sees the end on its next read or write and lets go. */
  g_socket_shutdown (g_socket_connection_get_socket (connection), TRUE, TRUE, NULL);
}

static void
tracked_gone_cb (gpointer  data,
                 GObject  *where_the_object_was)
{
  Tracked *tracked = data;

  tracked->connection = NULL;
  g_ptr_array_remove_fast (tracked->listener->connections, tracked);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Tracked *tracked = user_data;

  g_debug ("Loopback connection still open after %u ms: shut down", tracked->listener->timeout_ms);
  g_clear_pointer (&tracked->deadline, g_source_unref);
  shut_down (tracked->connection);

  return G_SOURCE_REMOVE;
}

static void
take_connection (TtsLoopbackListener *self,
                 GSocket             *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;
  Tracked *tracked;

  if (self->connections->len >= self->max_connections)
    {
      g_debug ("Loopback connection refused: %u already open", self->connections->len);
      g_socket_close (socket, NULL);
      return;
    }

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  connection = g_socket_connection_factory_create_connection (socket);

  tracked = g_new0 (Tracked, 1);
  tracked->listener = self;
  tracked->connection = connection;
  g_object_weak_ref (G_OBJECT (connection), tracked_gone_cb, tracked);
  tracked->deadline = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (tracked->deadline, deadline_cb, tracked, NULL);
  g_source_set_static_name (tracked->deadline, "[tts] loopback connection deadline");
  g_source_attach (tracked->deadline, NULL);
  g_ptr_array_add (self->connections, tracked);

  g_signal_emit (self, signals[INCOMING], 0, connection);
}

static void start_accepting (TtsLoopbackListener *self);

static gboolean
retry_cb (gpointer user_data)
{
  TtsLoopbackListener *self = user_data;

  self->retry_id = 0;
  start_accepting (self);

  return G_SOURCE_REMOVE;
}

static void
pause_accepting (TtsLoopbackListener *self)
{
  for (guint i = 0; i < self->listening->len; i++)
    {
      Listening *listening = &g_array_index (self->listening, Listening, i);

      if (listening->source != NULL)
        {
          g_source_destroy (listening->source);
          g_clear_pointer (&listening->source, g_source_unref);
        }
    }

  if (self->retry_id == 0)
    self->retry_id = g_timeout_add_full (G_PRIORITY_DEFAULT, RETRY_ACCEPT_MS, retry_cb, self, NULL);
}

static gboolean
accept_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  TtsLoopbackListener *self = user_data;

  for (guint i = 0; i < ACCEPTS_PER_DISPATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) accepted = g_socket_accept (socket, NULL, &error);

      if (accepted != NULL)
        {
          take_connection (self, accepted);
          continue;
        }

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;

      /* Out of descriptors, most likely: the pending connection stays in the queue, so
       * polling again at once would spin. */
      g_debug ("Could not accept a loopback connection (%s): trying again in %u ms",
               error->message, RETRY_ACCEPT_MS);
      pause_accepting (self);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
watch (TtsLoopbackListener *self,
       Listening           *listening)
{
  listening->source = g_socket_create_source (listening->socket, G_IO_IN, NULL);
  g_source_set_callback (listening->source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_set_static_name (listening->source, "[tts] loopback accept");
  g_source_attach (listening->source, NULL);
}

static void
start_accepting (TtsLoopbackListener *self)
{
  for (guint i = 0; i < self->listening->len; i++)
    {
      Listening *listening = &g_array_index (self->listening, Listening, i);

      if (listening->source == NULL)
        watch (self, listening);
    }
}

static void
tts_loopback_listener_dispose (GObject *object)
{
  TtsLoopbackListener *self = (TtsLoopbackListener *) object;

  tts_loopback_listener_close (self);

  G_OBJECT_CLASS (tts_loopback_listener_parent_class)->dispose (object);
}

static void
tts_loopback_listener_finalize (GObject *object)
{
  TtsLoopbackListener *self = (TtsLoopbackListener *) object;

  g_array_unref (self->listening);
  g_ptr_array_unref (self->connections);

  G_OBJECT_CLASS (tts_loopback_listener_parent_class)->finalize (object);
}

static void
tts_loopback_listener_class_init (TtsLoopbackListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tts_loopback_listener_dispose;
  object_class->finalize = tts_loopback_listener_finalize;

  signals[INCOMING] =
    g_signal_new ("incoming",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_SOCKET_CONNECTION);
}

static void
tts_loopback_listener_init (TtsLoopbackListener *self)
{
  self->listening = g_array_new (FALSE, TRUE, sizeof (Listening));
  g_array_set_clear_func (self->listening, (GDestroyNotify) listening_clear);
  self->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) tracked_free);
}

TtsLoopbackListener *
tts_loopback_listener_new (guint max_connections,
                           guint timeout_ms)
{
  TtsLoopbackListener *self;

  g_return_val_if_fail (max_connections > 0, NULL);
  g_return_val_if_fail (timeout_ms > 0, NULL);

  self = g_object_new (TTS_TYPE_LOOPBACK_LISTENER, NULL);
  self->max_connections = max_connections;
  self->timeout_ms = timeout_ms;

  return self;
}

gboolean
tts_loopback_listener_add_address (TtsLoopbackListener  *self,
                                   GSocketAddress       *address,
                                   GError              **error)
{
  GSocketFamily family;
  g_autoptr(GSocket) socket = NULL;
  Listening listening = { 0 };

  g_return_val_if_fail (TTS_IS_LOOPBACK_LISTENER (self), FALSE);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);

  family = g_socket_address_get_family (address);
  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;

  g_socket_set_blocking (socket, FALSE);
  /* ::1 only, never an IPv4 address mapped into IPv6. */
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);

  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;

  listening.socket = g_steal_pointer (&socket);
  g_array_append_val (self->listening, listening);
  watch (self, &g_array_index (self->listening, Listening, self->listening->len - 1));

  return TRUE;
}

GList *
tts_loopback_listener_get_addresses (TtsLoopbackListener *self)
{
  GList *addresses = NULL;

  g_return_val_if_fail (TTS_IS_LOOPBACK_LISTENER (self), NULL);

  for (guint i = 0; i < self->listening->len; i++)
    {
      GSocketAddress *address;

      address = g_socket_get_local_address (g_array_index (self->listening, Listening, i).socket,
                                            NULL);
      if (address != NULL)
        addresses = g_list_prepend (addresses, address);
    }

  return g_list_reverse (addresses);
}

void
tts_loopback_listener_close (TtsLoopbackListener *self)
{
  g_return_if_fail (TTS_IS_LOOPBACK_LISTENER (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_array_set_size (self->listening, 0);

  for (guint i = 0; i < self->connections->len; i++)
    shut_down (((Tracked *) self->connections->pdata[i])->connection);
  /* Forgotten, not waited for: each goes when its holder lets go. */
  g_ptr_array_set_size (self->connections, 0);
}

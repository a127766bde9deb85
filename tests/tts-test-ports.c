/* tts-test-ports.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-test-ports.h"

guint
tts_test_socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  g_assert_nonnull (address);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

GSocket *
tts_test_occupy_port (GSocketFamily family,
                      guint         port)
{
  g_autoptr(GSocket) socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  if (socket == NULL || !g_socket_bind (socket, address, FALSE, NULL) || !g_socket_listen (socket, NULL))
    return NULL;

  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

guint
tts_test_free_port (void)
{
  g_autoptr(GSocket) socket = tts_test_occupy_port (G_SOCKET_FAMILY_IPV4, 0);

  g_assert_nonnull (socket);

  return tts_test_socket_port (socket);
}

void
tts_test_assert_never_connected (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) connection = NULL;

  if (socket == NULL)
    return;

  connection = g_socket_accept (socket, NULL, &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

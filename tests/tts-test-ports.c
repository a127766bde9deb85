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

GSubprocess *
tts_test_spawn_port_holder (guint port)
{
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *script = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocess) holder = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  if (python == NULL)
    return NULL;

  script = g_strdup_printf ("import socket, sys\n"
                            "s = socket.socket()\n"
                            "s.bind(('127.0.0.1', %u))\n"
                            "s.listen()\n"
                            "print('listening', flush=True)\n"
                            "sys.stdin.read()\n",
                            port);
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             python, "-c", script, NULL);
  g_assert_no_error (error);
  /* It says so once it listens: no waiting on the clock. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "listening");

  return g_steal_pointer (&holder);
}

void
tts_test_stop_port_holder (GSubprocess *holder)
{
  g_autoptr(GError) error = NULL;

  /* Closing its input ends it. */
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (holder, NULL, &error));
  g_assert_no_error (error);
}

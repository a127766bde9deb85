/* tts-test-probe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-test-probe.h"

/* Stuck probes fail rather than hang the test. */
#define PROBE_TIMEOUT_SECONDS 20
#define READ_SIZE             16384

typedef struct
{
  GSocketConnection *connection;
  GBytes            *request;
  TtsTestProbeFlags  flags;
  GByteArray        *reply;
} Probe;

static void
probe_free (Probe *probe)
{
  if (probe->connection != NULL)
    g_io_stream_close (G_IO_STREAM (probe->connection), NULL, NULL);
  g_clear_object (&probe->connection);
  g_clear_pointer (&probe->request, g_bytes_unref);
  g_clear_pointer (&probe->reply, g_byte_array_unref);
  g_free (probe);
}

static void
probe_return (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);

  /* Closed before the task completes, so that a caller counting descriptors sees it gone. */
  g_io_stream_close (G_IO_STREAM (probe->connection), NULL, NULL);
  g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&probe->reply)),
                         (GDestroyNotify) g_bytes_unref);
}

static void read_more (GTask *task);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result,
                                                              &error);

  if (bytes == NULL)
    {
      /* A server may reset a connection it refused; what it said before still counts. */
      if (probe->reply->len > 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        probe_return (task);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      probe_return (task);
      return;
    }

  g_byte_array_append (probe->reply, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_more (task);
}

static void
read_more (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (probe->connection));

  g_input_stream_read_bytes_async (input, READ_SIZE, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, g_object_ref (task));
}

static void
write_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GSocket *socket = g_socket_connection_get_socket (probe->connection);

  /* A server that answers early and closes makes the rest of the write fail: read anyway. */
  if (result != NULL)
    g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL);

  if (probe->flags & TTS_TEST_PROBE_CLOSE_EARLY)
    {
      probe_return (task);
      return;
    }

  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  read_more (task);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;
  GOutputStream *output;

  probe->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (probe->connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_bytes_get_size (probe->request) == 0)
    {
      write_cb (NULL, NULL, g_steal_pointer (&task));
      return;
    }

  output = g_io_stream_get_output_stream (G_IO_STREAM (probe->connection));
  g_output_stream_write_all_async (output,
                                   g_bytes_get_data (probe->request, NULL),
                                   g_bytes_get_size (probe->request),
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   write_cb, g_object_ref (task));
}

void
tts_test_probe_send_async (GSocketFamily        family,
                           guint                port,
                           GBytes              *request,
                           TtsTestProbeFlags    flags,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Probe *probe = g_new0 (Probe, 1);

  probe->request = g_bytes_ref (request);
  probe->flags = flags;
  probe->reply = g_byte_array_new ();
  g_task_set_task_data (task, probe, (GDestroyNotify) probe_free);
  g_task_set_source_tag (task, tts_test_probe_send_async);

  g_socket_client_set_timeout (client, PROBE_TIMEOUT_SECONDS);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), cancellable,
                                 connect_cb, g_steal_pointer (&task));
}

GBytes *
tts_test_probe_send_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  gboolean  done;
  GBytes   *reply;
  GError   *error;
} SyncResult;

static void
sync_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SyncResult *sync = user_data;

  sync->reply = tts_test_probe_send_finish (result, &sync->error);
  sync->done = TRUE;
}

GBytes *
tts_test_probe_send (GSocketFamily      family,
                     guint              port,
                     const char        *request,
                     gssize             length,
                     TtsTestProbeFlags  flags,
                     GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  SyncResult sync = { 0 };

  if (request == NULL)
    length = 0;
  else if (length < 0)
    length = strlen (request);
  bytes = g_bytes_new (request, length);

  tts_test_probe_send_async (family, port, bytes, flags, NULL, sync_cb, &sync);
  while (!sync.done)
    g_main_context_iteration (NULL, TRUE);

  if (sync.error != NULL)
    g_propagate_error (error, sync.error);

  return sync.reply;
}

guint
tts_test_probe_status (GBytes *reply)
{
  gsize length = 0;
  const char *data = reply != NULL ? g_bytes_get_data (reply, &length) : NULL;
  guint status = 0;

  /* "HTTP/1.1 404 Not Found" */
  if (length < 12 || memcmp (data, "HTTP/1.", 7) != 0 || data[8] != ' ')
    return 0;

  for (gsize i = 9; i < 12; i++)
    {
      if (!g_ascii_isdigit (data[i]))
        return 0;
      status = status * 10 + (guint) (data[i] - '0');
    }

  return status;
}

gboolean
tts_test_probe_contains (GBytes     *reply,
                         const char *needle)
{
  gsize length = 0;
  const char *data = reply != NULL ? g_bytes_get_data (reply, &length) : NULL;

  gsize needle_length = needle != NULL ? strlen (needle) : 0;

  if (needle_length == 0 || data == NULL)
    return FALSE;

  /* Not strstr(): an answer may hold NUL bytes. */
  for (gsize i = 0; i + needle_length <= length; i++)
    {
      if (memcmp (data + i, needle, needle_length) == 0)
        return TRUE;
    }

  return FALSE;
}

guint
tts_test_count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;

  /* Not the one the listing itself used. */
  return count - 1;
}

gboolean
tts_test_ipv6_loopback_works (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return socket != NULL && g_socket_bind (socket, address, FALSE, NULL);
}

void
tts_test_assert_port_closed (guint port)
{
  static const GSocketFamily families[] = { G_SOCKET_FAMILY_IPV4, G_SOCKET_FAMILY_IPV6 };

  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) reply = NULL;

      if (families[i] == G_SOCKET_FAMILY_IPV6 && !tts_test_ipv6_loopback_works ())
        continue;

      reply = tts_test_probe_send (families[i], port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                                   -1, TTS_TEST_PROBE_NONE, &error);
      g_assert_null (reply);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    }
}

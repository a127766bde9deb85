/* test-port-holder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tts-port-holder.h"
#include "tts-test-files.h"
#include "tts-test-ports.h"

/* Port 8000 is 1F40 in /proc/net/tcp. */
#define PORT 8000

#define TCP_HEADER \
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define TCP6_HEADER \
  "  sl  local_address                         remote_address                        st tx_queue " \
  "rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

/* A listener on 127.0.0.1:8000 (inode 12345), and a connection to it (inode 67890). */
#define TCP_LISTEN_LINE \
  "   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 " \
  "12345 1 0000000000000000 100 0 0 10 0\n"
#define TCP_ESTABLISHED_LINE \
  "   1: 0100007F:1F40 0100007F:A2B4 01 00000000:00000000 00:00000000 00000000  1000        0 " \
  "67890 1 0000000000000000 20 4 30 10 -1\n"
/* A listener on ::1:8000 (inode 54321). */
#define TCP6_LISTEN_LINE \
  "   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A " \
  "00000000:00000000 00:00000000 00000000  1000        0 54321 1 0000000000000000 100 0 0 10 0\n"

/* ---- helpers ---- */

/* Its folder is a tree laid out like /proc. */
typedef TtsTestFolder Fixture;

static void
write_file (Fixture    *fixture,
            const char *relative_path,
            const char *contents)
{
  g_autofree char *path = g_build_filename (fixture->dir, relative_path, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A process @pid with descriptor @fd open on @target, named @comm (NULL: no comm file). */
static void
add_process (Fixture    *fixture,
             const char *pid,
             const char *fd,
             const char *target,
             const char *comm)
{
  g_autofree char *fd_dir = g_build_filename (fixture->dir, pid, "fd", NULL);
  g_autofree char *link_path = g_build_filename (fd_dir, fd, NULL);

  g_assert_cmpint (g_mkdir_with_parents (fd_dir, 0700), ==, 0);
  g_assert_cmpint (symlink (target, link_path), ==, 0);
  if (comm != NULL)
    {
      g_autofree char *comm_path = g_build_filename (pid, "comm", NULL);

      write_file (fixture, comm_path, comm);
    }
}

static gboolean
have_proc_net (void)
{
  if (g_file_test ("/proc/net/tcp", G_FILE_TEST_EXISTS))
    return TRUE;

  g_test_skip ("no /proc/net/tcp on this system");
  return FALSE;
}

/* ---- this process, through the real /proc ---- */

static void
check_own_listener (GSocketFamily family)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(TtsPortHolder) holder = NULL;
  g_autofree char *comm = NULL;

  if (!have_proc_net ())
    return;

  socket = tts_test_occupy_port (family, 0);
  if (socket == NULL)
    {
      g_test_skip ("cannot listen on this loopback family");
      return;
    }

  holder = tts_port_holder_find (tts_test_socket_port (socket), 0);
  g_assert_nonnull (holder);
  g_assert_cmpuint (holder->pid, ==, (guint) getpid ());

  g_assert_true (g_file_get_contents ("/proc/self/comm", &comm, NULL, NULL));
  g_strchomp (comm);
  g_assert_cmpstr (holder->name, ==, comm);

  /* Passed over: the socket is there, its process is not named. */
  g_clear_pointer (&holder, tts_port_holder_free);
  holder = tts_port_holder_find (tts_test_socket_port (socket), (guint) getpid ());
  g_assert_nonnull (holder);
  g_assert_cmpuint (holder->pid, ==, 0);
  g_assert_null (holder->name);
}

static void
test_real_ipv4 (void)
{
  check_own_listener (G_SOCKET_FAMILY_IPV4);
}

static void
test_real_ipv6 (void)
{
  check_own_listener (G_SOCKET_FAMILY_IPV6);
}

static void
test_real_free_port (void)
{
  g_autoptr(TtsPortHolder) holder = NULL;

  if (!have_proc_net ())
    return;

  holder = tts_port_holder_find (tts_test_free_port (), 0);
  g_assert_null (holder);
}

static void
test_port_zero (void)
{
  g_assert_null (tts_port_holder_find (0, 0));
  g_assert_null (tts_port_holder_find (G_MAXUINT16 + 1, 0));
}

/* ---- fixture trees ---- */

static void
test_fixture_listener_with_process (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(TtsPortHolder) holder = NULL;

  write_file (fixture, "net/tcp", TCP_HEADER TCP_LISTEN_LINE TCP_ESTABLISHED_LINE);
  write_file (fixture, "net/tcp6", TCP6_HEADER);
  /* Noise: names that are no pid, a process we may not look into, other descriptors. */
  write_file (fixture, "self/comm", "self\n");
  write_file (fixture, "1/comm", "systemd\n");
  add_process (fixture, "4242", "0", "/dev/null", NULL);
  add_process (fixture, "4242", "1", "pipe:[12345]", NULL);
  add_process (fixture, "4242", "2", "socket:[123456]", NULL);
  add_process (fixture, "4242", "3", "socket:[12345]", "python3\n");

  holder = tts_port_holder_find_in (fixture->dir, PORT, 0);
  g_assert_nonnull (holder);
  g_assert_cmpuint (holder->pid, ==, 4242);
  g_assert_cmpstr (holder->name, ==, "python3");
}

static void
test_fixture_established_is_not_listening (Fixture       *fixture,
                                           gconstpointer  data)
{
  write_file (fixture, "net/tcp", TCP_HEADER TCP_ESTABLISHED_LINE);
  write_file (fixture, "net/tcp6", TCP6_HEADER);
  add_process (fixture, "100", "7", "socket:[67890]", "firefox\n");

  g_assert_null (tts_port_holder_find_in (fixture->dir, PORT, 0));
}

static void
test_fixture_other_port (Fixture       *fixture,
                         gconstpointer  data)
{
  write_file (fixture, "net/tcp", TCP_HEADER TCP_LISTEN_LINE);
  add_process (fixture, "4242", "3", "socket:[12345]", "python3\n");

  g_assert_null (tts_port_holder_find_in (fixture->dir, PORT + 1, 0));
}

static void
test_fixture_process_unseen (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(TtsPortHolder) holder = NULL;

  write_file (fixture, "net/tcp", TCP_HEADER TCP_LISTEN_LINE TCP_ESTABLISHED_LINE);
  write_file (fixture, "net/tcp6", TCP6_HEADER);
  /* Only the connection's end is visible, not the listener. */
  add_process (fixture, "100", "7", "socket:[67890]", "firefox\n");

  holder = tts_port_holder_find_in (fixture->dir, PORT, 0);
  g_assert_nonnull (holder);
  g_assert_cmpuint (holder->pid, ==, 0);
  g_assert_null (holder->name);
}

static void
test_fixture_ipv6_only (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(TtsPortHolder) holder = NULL;

  write_file (fixture, "net/tcp", TCP_HEADER);
  write_file (fixture, "net/tcp6", TCP6_HEADER TCP6_LISTEN_LINE);
  add_process (fixture, "4242", "3", "socket:[12345]", "python3\n");
  add_process (fixture, "777", "5", "socket:[54321]", "node\n");

  holder = tts_port_holder_find_in (fixture->dir, PORT, 0);
  g_assert_nonnull (holder);
  g_assert_cmpuint (holder->pid, ==, 777);
  g_assert_cmpstr (holder->name, ==, "node");
}

static void
test_fixture_no_tcp6 (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TtsPortHolder) holder = NULL;

  /* A kernel without IPv6 has no tcp6; the process has no comm to read. */
  write_file (fixture, "net/tcp", TCP_HEADER TCP_LISTEN_LINE);
  add_process (fixture, "4242", "3", "socket:[12345]", NULL);

  holder = tts_port_holder_find_in (fixture->dir, PORT, 0);
  g_assert_nonnull (holder);
  g_assert_cmpuint (holder->pid, ==, 4242);
  g_assert_null (holder->name);
}

static void
test_fixture_malformed (Fixture       *fixture,
                        gconstpointer  data)
{
  /* Short lines, bad addresses and bad inodes are skipped, not trusted. */
  write_file (fixture, "net/tcp",
              TCP_HEADER
              "   0: 0100007F:1F40 00000000:0000 0A\n"
              "   1: 0100007F1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
              "   2: 0100007:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
              "   3: 0100007F:1F4 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
              "   4: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x 1\n"
              "   5: 0100007F:1F40 00000000:0000 0AA 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
              "\n"
              "   6: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 -1 1");
  write_file (fixture, "net/tcp6", "");

  g_assert_null (tts_port_holder_find_in (fixture->dir, PORT, 0));
}

static void
test_fixture_no_proc (void)
{
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "tts-port-holder-missing", NULL);

  g_assert_null (tts_port_holder_find_in (missing, PORT, 0));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/port-holder/real/ipv4", test_real_ipv4);
  g_test_add_func ("/port-holder/real/ipv6", test_real_ipv6);
  g_test_add_func ("/port-holder/real/free-port", test_real_free_port);
  g_test_add_func ("/port-holder/port-zero", test_port_zero);

#define ADD(name, func) \
  g_test_add ("/port-holder/fixture/" name, Fixture, NULL, \
              tts_test_folder_set_up, func, tts_test_folder_tear_down)

  ADD ("listener-with-process", test_fixture_listener_with_process);
  ADD ("established-is-not-listening", test_fixture_established_is_not_listening);
  ADD ("other-port", test_fixture_other_port);
  ADD ("process-unseen", test_fixture_process_unseen);
  ADD ("ipv6-only", test_fixture_ipv6_only);
  ADD ("no-tcp6", test_fixture_no_tcp6);
  ADD ("malformed", test_fixture_malformed);

#undef ADD

  g_test_add_func ("/port-holder/fixture/no-proc", test_fixture_no_proc);

  return g_test_run ();
}

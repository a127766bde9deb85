/* tts-port-holder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "tts-port-holder.h"

/* Columns of /proc/net/tcp and tcp6, counted from 0 once split on blanks:
 * sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ... */
#define FIELD_LOCAL_ADDRESS 1
#define FIELD_STATE         3
#define FIELD_INODE         9
#define TCP_LISTEN          0x0A

#define SOCKET_LINK_PREFIX "socket:["

static gboolean
is_hex (const char *text,
        gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;

  return length > 0;
}

/* Cuts the next blank-separated field out of *cursor, in place. */
static char *
next_field (char **cursor)
{
  char *start = *cursor;
  char *end;

  while (*start == ' ' || *start == '\t')
    start++;
  if (*start == '\0')
    return NULL;

  end = start;
  while (*end != '\0' && *end != ' ' && *end != '\t')
    end++;
  if (*end != '\0')
    *end++ = '\0';
  *cursor = end;

  return start;
}

/* "0100007F:1F40" (IPv4) or 32 hex digits, a colon and 4 more (IPv6); the kernel prints the
 * port in host order, the address in network order, which we do not need. */
static gboolean
parse_local_port (const char *field,
                  guint      *port)
{
  const char *colon = strchr (field, ':');
  gsize address_length;

  if (colon == NULL)
    return FALSE;

  address_length = colon - field;
  if ((address_length != 8 && address_length != 32) || !is_hex (field, address_length))
    return FALSE;
  if (strlen (colon + 1) != 4 || !is_hex (colon + 1, 4))
    return FALSE;

  *port = (guint) g_ascii_strtoull (colon + 1, NULL, 16);
  return TRUE;
}

/* Adds the inode of every socket listening on @port in one /proc/net/tcp-like file.
 * A missing file (no IPv6, no /proc) just adds nothing. */
static void
collect_listeners (const char *path,
                   guint       port,
                   GArray     *inodes)
{
  g_autofree char *contents = NULL;
  char *line;
  char *next;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;

  /* The first line names the columns. */
  line = strchr (contents, '\n');
  for (line = line != NULL ? line + 1 : NULL; line != NULL && *line != '\0'; line = next)
    {
      char *fields[FIELD_INODE + 1];
      char *cursor = line;
      guint line_port;
      guint64 inode;
      guint i;

      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';

      for (i = 0; i < G_N_ELEMENTS (fields); i++)
        if ((fields[i] = next_field (&cursor)) == NULL)
          break;
      if (i < G_N_ELEMENTS (fields))
        continue;

      if (strlen (fields[FIELD_STATE]) != 2 || !is_hex (fields[FIELD_STATE], 2)
          || g_ascii_strtoull (fields[FIELD_STATE], NULL, 16) != TCP_LISTEN)
        continue;
      if (!parse_local_port (fields[FIELD_LOCAL_ADDRESS], &line_port) || line_port != port)
        continue;
      if (!g_ascii_string_to_unsigned (fields[FIELD_INODE], 10, 0, G_MAXUINT64, &inode, NULL))
        continue;

      g_array_append_val (inodes, inode);
    }
}

/* A descriptor's link reads "socket:[INODE]" for a socket. */
static gboolean
parse_socket_link (char    *target,
                   guint64 *inode)
{
  char *digits;
  gsize length;

  if (!g_str_has_prefix (target, SOCKET_LINK_PREFIX))
    return FALSE;

  digits = target + strlen (SOCKET_LINK_PREFIX);
  length = strlen (digits);
  if (length < 2 || digits[length - 1] != ']')
    return FALSE;
  digits[length - 1] = '\0';

  return g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, inode, NULL);
}

static gboolean
holds_any (const char *fd_dir_path,
           GArray     *inodes)
{
  g_autoptr(GDir) dir = g_dir_open (fd_dir_path, 0, NULL);
  const char *name;

  /* Another user's process, or one that is gone already. */
  if (dir == NULL)
    return FALSE;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link_path = g_build_filename (fd_dir_path, name, NULL);
      /* "socket:[" and a 64-bit inode fit; a longer target is no socket. */
      char target[64];
      ssize_t length = readlink (link_path, target, sizeof target);
      guint64 inode;

      if (length <= 0 || (gsize) length >= sizeof target)
        continue;
      target[length] = '\0';

      if (!parse_socket_link (target, &inode))
        continue;
      for (guint i = 0; i < inodes->len; i++)
        if (g_array_index (inodes, guint64, i) == inode)
          return TRUE;
    }

  return FALSE;
}

static char *
read_comm (const char *proc_root,
           const char *pid)
{
  g_autofree char *path = g_build_filename (proc_root, pid, "comm", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;

  if (length > 0 && contents[length - 1] == '\n')
    contents[--length] = '\0';
  if (length == 0)
    return NULL;

  /* Any bytes can be a name; the UI shows it in a UTF-8 sentence. */
  return g_utf8_make_valid (contents, length);
}

TtsPortHolder *
tts_port_holder_find_in (const char *proc_root,
                         guint       port,
                         guint       other_than)
{
  g_autoptr(GArray) inodes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(TtsPortHolder) holder = NULL;
  g_autofree char *tcp_path = NULL;
  g_autofree char *tcp6_path = NULL;
  g_autoptr(GDir) proc = NULL;
  const char *name;

  g_return_val_if_fail (proc_root != NULL, NULL);

  /* Nothing listens on port 0, and no port is larger than 16 bits. */
  if (port == 0 || port > G_MAXUINT16)
    return NULL;

  tcp_path = g_build_filename (proc_root, "net", "tcp", NULL);
  tcp6_path = g_build_filename (proc_root, "net", "tcp6", NULL);
  collect_listeners (tcp_path, port, inodes);
  collect_listeners (tcp6_path, port, inodes);
  if (inodes->len == 0)
    return NULL;

  holder = g_new0 (TtsPortHolder, 1);

  proc = g_dir_open (proc_root, 0, NULL);
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *fd_dir_path = NULL;
      guint64 pid;

      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXUINT, &pid, NULL) || pid == other_than)
        continue;

      fd_dir_path = g_build_filename (proc_root, name, "fd", NULL);
      if (holds_any (fd_dir_path, inodes))
        {
          holder->pid = (guint) pid;
          holder->name = read_comm (proc_root, name);
          break;
        }
    }

  return g_steal_pointer (&holder);
}

TtsPortHolder *
tts_port_holder_find (guint port,
                      guint other_than)
{
  return tts_port_holder_find_in ("/proc", port, other_than);
}

void
tts_port_holder_free (TtsPortHolder *holder)
{
  if (holder == NULL)
    return;

  g_free (holder->name);
  g_free (holder);
}

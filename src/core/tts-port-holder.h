/* tts-port-holder.h: which program listens on a local TCP port, as far as this system tells
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint  pid;    /* 0 when unknown */
  char  *name;   /* the program's name (/proc/PID/comm), NULL when unknown */
} TtsPortHolder;

/* Looks for a socket in LISTEN state on @port (IPv4 and IPv6, any local address) in
 * /proc/net/tcp and /proc/net/tcp6, then for the process that has it open among /proc/[pid]/fd.
 * Returns NULL when no listening socket is found at all; a holder with pid 0 and name NULL when
 * the socket exists but its process cannot be seen (another user's, or outside a sandbox).
 * The process @other_than (0: none) is passed over: a listener that shares the port would
 * otherwise find itself. */
TtsPortHolder *tts_port_holder_find     (guint          port,
                                         guint          other_than);
void           tts_port_holder_free     (TtsPortHolder *holder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsPortHolder, tts_port_holder_free)

/* For tests: the same, in a tree laid out like /proc. */
TtsPortHolder *tts_port_holder_find_in  (const char    *proc_root,
                                         guint          port,
                                         guint          other_than);

G_END_DECLS

/* tts-wipe.h: wiping secrets from memory we own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Overwrites @length bytes in a way the compiler may not elide. */
void tts_wipe        (gpointer    data,
                      gsize       length);
/* Wipes a NUL-terminated string and frees it; NULL is allowed. */
void tts_wipe_free   (char       *secret);
/* For g_clear_pointer (&secret, tts_wipe_free) and g_autoptr-like use. */
typedef char TtsSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsSecret, tts_wipe_free)

G_END_DECLS

/* tts-test-files.h: temporary folders for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Deletes @path and all below it, read-only folders included; symbolic links are removed,
 * never followed. A path that does not exist is fine; anything that cannot be deleted fails
 * the test. */
void tts_test_remove_tree (const char *path);

G_END_DECLS

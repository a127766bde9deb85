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

/* A test fixture that is an empty temporary folder of the test's own, removed after it. */
typedef struct
{
  char *dir;
} TtsTestFolder;

void tts_test_folder_set_up    (TtsTestFolder *fixture,
                                gconstpointer  data);
void tts_test_folder_tear_down (TtsTestFolder *fixture,
                                gconstpointer  data);

G_END_DECLS

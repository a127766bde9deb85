/* tts-test-python-dotenv.h: what python-dotenv, the fetcher's reader, makes of a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether python3 with the dotenv module can be run. */
gboolean    tts_test_python_dotenv_available (void);
/* What python-dotenv reads from @path: key → value, NULL for a key without one. */
GHashTable *tts_test_python_dotenv_read      (const char *path);

G_END_DECLS

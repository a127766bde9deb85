/* tts-wipe.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-wipe.h"

void
tts_wipe (gpointer data,
          gsize    length)
{
  if (data == NULL || length == 0)
    return;

  /* explicit_bzero() is not elided by the optimiser, unlike a plain memset(). */
  explicit_bzero (data, length);
}

void
tts_wipe_free (char *secret)
{
  if (secret == NULL)
    return;

  tts_wipe (secret, strlen (secret));
  g_free (secret);
}

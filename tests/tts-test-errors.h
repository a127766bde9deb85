/* tts-test-errors.h: whether an error is fit to show to the user
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "tts-error.h"

G_BEGIN_DECLS

/* Asserts that @error is TTS_ERROR @code, and that its message is one plain sentence
 * (no markup, no control characters, not too long) with a specific next step from
 * tts_error_get_remedy(), none of the NULL-terminated @secrets appearing in either. */
void tts_test_assert_plain_error (const GError       *error,
                                  TtsErrorCode        code,
                                  const char * const *secrets);

G_END_DECLS

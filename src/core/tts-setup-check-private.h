/* tts-setup-check-private.h: what the core alone reads of a check
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-setup-check.h"

G_BEGIN_DECLS

/* The access token the last successful run read the accounts with, and in *@expires_at when
 * it runs out (see tts_verifier_get_access_token()). */
const char *tts_setup_check_get_access_token (TtsSetupCheck *self,
                                              gint64        *expires_at);

G_END_DECLS

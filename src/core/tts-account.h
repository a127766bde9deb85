/* tts-account.h: one account a token can read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_TYPE_ACCOUNT (tts_account_get_type ())

G_DECLARE_FINAL_TYPE (TtsAccount, tts_account, TTS, ACCOUNT, GObject)

TtsAccount *tts_account_new                 (const char *number,
                                             const char *nickname,
                                             const char *type_name,
                                             const char *authority);
const char *tts_account_get_number          (TtsAccount *self);
const char *tts_account_get_nickname        (TtsAccount *self);
const char *tts_account_get_type_name       (TtsAccount *self);
/* "owner", "trade-only" or "read-only" as the service says it */
const char *tts_account_get_authority       (TtsAccount *self);

/* Parses the body of GET /customers/me/accounts into a GPtrArray of TtsAccount.
 * Fails with TTS_ERROR_PROTOCOL on anything but {"data":{"items":[…]}}. */
GPtrArray  *tts_account_list_new_from_json  (const char  *data,
                                             gsize        length,
                                             GError     **error);

G_END_DECLS

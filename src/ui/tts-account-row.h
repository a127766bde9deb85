/* tts-account-row.h: one account a token can read, as a row
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "tts-account.h"

G_BEGIN_DECLS

/* An AdwActionRow: the account number, then its type and the holder's authority. */
GtkWidget *tts_account_row_new (TtsAccount *account);

G_END_DECLS

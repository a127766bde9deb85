/* tts-account-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-account-row.h"

static const char *
describe_authority (const char *authority)
{
  /* Translators: what the account holder may do with a brokerage account, shown after
   * the account type, e.g. “Individual · Owner” */
  if (g_strcmp0 (authority, "owner") == 0)
    return _("Owner");
  if (g_strcmp0 (authority, "trade-only") == 0)
    return _("Trade only");
  if (g_strcmp0 (authority, "read-only") == 0)
    return _("Read only");

  return authority != NULL ? authority : "";
}

GtkWidget *
tts_account_row_new (TtsAccount *account)
{
  const char *nickname = tts_account_get_nickname (account);
  const char *type_name = tts_account_get_type_name (account);
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();

  g_return_val_if_fail (TTS_IS_ACCOUNT (account), NULL);

  /* Translators: account type, then the holder's authority, e.g. “Individual · Owner” */
  subtitle = g_strdup_printf (C_("account", "%s · %s"),
                              type_name != NULL ? type_name : nickname != NULL ? nickname : "",
                              describe_authority (tts_account_get_authority (account)));
  /* The number, nickname and type come from tastytrade's answer: text, never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), tts_account_get_number (account));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  return row;
}

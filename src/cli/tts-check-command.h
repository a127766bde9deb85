/* tts-check-command.h: `tastytrade-setup --check [PATH]`, without a display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks the credentials saved in @path (a folder: its .secrets, or its .env when there is
 * no .secrets; or a file), or in the current folder when @path is NULL, and prints the
 * verdict and the accounts to stdout, or why the check failed and what to do to stderr.
 * When they work, it then prints whether they read SPX's option chain and stream an SPX
 * quote, as the fetcher does (TtsMarketCheck): a line each, which leaves the exit status
 * alone. Never prints a secret. @api_uri: --api-url, or NULL. @sandbox: --sandbox, to check
 * against the sandbox even when the file has no TT_SANDBOX=true.
 * Runs a main loop on the thread-default context until it is done. Returns the exit
 * status: 0 the credentials work, 1 tastytrade rejected them, 2 anything else (see
 * tts_setup_check_exit_status()). */
int tts_check_command_run (const char *path,
                           const char *api_uri,
                           gboolean    sandbox);

G_END_DECLS

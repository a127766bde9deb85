/* tts-secrets-file.h: the .secrets file in the user's project folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "tts-key-set.h"

G_BEGIN_DECLS

#define TTS_SECRETS_FILE_NAME        ".secrets"
#define TTS_SECRETS_BACKUP_FILE_NAME ".secrets.backup"

#define TTS_TYPE_SECRETS_FILE (tts_secrets_file_get_type ())

G_DECLARE_FINAL_TYPE (TtsSecretsFile, tts_secrets_file, TTS, SECRETS_FILE, GObject)

/* folder/.secrets */
TtsSecretsFile *tts_secrets_file_new              (GFile           *folder);
/* folder/@file_name, e.g. .env; its backup is @file_name.backup. The name must pass
 * tts_secrets_file_name_is_valid(). Below, .secrets stands for whichever name. */
TtsSecretsFile *tts_secrets_file_new_for_name     (GFile           *folder,
                                                   const char      *file_name);
/* A plain name in the folder, no path, quotes or spaces; else TTS_ERROR_INVALID_INPUT. */
gboolean        tts_secrets_file_name_is_valid    (const char      *file_name,
                                                   GError         **error);
/* The getters return (transfer none). */
GFile          *tts_secrets_file_get_folder       (TtsSecretsFile  *self);
const char     *tts_secrets_file_get_file_name    (TtsSecretsFile  *self);
/* folder/.secrets and folder/.secrets.backup */
GFile          *tts_secrets_file_get_file         (TtsSecretsFile  *self);
GFile          *tts_secrets_file_get_backup_file  (TtsSecretsFile  *self);
/* Whether the last save succeeded and kept the previous content as .secrets.backup.
 * FALSE after a failed save. */
gboolean        tts_secrets_file_get_backup_made  (TtsSecretsFile  *self);
/* After a save in a git work tree: TRUE when its .gitignore was not read or added to (a
 * link, which is never written through, a folder, no permission), so git may take the
 * file in. */
gboolean        tts_secrets_file_get_git_may_add  (TtsSecretsFile  *self);

/* The names a save writes (default TTS_KEY_SET_FETCHER). Set before a save starts. */
void            tts_secrets_file_set_key_set      (TtsSecretsFile  *self,
                                                   TtsKeySet        key_set);
TtsKeySet       tts_secrets_file_get_key_set      (TtsSecretsFile  *self);
/* Sandbox credentials are saved with TT_SANDBOX=true. Production ones (the default) add
 * nothing, but turn an existing TT_SANDBOX into false. Set before a save starts. */
void            tts_secrets_file_set_sandbox      (TtsSecretsFile  *self,
                                                   gboolean         sandbox);

/* Reads the credentials in .secrets under any key set's names (tts_stored_credentials_parse()),
 * in a worker thread. Fails with TTS_ERROR_NO_CREDENTIALS when the file does not exist,
 * cannot be read or holds no refresh token and client secret, TTS_ERROR_UNSAFE_FILE when it
 * is not a regular file or larger than 1 MiB. */
void                  tts_secrets_file_load_async  (TtsSecretsFile      *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
TtsStoredCredentials *tts_secrets_file_load_finish (TtsSecretsFile      *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* The same, blocking: for the command line. */
TtsStoredCredentials *tts_secrets_file_load        (TtsSecretsFile      *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);

/* Writes the key set's keys (see tts_secrets_file_set_key_set() and _set_sandbox()); an
 * empty @client_id is not written. The new content goes to a temporary file
 * .secrets.XXXXXXXX in the same folder, created 0600 whatever the umask (never wider at any
 * moment), fsynced and renamed over .secrets; the folder is then fsynced.
 * An existing .secrets keeps every other byte (tts_dotenv_merge()). Its previous content is
 * written the same way to a second temporary file, renamed to .secrets.backup (0600) just
 * before the new .secrets: one generation is kept, an older backup is replaced.
 * Refused with TTS_ERROR_UNSAFE_FILE, nothing changed: a .secrets that is a symlink, not a
 * regular file, owned by another user or over 1 MiB; a .secrets.backup that is not a regular
 * file (a symlink or a folder); a .secrets with a line the merge cannot keep.
 * Cancelled before the backup is renamed: G_IO_ERROR_CANCELLED, nothing changed; after
 * that the save runs to its end.
 * A value with a line break, invalid UTF-8 or ${...} fails with TTS_ERROR_INVALID_INPUT,
 * nothing changed. Other values are quoted so that python-dotenv reads them back exactly.
 * Any failure of a system call fails with TTS_ERROR_WRITE_FAILED, a plain sentence naming
 * the file or folder (a folder deleted or replaced since @self was made included), and:
 *  - up to the rename of the backup: nothing in the folder changed;
 *  - when the rename of the new .secrets fails: .secrets is intact, .secrets.backup now
 *    holds a copy of it (the older backup is gone);
 *  - either way no temporary file is left.
 * A failed fsync of the folder after the rename is not an error: the new .secrets is in
 * place and the previous one in .secrets.backup; a crash before the folder reaches the disk
 * can at worst bring back the old .secrets, whole (both files were fsynced). It is logged
 * with g_debug().
 * When the folder is in a git work tree, .secrets and .secrets.backup are added to the
 * folder's .gitignore unless its own lines already ignore them (best effort, never an error;
 * git itself is never run). */
gboolean        tts_secrets_file_save             (TtsSecretsFile  *self,
                                                   const char      *client_id,
                                                   const char      *client_secret,
                                                   const char      *refresh_token,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
/* The same in a worker thread. */
void            tts_secrets_file_save_async       (TtsSecretsFile      *self,
                                                   const char          *client_id,
                                                   const char          *client_secret,
                                                   const char          *refresh_token,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean        tts_secrets_file_save_finish      (TtsSecretsFile  *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);

G_END_DECLS

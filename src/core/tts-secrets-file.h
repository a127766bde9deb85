/* tts-secrets-file.h: the .secrets file in the user's project folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TTS_SECRETS_FILE_NAME        ".secrets"
#define TTS_SECRETS_BACKUP_FILE_NAME ".secrets.backup"

#define TTS_TYPE_SECRETS_FILE (tts_secrets_file_get_type ())

G_DECLARE_FINAL_TYPE (TtsSecretsFile, tts_secrets_file, TTS, SECRETS_FILE, GObject)

TtsSecretsFile *tts_secrets_file_new              (GFile           *folder);
/* The getters return (transfer none). */
GFile          *tts_secrets_file_get_folder       (TtsSecretsFile  *self);
/* folder/.secrets and folder/.secrets.backup */
GFile          *tts_secrets_file_get_file         (TtsSecretsFile  *self);
GFile          *tts_secrets_file_get_backup_file  (TtsSecretsFile  *self);
/* Whether the last successful save kept the previous content as .secrets.backup. */
gboolean        tts_secrets_file_get_backup_made  (TtsSecretsFile  *self);

/* Writes the three keys. The new content goes to a temporary file in the same folder,
 * created 0600 whatever the umask, fsynced and renamed over .secrets; the folder is fsynced.
 * An existing .secrets keeps every other line and its previous content is first saved as
 * .secrets.backup (0600, replacing an older backup). A .secrets that is a symlink, not a
 * regular file or owned by another user is refused (TTS_ERROR_UNSAFE_FILE) and nothing
 * changes. On failure the old .secrets is intact and no temporary file is left.
 * When the folder is in a git work tree, .secrets and .secrets.backup are added to the
 * folder's .gitignore unless git already ignores them. */
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

/* tts-secrets-file-private.h: test seams of TtsSecretsFile, for tests only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-secrets-file.h"

G_BEGIN_DECLS

/* The system calls of a save, in the order they run. The backup's temporary file goes
 * through the same steps as the new file's, in the same order, and only when .secrets
 * already exists. */
typedef enum
{
  TTS_SECRETS_FILE_STEP_OPEN_FOLDER,        /* open (folder, O_DIRECTORY) */
  TTS_SECRETS_FILE_STEP_CREATE_TEMP,        /* openat (O_CREAT | O_EXCL, 0600) */
  TTS_SECRETS_FILE_STEP_CHMOD_TEMP,         /* fchmod (0600) */
  TTS_SECRETS_FILE_STEP_WRITE_TEMP,         /* write () */
  TTS_SECRETS_FILE_STEP_FSYNC_TEMP,         /* fsync () */
  TTS_SECRETS_FILE_STEP_CLOSE_TEMP,         /* close () */
  TTS_SECRETS_FILE_STEP_CREATE_BACKUP_TEMP,
  TTS_SECRETS_FILE_STEP_CHMOD_BACKUP_TEMP,
  TTS_SECRETS_FILE_STEP_WRITE_BACKUP_TEMP,
  TTS_SECRETS_FILE_STEP_FSYNC_BACKUP_TEMP,
  TTS_SECRETS_FILE_STEP_CLOSE_BACKUP_TEMP,
  TTS_SECRETS_FILE_STEP_RENAME_BACKUP,      /* renameat (temp, .secrets.backup) */
  TTS_SECRETS_FILE_STEP_RENAME,             /* renameat (temp, .secrets) */
  TTS_SECRETS_FILE_STEP_FSYNC_FOLDER,       /* fsync (folder) */
  TTS_SECRETS_FILE_N_STEPS
} TtsSecretsFileStep;

/* Called after each step that succeeded, in the saving thread. @path is the file the step
 * acted on as it is now: the temporary file, .secrets.backup after RENAME_BACKUP, .secrets
 * after RENAME, the folder for OPEN_FOLDER and FSYNC_FOLDER. */
typedef void (*TtsSecretsFileStepFunc) (TtsSecretsFileStep  step,
                                        const char         *path,
                                        gpointer            user_data);

/* Makes @step fail with @errnum, without making the call, in every later save of @self.
 * @errnum 0 removes the fault. */
void tts_secrets_file_set_fault     (TtsSecretsFile         *self,
                                     TtsSecretsFileStep      step,
                                     int                     errnum);
void tts_secrets_file_set_step_func (TtsSecretsFile         *self,
                                     TtsSecretsFileStepFunc  func,
                                     gpointer                user_data);

G_END_DECLS

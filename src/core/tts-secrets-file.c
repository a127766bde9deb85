/* tts-secrets-file.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-gitignore.h"
#include "tts-key-set.h"
#include "tts-secrets-file.h"
#include "tts-secrets-file-private.h"
#include "tts-timing.h"
#include "tts-wipe.h"

/* A .secrets file is a few lines; anything this large is something else. */
#define MAX_SECRETS_SIZE (1024 * 1024)

struct _TtsSecretsFile
{
  GObject  parent_instance;

  GFile   *folder;
  char    *file_name;
  char    *backup_name;
  GFile   *file;
  GFile   *backup_file;
  /* Read by the saving thread; set before a save starts. */
  TtsKeySet key_set;
  gboolean  sandbox;
  /* Written by the saving thread, read once its task has returned. */
  gboolean backup_made;
  gboolean git_may_add;

  /* Test seams (tts-secrets-file-private.h); unset in the program. */
  TtsSecretsFileStep     fault_step;
  int                    fault_errno;
  TtsSecretsFileStepFunc step_func;
  gpointer               step_data;
};

G_DEFINE_FINAL_TYPE (TtsSecretsFile, tts_secrets_file, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FOLDER,
  PROP_FILE_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tts_secrets_file_constructed (GObject *object)
{
  TtsSecretsFile *self = (TtsSecretsFile *) object;

  G_OBJECT_CLASS (tts_secrets_file_parent_class)->constructed (object);

  g_assert (self->folder != NULL);
  if (self->file_name == NULL)
    self->file_name = g_strdup (TTS_SECRETS_FILE_NAME);
  g_assert (tts_secrets_file_name_is_valid (self->file_name, NULL));
  self->backup_name = g_strconcat (self->file_name, ".backup", NULL);
  self->file = g_file_get_child (self->folder, self->file_name);
  self->backup_file = g_file_get_child (self->folder, self->backup_name);
}

static void
tts_secrets_file_finalize (GObject *object)
{
  TtsSecretsFile *self = (TtsSecretsFile *) object;

  g_clear_object (&self->folder);
  g_free (self->file_name);
  g_free (self->backup_name);
  g_clear_object (&self->file);
  g_clear_object (&self->backup_file);

  G_OBJECT_CLASS (tts_secrets_file_parent_class)->finalize (object);
}

static void
tts_secrets_file_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TtsSecretsFile *self = TTS_SECRETS_FILE (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      g_value_set_object (value, self->folder);
      break;

    case PROP_FILE_NAME:
      g_value_set_string (value, self->file_name);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_secrets_file_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  TtsSecretsFile *self = TTS_SECRETS_FILE (object);

  switch (prop_id)
    {
    case PROP_FOLDER:
      self->folder = g_value_dup_object (value);
      break;

    case PROP_FILE_NAME:
      self->file_name = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_secrets_file_class_init (TtsSecretsFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tts_secrets_file_constructed;
  object_class->finalize = tts_secrets_file_finalize;
  object_class->get_property = tts_secrets_file_get_property;
  object_class->set_property = tts_secrets_file_set_property;

  properties[PROP_FOLDER] =
    g_param_spec_object ("folder", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /* NULL: .secrets */
  properties[PROP_FILE_NAME] =
    g_param_spec_string ("file-name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_secrets_file_init (TtsSecretsFile *self)
{
}

TtsSecretsFile *
tts_secrets_file_new (GFile *folder)
{
  g_return_val_if_fail (G_IS_FILE (folder), NULL);

  return g_object_new (TTS_TYPE_SECRETS_FILE, "folder", folder, NULL);
}

TtsSecretsFile *
tts_secrets_file_new_for_name (GFile      *folder,
                               const char *file_name)
{
  g_return_val_if_fail (G_IS_FILE (folder), NULL);
  g_return_val_if_fail (tts_secrets_file_name_is_valid (file_name, NULL), NULL);

  return g_object_new (TTS_TYPE_SECRETS_FILE, "folder", folder, "file-name", file_name, NULL);
}

gboolean
tts_secrets_file_name_is_valid (const char  *file_name,
                                GError     **error)
{
  gboolean valid = file_name != NULL &&
                   file_name[0] != '\0' &&
                   strlen (file_name) <= 64 &&
                   strcmp (file_name, ".") != 0 &&
                   strcmp (file_name, "..") != 0 &&
                   g_utf8_validate (file_name, -1, NULL);

  /* A name, not a path; nothing a shell or a Python string would read differently. */
  for (const char *p = file_name; valid && *p != '\0'; p++)
    if (*p == '/' || *p == '\\' || *p == '"' || *p == '\'' || g_ascii_iscntrl (*p) || *p == ' ')
      valid = FALSE;

  if (!valid)
    g_set_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                 _("“%s” cannot be used as a file name. Use a name such as .secrets or .env, "
                   "without spaces, quotes or slashes."),
                 file_name != NULL ? file_name : "");

  return valid;
}

const char *
tts_secrets_file_get_file_name (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), NULL);

  return self->file_name;
}

void
tts_secrets_file_set_key_set (TtsSecretsFile *self,
                              TtsKeySet       key_set)
{
  g_return_if_fail (TTS_IS_SECRETS_FILE (self));
  g_return_if_fail (key_set < TTS_KEY_SET_N_SETS);

  self->key_set = key_set;
}

TtsKeySet
tts_secrets_file_get_key_set (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), TTS_KEY_SET_FETCHER);

  return self->key_set;
}

void
tts_secrets_file_set_sandbox (TtsSecretsFile *self,
                              gboolean        sandbox)
{
  g_return_if_fail (TTS_IS_SECRETS_FILE (self));

  self->sandbox = !!sandbox;
}

GFile *
tts_secrets_file_get_folder (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), NULL);

  return self->folder;
}

GFile *
tts_secrets_file_get_file (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), NULL);

  return self->file;
}

GFile *
tts_secrets_file_get_backup_file (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), NULL);

  return self->backup_file;
}

gboolean
tts_secrets_file_get_backup_made (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), FALSE);

  return self->backup_made;
}

gboolean
tts_secrets_file_get_git_may_add (TtsSecretsFile *self)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), FALSE);

  return self->git_may_add;
}

void
tts_secrets_file_set_fault (TtsSecretsFile     *self,
                            TtsSecretsFileStep  step,
                            int                 errnum)
{
  g_return_if_fail (TTS_IS_SECRETS_FILE (self));
  g_return_if_fail (step < TTS_SECRETS_FILE_N_STEPS);
  g_return_if_fail (errnum >= 0);

  self->fault_step = step;
  self->fault_errno = errnum;
}

void
tts_secrets_file_set_step_func (TtsSecretsFile         *self,
                                TtsSecretsFileStepFunc  func,
                                gpointer                user_data)
{
  g_return_if_fail (TTS_IS_SECRETS_FILE (self));

  self->step_func = func;
  self->step_data = user_data;
}

/* TRUE, with errno set, when a test made @step fail: the caller then skips the call. */
static gboolean
inject_fault (TtsSecretsFile     *self,
              TtsSecretsFileStep  step)
{
  if (G_LIKELY (self->fault_errno == 0) || self->fault_step != step)
    return FALSE;

  errno = self->fault_errno;
  return TRUE;
}

/* Lets a test look at @name in @folder_path (NULL: the folder) right after @step. */
static void
step_done (TtsSecretsFile     *self,
           TtsSecretsFileStep  step,
           const char         *folder_path,
           const char         *name)
{
  g_autofree char *path = NULL;

  if (G_LIKELY (self->step_func == NULL))
    return;

  path = name != NULL ? g_build_filename (folder_path, name, NULL) : g_strdup (folder_path);
  self->step_func (step, path, self->step_data);
}

/* The backup's temporary file goes through the same steps, numbered after the new file's. */
static TtsSecretsFileStep
temp_step (TtsSecretsFileStep step,
           gboolean           backup)
{
  if (!backup)
    return step;

  return step + (TTS_SECRETS_FILE_STEP_CREATE_BACKUP_TEMP - TTS_SECRETS_FILE_STEP_CREATE_TEMP);
}

static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      ssize_t written = write (fd, data, length);

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      length -= written;
    }

  return TRUE;
}

/* Says in plain words why @path in @folder_path could not be written. The next step common
 * to all of them is tts_error_get_remedy()'s; a message adds one only where that one does
 * not fit. */
static void
set_write_error (GError     **error,
                 const char  *folder_path,
                 const char  *path,
                 int          saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("The disk is full, so “%s” could not be saved."), path);
      break;

    case EROFS:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("The folder “%s” is on a disk that cannot be written to. Choose another "
                     "folder."),
                   folder_path);
      break;

    case EACCES:
    case EPERM:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("You are not allowed to save files in the folder “%s”. Choose another "
                     "folder, or change its permissions."),
                   folder_path);
      break;

    case ENOENT:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("The folder “%s” no longer exists. Choose another folder."), folder_path);
      break;

    case ENOTDIR:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("“%s” is no longer a folder. Choose another folder."), folder_path);
      break;

    case EIO:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("The disk reported an error while “%s” was being saved."), path);
      break;

    default:
      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   /* Translators: the second %s is the system's reason, e.g. “File too large” */
                   _("“%s” could not be saved: %s."), path, g_strerror (saved_errno));
      break;
    }
}

/* Creates a file with a fresh name in the folder, 0600 from its first moment whatever the
 * umask, writes @data and syncs it. Returns its name; on failure nothing is left behind.
 * @backup: this is the copy of the previous content, for the test seams. */
static char *
write_temp_file (TtsSecretsFile  *self,
                 int              dirfd,
                 const char      *folder_path,
                 gboolean         backup,
                 const char      *data,
                 gsize            length,
                 const char      *target_path,
                 GError         **error)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  g_autofree char *name = NULL;
  int saved_errno;
  int fd = -1;

  for (int attempt = 0; attempt < 100 && fd < 0; attempt++)
    {
      /* 8 characters: never the 6 of "backup". */
      char suffix[9];

      for (int i = 0; i < 8; i++)
        suffix[i] = chars[g_random_int_range (0, sizeof chars - 1)];
      suffix[8] = '\0';

      g_free (name);
      name = g_strconcat (self->file_name, ".", suffix, NULL);
      if (inject_fault (self, temp_step (TTS_SECRETS_FILE_STEP_CREATE_TEMP, backup)))
        fd = -1;
      else
        fd = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                     0600);
      if (fd < 0 && errno != EEXIST)
        {
          set_write_error (error, folder_path, target_path, errno);
          return NULL;
        }
    }

  if (fd < 0)
    {
      set_write_error (error, folder_path, target_path, EEXIST);
      return NULL;
    }
  step_done (self, temp_step (TTS_SECRETS_FILE_STEP_CREATE_TEMP, backup), folder_path, name);

  if (inject_fault (self, temp_step (TTS_SECRETS_FILE_STEP_CHMOD_TEMP, backup))
      || fchmod (fd, 0600) != 0)
    goto fail_open;
  step_done (self, temp_step (TTS_SECRETS_FILE_STEP_CHMOD_TEMP, backup), folder_path, name);

  if (inject_fault (self, temp_step (TTS_SECRETS_FILE_STEP_WRITE_TEMP, backup))
      || !write_all (fd, data, length))
    goto fail_open;
  step_done (self, temp_step (TTS_SECRETS_FILE_STEP_WRITE_TEMP, backup), folder_path, name);

  if (inject_fault (self, temp_step (TTS_SECRETS_FILE_STEP_FSYNC_TEMP, backup)) || fsync (fd) != 0)
    goto fail_open;
  step_done (self, temp_step (TTS_SECRETS_FILE_STEP_FSYNC_TEMP, backup), folder_path, name);

  /* close () releases the descriptor even when it fails: call it first. */
  if (close (fd) != 0 || inject_fault (self, temp_step (TTS_SECRETS_FILE_STEP_CLOSE_TEMP, backup)))
    {
      saved_errno = errno;
      goto fail;
    }
  step_done (self, temp_step (TTS_SECRETS_FILE_STEP_CLOSE_TEMP, backup), folder_path, name);

  return g_steal_pointer (&name);

fail_open:
  saved_errno = errno;
  close (fd);
fail:
  unlinkat (dirfd, name, 0);
  set_write_error (error, folder_path, target_path, saved_errno);
  return NULL;
}

/* Refuses what we must not read, replace or write through. */
static void
set_symlink_error (GError     **error,
                   const char  *path)
{
  g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
               _("“%s” is a symbolic link, so it was not changed. Saving through it could "
                 "put your secrets somewhere else."),
               path);
}

static void
set_read_error (GError     **error,
                const char  *path,
                int          saved_errno)
{
  g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
               _("Could not read “%s”: %s."), path, g_strerror (saved_errno));
}

static gboolean
check_secrets_stat (const struct stat  *st,
                    const char         *path,
                    GError            **error)
{
  if (S_ISLNK (st->st_mode))
    {
      set_symlink_error (error, path);
      return FALSE;
    }

  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
                   _("“%s” is not a regular file, so it was not changed."), path);
      return FALSE;
    }

  if (st->st_uid != geteuid ())
    {
      g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
                   _("“%s” belongs to another user, so it was not changed."), path);
      return FALSE;
    }

  return TRUE;
}

/* Reads the existing .secrets into a buffer the caller wipes. */
static gboolean
read_existing (int                 dirfd,
               const char         *name,
               const struct stat  *expected,
               const char         *path,
               char              **out_data,
               gsize              *out_length,
               GError            **error)
{
  struct stat st;
  char *data;
  gsize length = 0;
  int fd;

  /* O_NONBLOCK: something swapped in since the check must not hang us (a FIFO). */
  fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ELOOP)
        set_symlink_error (error, path);
      else
        set_read_error (error, path, saved_errno);
      return FALSE;
    }

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      close (fd);
      set_read_error (error, path, saved_errno);
      return FALSE;
    }

  if (!check_secrets_stat (&st, path, error))
    {
      close (fd);
      return FALSE;
    }

  if (st.st_dev != expected->st_dev || st.st_ino != expected->st_ino
      || st.st_size > MAX_SECRETS_SIZE)
    goto too_large_or_changed;

  data = g_malloc (MAX_SECRETS_SIZE + 1);
  for (;;)
    {
      ssize_t got = read (fd, data + length, MAX_SECRETS_SIZE + 1 - length);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved_errno = errno;

          tts_wipe (data, length);
          g_free (data);
          close (fd);
          set_read_error (error, path, saved_errno);
          return FALSE;
        }
      if (got == 0)
        break;

      length += got;
      if (length > MAX_SECRETS_SIZE)
        {
          tts_wipe (data, length);
          g_free (data);
          goto too_large_or_changed;
        }
    }

  close (fd);
  *out_data = data;
  *out_length = length;
  return TRUE;

too_large_or_changed:
  close (fd);
  g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
               _("“%s” is too large to be a .secrets file or changed while it was read, "
                 "so it was not changed."),
               path);
  return FALSE;
}

static gboolean
has_sandbox_marker (const char *data,
                    gsize       length)
{
  g_autofree char *value = data != NULL ? tts_dotenv_lookup (data, length, TTS_KEY_SANDBOX) : NULL;

  return value != NULL;
}

static void
wipe_and_free (char  **data,
               gsize   length)
{
  if (*data == NULL)
    return;
  tts_wipe (*data, length);
  g_clear_pointer (data, g_free);
}

gboolean
tts_secrets_file_save (TtsSecretsFile  *self,
                       const char      *client_id,
                       const char      *client_secret,
                       const char      *refresh_token,
                       GCancellable    *cancellable,
                       GError         **error)
{
  const char *keys[5] = { NULL };
  const char *values[5] = { NULL };
  guint n_keys = 0;
  g_autofree char *folder_path = NULL;
  g_autofree char *path = NULL;
  g_autofree char *backup_path = NULL;
  g_autofree char *new_tmp = NULL;
  g_autofree char *backup_tmp = NULL;
  g_autoptr(GError) merge_error = NULL;
  char *old_data = NULL;
  gsize old_length = 0;
  char *new_data = NULL;
  gsize new_length = 0;
  gboolean has_old = FALSE;
  gboolean backup_made = FALSE;
  gboolean ok = FALSE;
  struct stat st;
  int dirfd = -1;

  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (client_secret != NULL, FALSE);
  g_return_val_if_fail (refresh_token != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->backup_made = FALSE;
  self->git_may_add = FALSE;
  folder_path = g_file_get_path (self->folder);
  if (folder_path == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (self->folder);

      g_set_error (error, TTS_ERROR, TTS_ERROR_WRITE_FAILED,
                   _("The folder “%s” is not on this computer. Choose a local folder."), name);
      return FALSE;
    }
  path = g_build_filename (folder_path, self->file_name, NULL);
  backup_path = g_build_filename (folder_path, self->backup_name, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (inject_fault (self, TTS_SECRETS_FILE_STEP_OPEN_FOLDER))
    dirfd = -1;
  else
    dirfd = open (folder_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      /* Deleted or replaced since it was chosen: ENOENT, ENOTDIR. */
      set_write_error (error, folder_path, path, errno);
      return FALSE;
    }
  step_done (self, TTS_SECRETS_FILE_STEP_OPEN_FOLDER, folder_path, NULL);

  if (fstatat (dirfd, self->file_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      struct stat backup_st;

      if (!check_secrets_stat (&st, path, error))
        goto out;

      if (fstatat (dirfd, self->backup_name, &backup_st, AT_SYMLINK_NOFOLLOW) == 0)
        {
          if (!S_ISREG (backup_st.st_mode))
            {
              g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
                           _("“%s” is not a regular file, so the previous credentials cannot be "
                             "backed up there. Nothing was changed."),
                           backup_path);
              goto out;
            }
        }
      else if (errno != ENOENT)
        {
          set_write_error (error, folder_path, backup_path, errno);
          goto out;
        }

      if (!read_existing (dirfd, self->file_name, &st, path, &old_data, &old_length, error))
        goto out;
      has_old = TRUE;
    }
  else if (errno != ENOENT)
    {
      set_read_error (error, path, errno);
      goto out;
    }

  for (TtsCredentialKind kind = TTS_CREDENTIAL_CLIENT_ID; kind <= TTS_CREDENTIAL_REFRESH_TOKEN; kind++)
    {
      const char *key = tts_key_set_get_key (self->key_set, kind);
      const char *value = kind == TTS_CREDENTIAL_CLIENT_ID ? client_id
                          : kind == TTS_CREDENTIAL_CLIENT_SECRET ? client_secret
                          : refresh_token;

      /* A file read with no client ID gets none written back. */
      if (key == NULL || (kind == TTS_CREDENTIAL_CLIENT_ID && value[0] == '\0'))
        continue;
      keys[n_keys] = key;
      values[n_keys++] = value;
    }
  /* Sandbox credentials say so; production ones only correct an older marker. */
  if (self->sandbox || has_sandbox_marker (old_data, old_length))
    {
      keys[n_keys] = TTS_KEY_SANDBOX;
      values[n_keys++] = self->sandbox ? "true" : "false";
    }

  new_data = tts_dotenv_merge (old_data, old_length, keys, values, &new_length, &merge_error);
  if (new_data == NULL)
    {
      if (g_error_matches (merge_error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE))
        g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
                     _("“%s” has a line that could not be kept as it is while adding the new "
                       "values, so it was not changed."),
                     path);
      else
        g_propagate_error (error, g_steal_pointer (&merge_error));
      goto out;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  new_tmp = write_temp_file (self, dirfd, folder_path, FALSE, new_data, new_length, path, error);
  if (new_tmp == NULL)
    goto out;

  if (has_old)
    {
      backup_tmp = write_temp_file (self, dirfd, folder_path, TRUE, old_data, old_length,
                                    backup_path, error);
      if (backup_tmp == NULL)
        goto out;
    }

  /* The last point where the user can still change their mind. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  /* From here an older .secrets.backup is replaced, even if the last rename then fails:
   * it then holds a copy of the .secrets that is still in place. */
  if (backup_tmp != NULL)
    {
      if (inject_fault (self, TTS_SECRETS_FILE_STEP_RENAME_BACKUP)
          || renameat (dirfd, backup_tmp, dirfd, self->backup_name) != 0)
        {
          set_write_error (error, folder_path, backup_path, errno);
          goto out;
        }
      g_clear_pointer (&backup_tmp, g_free);
      backup_made = TRUE;
      step_done (self, TTS_SECRETS_FILE_STEP_RENAME_BACKUP, folder_path,
                 self->backup_name);
    }

  if (inject_fault (self, TTS_SECRETS_FILE_STEP_RENAME)
      || renameat (dirfd, new_tmp, dirfd, self->file_name) != 0)
    {
      set_write_error (error, folder_path, path, errno);
      goto out;
    }
  g_clear_pointer (&new_tmp, g_free);
  tts_timing_mark ("secrets-renamed");
  step_done (self, TTS_SECRETS_FILE_STEP_RENAME, folder_path, self->file_name);

  /* The new content is in place and readable, the previous one in the backup. Reporting a
   * failure now would be false ("nothing changed"), and Try Again would back up the new
   * content over the previous one: a folder that cannot be synced is only logged. */
  if (inject_fault (self, TTS_SECRETS_FILE_STEP_FSYNC_FOLDER) || fsync (dirfd) != 0)
    g_debug ("Could not sync the folder %s: %s", folder_path, g_strerror (errno));
  else
    step_done (self, TTS_SECRETS_FILE_STEP_FSYNC_FOLDER, folder_path, NULL);

  {
    const char * const names[] = { self->file_name, self->backup_name, NULL };

    self->git_may_add = !tts_gitignore_protect (dirfd, folder_path, names);
  }

  ok = TRUE;
  self->backup_made = backup_made;

out:
  if (new_tmp != NULL)
    unlinkat (dirfd, new_tmp, 0);
  if (backup_tmp != NULL)
    unlinkat (dirfd, backup_tmp, 0);
  wipe_and_free (&old_data, old_length);
  wipe_and_free (&new_data, new_length);
  close (dirfd);

  return ok;
}

typedef struct
{
  char *client_id;
  char *client_secret;
  char *refresh_token;
} SaveData;

static void
save_data_free (SaveData *data)
{
  tts_wipe_free (data->client_id);
  tts_wipe_free (data->client_secret);
  tts_wipe_free (data->refresh_token);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;

  if (tts_secrets_file_save (source_object,
                             data->client_id,
                             data->client_secret,
                             data->refresh_token,
                             cancellable,
                             &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tts_secrets_file_save_async (TtsSecretsFile      *self,
                             const char          *client_id,
                             const char          *client_secret,
                             const char          *refresh_token,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (TTS_IS_SECRETS_FILE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (refresh_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (SaveData, 1);
  data->client_id = g_strdup (client_id);
  data->client_secret = g_strdup (client_secret);
  data->refresh_token = g_strdup (refresh_token);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tts_secrets_file_save_async);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  /* A save that got past its last cancellation point has written the file: report that. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, save_thread);
}

gboolean
tts_secrets_file_save_finish (TtsSecretsFile  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tts_secrets_file_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

TtsStoredCredentials *
tts_secrets_file_load (TtsSecretsFile  *self,
                       GCancellable    *cancellable,
                       GError         **error)
{
  g_autofree char *path = NULL;
  g_autoptr(TtsStoredCredentials) credentials = NULL;
  g_autoptr(GError) read_error = NULL;
  char *data = NULL;
  gsize length = 0;
  struct stat st;

  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  path = g_file_get_path (self->file);
  if (path == NULL)
    {
      g_autofree char *name = g_file_get_parse_name (self->file);

      g_set_error (error, TTS_ERROR, TTS_ERROR_NO_CREDENTIALS,
                   _("“%s” is not on this computer."), name);
      return NULL;
    }

  /* Reading follows a symbolic link (a dotfile manager's, say): only writing must not. */
  if (stat (path, &st) != 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        g_set_error (error, TTS_ERROR, TTS_ERROR_NO_CREDENTIALS,
                     _("There is no file named “%s”."), path);
      else
        g_set_error (error, TTS_ERROR, TTS_ERROR_NO_CREDENTIALS,
                     _("Could not read “%s”: %s."), path, g_strerror (errno));
      return NULL;
    }

  if (!S_ISREG (st.st_mode) || st.st_size > MAX_SECRETS_SIZE)
    {
      g_set_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
                   _("“%s” is not a file of credentials: it is not a regular file, or it is too large."),
                   path);
      return NULL;
    }

  if (!g_file_get_contents (path, &data, &length, &read_error))
    {
      /* GLib's own sentence names the file and the reason. */
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_NO_CREDENTIALS, read_error->message);
      return NULL;
    }

  credentials = tts_stored_credentials_parse (data, length);
  tts_wipe (data, length);
  g_free (data);
  if (credentials == NULL)
    {
      g_set_error (error, TTS_ERROR, TTS_ERROR_NO_CREDENTIALS,
                   _("“%s” holds no client secret and refresh token under the names this "
                     "program knows."),
                   path);
      return NULL;
    }

  return g_steal_pointer (&credentials);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  TtsStoredCredentials *credentials = tts_secrets_file_load (source_object, cancellable, &error);

  if (credentials != NULL)
    g_task_return_pointer (task, credentials, (GDestroyNotify) tts_stored_credentials_free);
  else
    g_task_return_error (task, error);
}

void
tts_secrets_file_load_async (TtsSecretsFile      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TTS_IS_SECRETS_FILE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tts_secrets_file_load_async);
  g_task_run_in_thread (task, load_thread);
}

TtsStoredCredentials *
tts_secrets_file_load_finish (TtsSecretsFile  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (TTS_IS_SECRETS_FILE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tts_secrets_file_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

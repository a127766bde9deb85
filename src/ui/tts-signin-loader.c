/* tts-signin-loader.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "tts-error.h"
#include "tts-page.h"
#include "tts-signin-loader.h"

#define MODULE_NAME "tastytrade-setup-signin.so"
#define GET_TYPE_SYMBOL "tts_signin_page_get_type"

G_LOCK_DEFINE_STATIC (loaded);
static GType loaded_type;

void
tts_signin_loader_set_builtin_type (GType type)
{
  g_return_if_fail (g_type_is_a (type, TTS_TYPE_PAGE));

  G_LOCK (loaded);
  loaded_type = type;
  G_UNLOCK (loaded);
}

static GType
load_module (GError **error)
{
  const char *dir = g_getenv (TTS_SIGNIN_MODULE_DIR_VARIABLE);
  g_autofree char *path = g_build_filename (dir != NULL && dir[0] != '\0' ? dir : PKGLIBDIR,
                                            MODULE_NAME, NULL);
  GType (*get_type) (void) = NULL;
  GModule *module;
  GType type;

  /* Local: nothing else may bind to WebKit's symbols through this module. */
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL || !g_module_symbol (module, GET_TYPE_SYMBOL, (gpointer *) &get_type))
    {
      g_debug ("Could not load the sign-in module %s: %s", path, g_module_error ());
      g_clear_pointer (&module, g_module_close);
      type = G_TYPE_INVALID;
    }
  else
    {
      /* A type once registered cannot be unregistered: the module stays for good. */
      g_module_make_resident (module);
      type = get_type ();
      if (!g_type_is_a (type, TTS_TYPE_PAGE))
        {
          g_debug ("The sign-in module %s holds no page", path);
          type = G_TYPE_INVALID;
        }
    }

  if (type == G_TYPE_INVALID)
    g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INSTALLATION,
                         _("The part of Tastytrade API Setup that shows tastytrade’s sign-in "
                           "page is missing or damaged."));
  return type;
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  GType type;

  /* Under the lock: two windows asking at once load the module once. */
  G_LOCK (loaded);
  if (loaded_type == G_TYPE_INVALID)
    loaded_type = load_module (&error);
  type = loaded_type;
  G_UNLOCK (loaded);

  if (type == G_TYPE_INVALID)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, GSIZE_TO_POINTER (type), NULL);
}

void
tts_signin_loader_load_async (GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tts_signin_loader_load_async);
  g_task_set_name (task, "[tastytrade-setup] load the sign-in page");
  g_task_run_in_thread (task, load_in_thread);
}

GType
tts_signin_loader_load_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), G_TYPE_INVALID);

  return GPOINTER_TO_SIZE (g_task_propagate_pointer (G_TASK (result), error));
}

/* test-signin-loader.c: the sign-in page comes from its module, or a plain error says why
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include <glib/gstdio.h>

#include "tts-error.h"
#include "tts-page.h"
#include "tts-signin-loader.h"
#include "tts-test-errors.h"

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GType
load (GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tts_signin_loader_load_async (NULL, loaded_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return tts_signin_loader_load_finish (result, error);
}

/* Runs first: a failure is not remembered, so the next test still loads the module. */
static void
test_missing (void)
{
  g_autofree char *saved = g_strdup (g_getenv (TTS_SIGNIN_MODULE_DIR_VARIABLE));
  g_autofree char *empty = g_dir_make_tmp ("tts-no-module-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (empty);
  g_setenv (TTS_SIGNIN_MODULE_DIR_VARIABLE, empty, TRUE);

  g_assert_cmpuint (load (&error), ==, G_TYPE_INVALID);
  tts_test_assert_plain_error (error, TTS_ERROR_INSTALLATION, NULL);
  /* The user's words, not the loader's. */
  g_assert_null (strstr (error->message, ".so"));
  g_assert_nonnull (strstr (tts_error_get_remedy (error), "Reinstall"));

  g_setenv (TTS_SIGNIN_MODULE_DIR_VARIABLE, saved, TRUE);
  g_rmdir (empty);
}

static void
test_loads_page (void)
{
  g_autoptr(GError) error = NULL;
  GType type;

  g_assert_nonnull (g_getenv (TTS_SIGNIN_MODULE_DIR_VARIABLE));

  type = load (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_type_name (type), ==, "TtsSigninPage");
  g_assert_true (g_type_is_a (type, TTS_TYPE_PAGE));
  g_assert_nonnull (g_object_class_find_property (g_type_class_ref (type), "flow"));

  /* Once per process: the second answer is the same type. */
  g_assert_cmpuint (load (&error), ==, type);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/signin-loader/missing", test_missing);
  g_test_add_func ("/signin-loader/loads-page", test_loads_page);

  return g_test_run ();
}

/* tts-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tts-application.h"
#include "tts-check-command.h"
#include "tts-environment.h"
#include "tts-window.h"

struct _TtsApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (TtsApplication, tts_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "sandbox", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Use tastytrade’s sandbox instead of production"), NULL },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Preselect the project folder where .secrets is written"), N_("DIR") },
  { "auth-url", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("For tests: the authorization page of a test or mock service"), N_("URL") },
  { "api-url", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("For tests: the API base of a test or mock service"), N_("URL") },
  { "redirect-uri", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("For tests: the redirect URI registered with the service (default http://localhost:8000)"), N_("URI") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and quit"), NULL },
  { "check", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Check the credentials saved in PATH (a folder or file; default: the current folder) and exit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
    NULL, N_("[PATH]") },
  { NULL }
};

static int
tts_application_handle_local_options (GApplication *application,
                                      GVariantDict *options_dict)
{
  g_autofree const char **paths = NULL;

  if (g_variant_dict_contains (options_dict, "version"))
    {
      g_print ("%s %s\n", "tastytrade-setup", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options_dict, G_OPTION_REMAINING, "^a&ay", &paths);

  /* Here, before GTK starts and before D-Bus registration: it needs neither a display
   * nor a session bus. */
  if (g_variant_dict_contains (options_dict, "check"))
    {
      const char *api_uri = NULL;
      gboolean sandbox = FALSE;

      if (paths != NULL && paths[0] != NULL && paths[1] != NULL)
        {
          g_printerr ("tastytrade-setup: %s\n", _("--check takes one folder or file."));
          return 2;
        }

      g_variant_dict_lookup (options_dict, "api-url", "&s", &api_uri);
      g_variant_dict_lookup (options_dict, "sandbox", "b", &sandbox);

      return tts_check_command_run (paths != NULL ? paths[0] : NULL, api_uri, sandbox);
    }

  if (paths != NULL && paths[0] != NULL)
    {
      g_autofree char *name = g_filename_display_name (paths[0]);

      g_printerr ("tastytrade-setup: ");
      /* Translators: %s is what was typed after the options */
      g_printerr (_("Unexpected argument “%s”. To check a saved setup, use --check %s."),
                  name, name);
      g_printerr ("\n");
      return 2;
    }

  return -1;
}

static int
tts_application_command_line (GApplication            *application,
                              GApplicationCommandLine *command_line)
{
  GVariantDict *options_dict = g_application_command_line_get_options_dict (command_line);
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;
  const char *auth_uri = NULL;
  const char *api_uri = NULL;
  const char *redirect_uri = NULL;
  const char *output = NULL;
  gboolean sandbox = FALSE;
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window != NULL)
    {
      /* One wizard at a time: a second launch brings the first one forward. */
      gtk_window_present (window);
      return 0;
    }

  g_variant_dict_lookup (options_dict, "sandbox", "b", &sandbox);
  g_variant_dict_lookup (options_dict, "auth-url", "&s", &auth_uri);
  g_variant_dict_lookup (options_dict, "api-url", "&s", &api_uri);
  g_variant_dict_lookup (options_dict, "redirect-uri", "&s", &redirect_uri);
  g_variant_dict_lookup (options_dict, "output", "^&ay", &output);

  /* Checked here so a typo fails at once, with the reason, in the terminal. */
  environment = tts_environment_new (sandbox ? TTS_ENVIRONMENT_SANDBOX : TTS_ENVIRONMENT_PRODUCTION,
                                     auth_uri, api_uri, redirect_uri, &error);
  if (environment == NULL)
    {
      g_application_command_line_printerr (command_line, "tastytrade-setup: %s\n", error->message);
      return 2;
    }

  if (output != NULL)
    {
      folder = g_application_command_line_create_file_for_arg (command_line, output);
      if (g_file_query_file_type (folder, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_DIRECTORY)
        {
          g_autofree char *name = g_file_get_parse_name (folder);
          /* Translators: %s is a folder */
          g_autofree char *message = g_strdup_printf (_("There is no folder named %s."), name);

          g_application_command_line_printerr (command_line, "tastytrade-setup: %s\n", message);
          return 2;
        }
    }

  window = GTK_WINDOW (tts_window_new (GTK_APPLICATION (application), sandbox,
                                       auth_uri, api_uri, redirect_uri, folder));
  gtk_window_present (window);

  return 0;
}

static void
tts_application_class_init (TtsApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->handle_local_options = tts_application_handle_local_options;
  app_class->command_line = tts_application_command_line;
}

static void
tts_application_init (TtsApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Get a refresh token for tastytrade’s API and save it, "
                                              "with your OAuth app’s Client ID and Client Secret, "
                                              "in a .secrets file."));
  g_application_set_option_context_description (G_APPLICATION (self),
                                                _("The --auth-url, --api-url and --redirect-uri options "
                                                  "point the program at a test or mock service, such as "
                                                  "the fake-tastytrade program of its test suite. Never "
                                                  "use them with addresses you do not control."));
}

TtsApplication *
tts_application_new (void)
{
  return g_object_new (TTS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/io/github/tastytrade_setup/TastytradeSetup",
                       NULL);
}

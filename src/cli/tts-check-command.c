/* tts-check-command.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tts-account.h"
#include "tts-check-command.h"
#include "tts-environment.h"
#include "tts-error.h"
#include "tts-secrets-file.h"
#include "tts-setup-check.h"
#include "tts-token-client.h"

#define PROGRAM_NAME "tastytrade-setup"
/* What the tastyware and python-dotenv folks call the file when it is not .secrets. */
#define ENV_FILE_NAME ".env"

typedef struct
{
  GMainLoop *loop;
  GError    *error;
} Wait;

/* The two market checks, run side by side. */
typedef struct
{
  GMainLoop      *loop;
  guint           pending;
  TtsOptionChain *chain;
  GError         *chain_error;
  TtsQuote       *quote;
  GError         *quote_error;
} MarketWait;

static void
usage_error (const char *message)
{
  g_printerr ("%s: %s\n", PROGRAM_NAME, message);
}

/* Text from the server, fit for a terminal: no control characters or escape sequences. */
static char *
dup_printable (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *clean = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (clean, g_unichar_isprint (c) ? c : (gunichar) '?');
    }

  return g_string_free (clean, FALSE);
}

/* A folder stands for its .secrets, or its .env when only that exists; anything else for
 * the file it names (which need not exist: loading it then says so). */
static TtsSecretsFile *
resolve_file (const char  *path,
              GError     **error)
{
  g_autofree char *absolute = g_canonicalize_filename (path != NULL ? path : ".", NULL);
  g_autoptr(GFile) folder = NULL;
  g_autofree char *name = NULL;

  if (g_file_test (absolute, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *secrets = g_build_filename (absolute, TTS_SECRETS_FILE_NAME, NULL);
      g_autofree char *env = g_build_filename (absolute, ENV_FILE_NAME, NULL);

      folder = g_file_new_for_path (absolute);
      if (!g_file_test (secrets, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)
          && g_file_test (env, G_FILE_TEST_EXISTS))
        name = g_strdup (ENV_FILE_NAME);
      else
        name = g_strdup (TTS_SECRETS_FILE_NAME);
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (absolute);

      folder = g_file_get_parent (file);
      if (folder == NULL)
        {
          g_set_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                       /* Translators: %s is a path given on the command line */
                       _("“%s” is not a file of credentials."), absolute);
          return NULL;
        }
      /* TtsSecretsFile takes plain names only (no spaces or quotes). */
      name = g_file_get_basename (file);
      if (!tts_secrets_file_name_is_valid (name, error))
        return NULL;
    }

  return tts_secrets_file_new_for_name (folder, name);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Wait *wait = user_data;

  tts_setup_check_run_finish (TTS_SETUP_CHECK (object), result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static void
print_success (TtsSetupCheck *check)
{
  TtsSecretsFile *file = tts_setup_check_get_file (check);
  GListModel *accounts = tts_setup_check_get_accounts (check);
  g_autofree char *name = g_file_get_parse_name (tts_secrets_file_get_file (file));
  guint n_accounts = g_list_model_get_n_items (accounts);

  if (tts_setup_check_get_sandbox (check))
    /* Translators: %s is a file, such as /home/me/project/.secrets */
    g_print (_("OK: tastytrade accepts the credentials in %s (sandbox)."), name);
  else
    /* Translators: %s is a file, such as /home/me/project/.secrets */
    g_print (_("OK: tastytrade accepts the credentials in %s (production)."), name);
  g_print ("\n");

  for (guint i = 0; i < n_accounts; i++)
    {
      g_autoptr(TtsAccount) account = g_list_model_get_item (accounts, i);
      const char *nickname = tts_account_get_nickname (account);
      const char *authority = tts_account_get_authority (account);
      g_autofree char *number = dup_printable (tts_account_get_number (account));
      g_autofree char *label = NULL;

      if (nickname == NULL || nickname[0] == '\0')
        nickname = tts_account_get_type_name (account);
      label = dup_printable (nickname);

      if (authority != NULL && authority[0] != '\0')
        {
          g_autofree char *clean_authority = dup_printable (authority);

          /* Translators: one account, indented: its number, its name, and what the holder
           * may do with it as tastytrade says it (owner, trade-only, read-only), e.g.
           * “  5WX01234  Individual  (owner)” */
          g_print (_("  %s  %s  (%s)"), number, label, clean_authority);
        }
      else
        /* Translators: one account, indented: its number and its name */
        g_print (_("  %s  %s"), number, label);
      g_print ("\n");
    }

  if (n_accounts == 0)
    g_print ("%s\n", _("tastytrade lists no accounts for these credentials."));

  if (tts_setup_check_get_token_renewed (check))
    {
      g_autofree char *backup = g_file_get_parse_name (tts_secrets_file_get_backup_file (file));

      if (tts_secrets_file_get_backup_made (file))
        /* Translators: the first %s is a file, the second its backup */
        g_print (_("tastytrade handed out a new refresh token; it was saved in %s, and the "
                   "previous content in %s."),
                 name, backup);
      else
        /* Translators: %s is a file */
        g_print (_("tastytrade handed out a new refresh token; it was saved in %s."), name);
      g_print ("\n");
      if (tts_secrets_file_get_git_may_add (file))
        {
          /* Translators: %s is a file */
          g_print (_("Its folder is in a git repository whose .gitignore is a link or cannot be "
                     "changed: add %s and its backup to the .gitignore yourself, or git may "
                     "share them."),
                   name);
          g_print ("\n");
        }
    }
}

static void
chain_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  MarketWait *wait = user_data;

  wait->chain = tts_market_check_read_chain_finish (TTS_MARKET_CHECK (object), result,
                                                    &wait->chain_error);
  if (--wait->pending == 0)
    g_main_loop_quit (wait->loop);
}

static void
quote_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  MarketWait *wait = user_data;

  wait->quote = tts_market_check_read_quote_finish (TTS_MARKET_CHECK (object), result,
                                                    &wait->quote_error);
  if (--wait->pending == 0)
    g_main_loop_quit (wait->loop);
}

/* The result, or the reason and the next step, on one line. */
static char *
dup_market_text (const char   *result,
                 const GError *error)
{
  g_autofree char *text = NULL;

  if (result != NULL)
    return dup_printable (result);

  /* Translators: a sentence saying what went wrong, then one saying what to do. */
  text = g_strdup_printf (C_("reason and next step", "%s %s"), error->message,
                          tts_error_get_remedy (error));
  return dup_printable (text);
}

/* After the verdict: what the fetcher needs. The exit status stays the credentials'. */
static void
check_market_data (TtsSetupCheck *check,
                   GMainLoop     *loop)
{
  g_autoptr(TtsMarketCheck) market_check = tts_setup_check_new_market_check (check);
  g_autofree char *chain_text = NULL;
  g_autofree char *quote_text = NULL;
  g_autofree char *chain_line = NULL;
  g_autofree char *quote_line = NULL;
  MarketWait wait = { loop, 2, NULL, NULL, NULL, NULL };

  tts_market_check_read_chain_async (market_check, NULL, chain_cb, &wait);
  tts_market_check_read_quote_async (market_check, NULL, quote_cb, &wait);
  g_main_loop_run (loop);

  if (wait.chain != NULL)
    chain_text = tts_option_chain_describe (wait.chain);
  if (wait.quote != NULL)
    quote_text = tts_quote_describe (wait.quote);

  chain_line = dup_market_text (chain_text, wait.chain_error);
  quote_line = dup_market_text (quote_text, wait.quote_error);
  /* Translators: %s is what the check found, e.g. “Readable: SPX and SPXW, 42 expirations”,
   * or why it failed */
  g_print (_("Option chains: %s"), chain_line);
  g_print ("\n");
  /* Translators: %s is the first quote, e.g. “SPX 5,910.10 / 5,911.30 at 14:03 (level api)”,
   * or why none came */
  g_print (_("Live quotes: %s"), quote_line);
  g_print ("\n");

  g_clear_pointer (&wait.chain, tts_option_chain_free);
  g_clear_pointer (&wait.quote, tts_quote_free);
  g_clear_error (&wait.chain_error);
  g_clear_error (&wait.quote_error);
}

static void
print_failure (const GError *error)
{
  if (tts_setup_check_exit_status (error) == 1)
    /* Translators: %s is a sentence saying why tastytrade rejected the credentials */
    g_printerr (_("Rejected: %s"), error->message);
  else
    /* Translators: %s is a sentence saying why the credentials could not be checked */
    g_printerr (_("Could not check: %s"), error->message);
  g_printerr ("\n%s\n", tts_error_get_remedy (error));
}

int
tts_check_command_run (const char *path,
                       const char *api_uri,
                       gboolean    sandbox)
{
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(TtsSecretsFile) file = NULL;
  g_autoptr(TtsSetupCheck) check = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL, NULL };
  int status;

  /* A mistyped --api-url is the command's error, not the file's. */
  if (api_uri != NULL)
    {
      environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, api_uri, NULL, &error);
      if (environment == NULL)
        {
          usage_error (error->message);
          return 2;
        }
    }

  file = resolve_file (path, &error);
  if (file == NULL)
    {
      usage_error (error->message);
      return 2;
    }

  check = tts_setup_check_new (file, api_uri, tts_user_agent ());
  tts_setup_check_set_force_sandbox (check, sandbox);

  loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  wait.loop = loop;
  tts_setup_check_run_async (check, NULL, run_cb, &wait);
  g_main_loop_run (loop);

  status = tts_setup_check_exit_status (wait.error);
  if (wait.error == NULL)
    {
      print_success (check);
      check_market_data (check, loop);
    }
  else
    print_failure (wait.error);
  g_clear_error (&wait.error);

  return status;
}

/* fake-tastytrade.c: the fake tastytrade as a program, for trying the wizard offline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>

#include "tts-fake-tastytrade.h"

#define DEMO_CLIENT_ID     "demo-client-id"
#define DEMO_CLIENT_SECRET "demo-client-secret"
#define DEMO_USERNAME      "demo"
#define DEMO_PASSWORD      "demo"
#define DEMO_OTP           "123456"

/* Only the method and the path: queries and bodies carry codes and secrets. */
static void
log_timing_cb (TtsFakeTastytrade *fake,
               TtsFakeRequest    *request,
               gpointer           user_data)
{
  if (request->finished_at == 0)
    return;

  g_print ("TIMING %s %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
           request->method, request->path, request->started_at, request->finished_at);
  fflush (stdout);
}

/* --market-data: what the market-data side does, to try each of the done page's answers. */
static const struct
{
  const char        *name;
  TtsFakeMarketData  mode;
} market_data_modes[] = {
  { "live", TTS_FAKE_MARKET_DATA_LIVE },
  { "not-a-customer", TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER },
  { "not-granted", TTS_FAKE_MARKET_DATA_NOT_GRANTED },
  { "token-rejected", TTS_FAKE_MARKET_DATA_TOKEN_REJECTED },
  { "no-data", TTS_FAKE_MARKET_DATA_NO_DATA },
  { "slow", TTS_FAKE_MARKET_DATA_SLOW },
  { "malformed", TTS_FAKE_MARKET_DATA_MALFORMED },
};

static gboolean
parse_market_data (const char        *name,
                   TtsFakeMarketData *mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (market_data_modes); i++)
    {
      if (g_strcmp0 (name, market_data_modes[i].name) == 0)
        {
          *mode = market_data_modes[i].mode;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);

  /* Both sources are removed once the loop returns. */
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TtsFakeTastytrade) fake = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autofree char *market_data = NULL;
  TtsFakeMarketData market_data_mode = TTS_FAKE_MARKET_DATA_LIVE;
  gboolean print_grant = FALSE;
  gboolean log_timings = FALSE;
  int port = 0;
  guint sigint_id;
  guint sigterm_id;
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port,
      "Port to listen on at 127.0.0.1 (default: 0, any free port)", "N" },
    { "redirect-uri", 'r', 0, G_OPTION_ARG_STRING, &redirect_uri,
      "Redirect URI of the demo OAuth app (default: http://localhost:8000)", "URI" },
    { "print-grant", 'g', 0, G_OPTION_ARG_NONE, &print_grant,
      "Also print a refresh token made as Create Grant would", NULL },
    { "log-timings", 't', 0, G_OPTION_ARG_NONE, &log_timings,
      "Print \"TIMING METHOD PATH START END\" (monotonic µs) for each answered request", NULL },
    { "market-data", 'm', 0, G_OPTION_ARG_STRING, &market_data,
      "Market data: live (default), not-a-customer, not-granted, token-rejected, no-data, "
      "slow or malformed", "MODE" },
    { NULL }
  };

  context = g_option_context_new ("- an offline fake of tastytrade's OAuth service");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fake-tastytrade: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (port < 0 || port > G_MAXUINT16)
    {
      g_printerr ("fake-tastytrade: --port must be between 0 and 65535\n");
      return EXIT_FAILURE;
    }

  if (market_data != NULL && !parse_market_data (market_data, &market_data_mode))
    {
      g_printerr ("fake-tastytrade: unknown --market-data mode “%s”\n", market_data);
      return EXIT_FAILURE;
    }

  if (redirect_uri == NULL)
    redirect_uri = g_strdup ("http://localhost:8000");

  fake = tts_fake_tastytrade_new ();
  tts_fake_tastytrade_add_client (fake, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, redirect_uri);
  tts_fake_tastytrade_set_user (fake, DEMO_USERNAME, DEMO_PASSWORD, DEMO_OTP);
  tts_fake_tastytrade_add_account (fake, "5WX01234", "Individual", "Individual", "owner");
  tts_fake_tastytrade_add_account (fake, "5WX05678", "Roth IRA", "Roth IRA", "owner");
  tts_fake_tastytrade_set_market_data (fake, market_data_mode);

  if (log_timings)
    g_signal_connect (fake, "request-finished", G_CALLBACK (log_timing_cb), NULL);

  if (!tts_fake_tastytrade_start (fake, (guint) port, &error))
    {
      g_printerr ("fake-tastytrade: cannot listen on 127.0.0.1:%d: %s\n", port, error->message);
      return EXIT_FAILURE;
    }

  /* Machine-readable lines first, so a script can read them. */
  g_print ("AUTH_URL=%s\n", tts_fake_tastytrade_get_auth_uri (fake));
  g_print ("API_URL=%s\n", tts_fake_tastytrade_get_api_uri (fake));
  if (print_grant)
    {
      g_autofree char *grant = tts_fake_tastytrade_create_grant (fake, DEMO_CLIENT_ID);

      g_print ("GRANT_REFRESH_TOKEN=%s\n", grant);
    }
  fflush (stdout);

  g_printerr ("\n"
              "Fake tastytrade is running on %s (offline; it never talks to tastytrade).\n"
              "These are demo values, not real credentials:\n"
              "  Client ID:      %s\n"
              "  Client secret:  %s\n"
              "  Redirect URI:   %s\n"
              "  Username:       %s\n"
              "  Password:       %s\n"
              "  2FA code:       %s\n"
              "Press Ctrl+C to stop.\n",
              tts_fake_tastytrade_get_api_uri (fake),
              DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, redirect_uri,
              DEMO_USERNAME, DEMO_PASSWORD, DEMO_OTP);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);

  g_main_loop_run (loop);

  g_clear_handle_id (&sigint_id, g_source_remove);
  g_clear_handle_id (&sigterm_id, g_source_remove);

  return EXIT_SUCCESS;
}

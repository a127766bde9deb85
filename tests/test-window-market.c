/* test-window-market.c: the done page's checks of what the fetcher needs, in the real window
 * against the fake: Option Chains and Live Quotes, their reasons, Try Again, and a window
 * closed while they run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-check-dialog.h"
#include "tts-credentials-page.h"
#include "tts-market-row.h"
#include "tts-test-pages.h"
#include "tts-test-window.h"

typedef TtsTestWindow Fixture;

#define CHAIN_TITLE "Option Chains"
#define QUOTE_TITLE "Live Quotes"

static TtsDonePage *
done_page (Fixture *fixture)
{
  return TTS_DONE_PAGE (tts_test_find_page (fixture->window, TTS_TYPE_DONE_PAGE));
}

static TtsMarketRow *
find_market_row (GtkWidget  *widget,
                 const char *title)
{
  if (TTS_IS_MARKET_ROW (widget)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return TTS_MARKET_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      TtsMarketRow *row = find_market_row (child, title);

      if (row != NULL)
        return row;
    }

  return NULL;
}

static TtsMarketRow *
market_row (Fixture    *fixture,
            const char *title)
{
  TtsMarketRow *row = find_market_row (GTK_WIDGET (done_page (fixture)), title);

  g_assert_nonnull (row);
  return row;
}

static const char *
subtitle (TtsMarketRow *row)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

/* The refresh-token way in: the quickest to the done page. */
static void
reach_done_page (Fixture *fixture)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, TTS_TEST_CLIENT_ID);

  tts_test_window_fill_credentials (fixture, TRUE, grant);
  tts_test_window_activate_primary (fixture);
  tts_test_window_assert_flow_done (fixture);
  tts_test_window_assert_secrets_saved (fixture);
}

static gboolean
quote_row_running (Fixture *fixture)
{
  return tts_test_get_boolean (market_row (fixture, QUOTE_TITLE), "running");
}

static void
test_both_work (Fixture       *fixture,
                gconstpointer  data)
{
  TtsMarketRow *chain_row;
  TtsMarketRow *quote_row;
  g_autofree char *shown = NULL;

  reach_done_page (fixture);
  tts_test_window_wait_until (fixture, tts_test_window_market_checked, "the market checks");

  chain_row = market_row (fixture, CHAIN_TITLE);
  quote_row = market_row (fixture, QUOTE_TITLE);
  g_assert_false (tts_test_get_boolean (chain_row, "failed"));
  g_assert_false (tts_test_get_boolean (quote_row, "failed"));
  g_assert_cmpstr (subtitle (chain_row), ==, "Readable: SPX and SPXW, 42 expirations");
  g_assert_true (g_str_has_prefix (subtitle (quote_row), "SPX 5,910.10 / 5,911.30 at "));
  g_assert_true (g_str_has_suffix (subtitle (quote_row), " (level api)"));

  /* What the user sees: the two results, and no Try Again. */
  shown = tts_test_visible_text (GTK_WIDGET (done_page (fixture)));
  g_assert_nonnull (strstr (shown, "Readable: SPX and SPXW, 42 expirations"));
  g_assert_nonnull (strstr (shown, "SPX 5,910.10 / 5,911.30 at "));
  g_assert_null (strstr (shown, "Try Again"));

  /* One access token served all: the one that read the accounts. */
  g_assert_cmpuint (tts_fake_tastytrade_count_requests (fixture->fake, "/oauth/token"), ==, 1);
}

/* Each failure has its own sentence and next step, and Try Again. */
static void
test_reasons (Fixture       *fixture,
              gconstpointer  data)
{
  struct {
    TtsFakeMarketData  mode;
    const char        *sentence;
  } cases[] = {
    { TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER, "only to customers with an opened account" },
    { TTS_FAKE_MARKET_DATA_NOT_GRANTED, "has not granted market data for API use" },
    { TTS_FAKE_MARKET_DATA_TOKEN_REJECTED, "did not accept the quote token" },
    { TTS_FAKE_MARKET_DATA_NO_DATA, "no quote arrived within 1 second" },
    { TTS_FAKE_MARKET_DATA_MALFORMED, "could not read" },
  };
  TtsMarketRow *quote_row;
  GtkButton *retry;

  tts_fake_tastytrade_set_market_data (fixture->fake, cases[0].mode);
  g_object_set (done_page (fixture), "quote-timeout", 1, NULL);
  reach_done_page (fixture);
  tts_test_window_wait_until (fixture, tts_test_window_market_checked, "the market checks");
  quote_row = market_row (fixture, QUOTE_TITLE);
  retry = tts_test_find_button (GTK_WIDGET (quote_row), "Check Live Quotes Again");
  g_assert_nonnull (retry);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = NULL;

      g_test_message ("mode %d", cases[i].mode);
      if (i > 0)
        {
          tts_fake_tastytrade_set_market_data (fixture->fake, cases[i].mode);
          tts_test_press (retry);
          g_assert_true (quote_row_running (fixture));
          tts_test_window_wait_until (fixture, tts_test_window_market_checked, "the quote check");
        }

      g_assert_true (tts_test_get_boolean (quote_row, "failed"));
      g_assert_nonnull (strstr (subtitle (quote_row), cases[i].sentence));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (retry)));
      shown = tts_test_visible_text (GTK_WIDGET (quote_row));
      g_assert_nonnull (strstr (shown, "Try Again"));
      /* The chains never needed the stream. */
      g_assert_false (tts_test_get_boolean (market_row (fixture, CHAIN_TITLE), "failed"));
    }

  /* Once the service streams, Try Again shows the quote. */
  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_LIVE);
  tts_test_press (retry);
  tts_test_window_wait_until (fixture, tts_test_window_market_checked, "the quote check");
  g_assert_false (tts_test_get_boolean (quote_row, "failed"));
  g_assert_true (g_str_has_prefix (subtitle (quote_row), "SPX 5,910.10 / 5,911.30 at "));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (retry)));
}

/* tastytrade down: the chains say so, and the file stays as it was saved. */
static void
test_service_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  TtsMarketRow *chain_row;
  guint mode = 0;

  g_object_set (fixture->flow, "retry-delay", 1, NULL);
  tts_fake_tastytrade_fail_requests (fixture->fake, "/option-chains/SPX/nested", 100, 503,
                                     "text/html", "<html>down</html>");
  reach_done_page (fixture);
  before = tts_test_window_read_secrets (fixture, &mode);
  tts_test_window_wait_until (fixture, tts_test_window_market_checked, "the market checks");

  chain_row = market_row (fixture, CHAIN_TITLE);
  g_assert_true (tts_test_get_boolean (chain_row, "failed"));
  g_assert_nonnull (strstr (subtitle (chain_row), "server error 503"));
  g_assert_nonnull (strstr (subtitle (chain_row), "Wait a few minutes"));
  g_assert_false (tts_test_get_boolean (market_row (fixture, QUOTE_TITLE), "failed"));

  /* The checks never touch the file. */
  after = tts_test_window_read_secrets (fixture, &mode);
  g_assert_cmpstr (before, ==, after);
}

static gboolean
subscribed (Fixture *fixture)
{
  GPtrArray *messages = tts_fake_tastytrade_get_dxlink_messages (fixture->fake);

  for (guint i = 0; i < messages->len; i++)
    {
      if (strstr (g_ptr_array_index (messages, i), "\"FEED_SUBSCRIPTION\"") != NULL)
        return TRUE;
    }

  return FALSE;
}

static gboolean
stream_gone (Fixture *fixture)
{
  return tts_fake_tastytrade_get_dxlink_open (fixture->fake) == 0;
}

/* Closing the window while the quote check waits leaves nothing running. */
static void
test_closed_while_checking (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *timers = NULL;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NO_DATA);
  g_object_set (done_page (fixture), "quote-timeout", 120, NULL);
  reach_done_page (fixture);
  tts_test_window_wait_until (fixture, subscribed, "the subscription");
  g_assert_true (quote_row_running (fixture));

  tts_test_window_release_window (fixture);
  tts_test_window_wait_until (fixture, stream_gone, "the stream to close");
  timers = tts_test_own_timers ();
  g_assert_cmpstr (timers, ==, "");

  /* The harness wants a window to tear down. */
  tts_test_window_open_window (fixture, NULL);
}

static gboolean
secrets_found (Fixture *fixture)
{
  return tts_test_get_boolean (tts_test_find_page (fixture->window, TTS_TYPE_CREDENTIALS_PAGE),
                               "secrets-exist");
}

static gboolean
dialog_checked (Fixture *fixture)
{
  TtsCheckDialog *dialog = tts_window_get_check_dialog (fixture->window);
  TtsMarketRow *quote_row;
  TtsMarketRow *chain_row;

  if (dialog == NULL || !tts_test_window_check_shown (fixture))
    return FALSE;

  chain_row = find_market_row (GTK_WIDGET (dialog), CHAIN_TITLE);
  quote_row = find_market_row (GTK_WIDGET (dialog), QUOTE_TITLE);
  return chain_row != NULL && quote_row != NULL
         && !tts_test_get_boolean (chain_row, "running")
         && !tts_test_get_boolean (quote_row, "running");
}

static gboolean
dialog_closed (Fixture *fixture)
{
  return tts_window_get_check_dialog (fixture->window) == NULL;
}

/* Check It on an existing setup says what --check says: the fetcher's two needs too. */
static void
test_check_dialog (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *token = tts_fake_tastytrade_create_grant (fixture->fake, TTS_TEST_CLIENT_ID);
  g_autofree char *contents = g_strdup_printf ("TT_API_CLIENT_ID=%s\nTT_API_CLIENT_SECRET=%s\n"
                                               "TT_REFRESH_TOKEN=%s\n",
                                               TTS_TEST_CLIENT_ID, TTS_TEST_CLIENT_SECRET, token);
  g_autofree char *path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *shown = NULL;
  TtsCheckDialog *dialog;

  tts_fake_tastytrade_set_market_data (fixture->fake, TTS_FAKE_MARKET_DATA_NOT_GRANTED);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  tts_test_window_fill_credentials (fixture, FALSE, NULL);
  tts_test_window_wait_until (fixture, secrets_found, "the page to see the existing file");

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.check-existing", NULL);
  tts_test_window_wait_until (fixture, dialog_checked, "the checks in the dialog");
  dialog = tts_window_get_check_dialog (fixture->window);
  shown = tts_test_visible_text (GTK_WIDGET (dialog));
  g_test_message ("Check dialog: %s", shown);
  g_assert_nonnull (strstr (shown, "Your Token Works"));
  g_assert_nonnull (strstr (shown, "Readable: SPX and SPXW, 42 expirations"));
  g_assert_nonnull (strstr (shown, "has not granted market data for API use"));
  g_assert_nonnull (tts_test_find_button (GTK_WIDGET (dialog), "Check Live Quotes Again"));
  g_assert_null (strstr (shown, token));

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_close (ADW_DIALOG (dialog));
#else
  gtk_window_close (GTK_WINDOW (dialog));
#endif
  tts_test_window_wait_until (fixture, dialog_closed, "the check dialog to close");
}

int
main (int   argc,
      char *argv[])
{
  /* Prices as a user in the United States reads them, grouping included (locales-all). */
  g_setenv ("LC_ALL", "en_US.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  gtk_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/window-market/" path, Fixture, NULL, tts_test_window_set_up, func, \
              tts_test_window_tear_down)

  ADD ("both-work", test_both_work);
  ADD ("reasons", test_reasons);
  ADD ("service-down", test_service_down);
  ADD ("closed-while-checking", test_closed_while_checking);
  ADD ("check-dialog", test_check_dialog);

#undef ADD

  return g_test_run ();
}

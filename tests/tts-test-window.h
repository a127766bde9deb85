/* tts-test-window.h: the real window against the fake tastytrade, for end-to-end tests
 *
 * A fixture for g_test_add(): a fake tastytrade with one client, one user and two accounts,
 * a fresh project folder, and the window pointed at them. Every wait is on a signal or a
 * main-loop condition; a guard timer only turns a hang into a failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tts-fake-tastytrade.h"
#include "tts-signin-page-private.h"
#include "tts-test-files.h"
#include "tts-test-pages.h"
#include "tts-window-private.h"

G_BEGIN_DECLS

#define TTS_TEST_CLIENT_ID     "test-client-id"
#define TTS_TEST_CLIENT_SECRET "test-client-secret"
#define TTS_TEST_USERNAME      "alice"
#define TTS_TEST_PASSWORD      "correct horse"
#define TTS_TEST_OTP           "246810"

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *redirect_uri;
  guint              redirect_port;
  char              *folder_path;
  GFile             *folder;
  TtsWindow         *window;
  TtsFlow           *flow;
  WebKitWebView     *web_view;
  /* tts_test_window_open_other_window()'s, destroyed with the fixture. */
  GtkWindow         *other_window;
  guint              loads_finished;
  char              *last_loaded_uri;

  /* What wait_for_page() waits for. */
  guint              expected_loads;
  const char        *expected_path;
} TtsTestWindow;

typedef gboolean (*TtsTestCondition) (TtsTestWindow *fixture);

void     tts_test_window_set_up            (TtsTestWindow    *fixture,
                                            gconstpointer     data);
void     tts_test_window_tear_down         (TtsTestWindow    *fixture,
                                            gconstpointer     data);

/* Iterates the main context until @condition holds; fails the test after a minute. */
void     tts_test_window_wait_until        (TtsTestWindow    *fixture,
                                            TtsTestCondition  condition,
                                            const char       *what);
gboolean tts_test_window_flow_finished     (TtsTestWindow    *fixture);
gboolean tts_test_window_flow_failed       (TtsTestWindow    *fixture);
gboolean tts_test_window_flow_idle         (TtsTestWindow    *fixture);
/* The done page shows both market checks ended, however they ended. */
gboolean tts_test_window_market_checked    (TtsTestWindow    *fixture);
/* Waits for the flow to end and fails the test unless it ended on the done page. */
void     tts_test_window_assert_flow_done  (TtsTestWindow    *fixture);

void     tts_test_window_activate_primary  (TtsTestWindow    *fixture);
/* The user's part on the start and credentials pages, values pasted with stray spaces. */
void     tts_test_window_fill_credentials  (TtsTestWindow    *fixture,
                                            gboolean          use_refresh_token,
                                            const char       *refresh_token);

void     tts_test_window_run_script        (TtsTestWindow    *fixture,
                                            const char       *script);
/* Evaluates @condition in the page until it is true. */
void     tts_test_window_wait_for_script   (TtsTestWindow    *fixture,
                                            const char       *condition);
/* Waits for the next finished load, which must be of @path. */
void     tts_test_window_wait_for_page     (TtsTestWindow    *fixture,
                                            const char       *path);
/* Waits until the first load of the web view, of @path, has finished. */
void     tts_test_window_wait_for_first_page (TtsTestWindow  *fixture,
                                              const char     *path);
/* What a person does in tastytrade's page: password, two-factor code, Authorize. */
void     tts_test_window_sign_in_on_page   (TtsTestWindow    *fixture);

/* folder/.secrets; its mode goes to @mode. */
char    *tts_test_window_read_secrets      (TtsTestWindow    *fixture,
                                            guint            *mode);
/* .secrets holds the test client and the flow's refresh token, mode 0600. */
void     tts_test_window_assert_secrets_saved (TtsTestWindow *fixture);


/* Lets the window go entirely (destroyed, last reference dropped, finalized: its web view
 * and web processes with it); the test must open another before it ends. */
void     tts_test_window_release_window    (TtsTestWindow    *fixture);
/* A fresh window as set_up() makes it, on @auth_uri (NULL: the fake's sign-in page). */
void     tts_test_window_open_window       (TtsTestWindow    *fixture,
                                            const char       *auth_uri);
/* Waits until a toast (or any label in the window) says @text. */
void     tts_test_window_wait_for_toast    (TtsTestWindow    *fixture,
                                            const char       *text);

/* The button under @widget labelled @label (as in the .ui file, with its underline, also a
 * label beside an icon), or whose tooltip or name for screen readers is @label. */
GtkButton *tts_test_find_button            (GtkWidget        *widget,
                                            const char       *label);
/* As a click does: the button's action runs. */
void     tts_test_press                    (GtkButton        *button);
/* Whether the "Check It" dialog has finished and shows its answer. */
gboolean tts_test_window_check_shown       (TtsTestWindow    *fixture);
/* The names of this program's timers in the main context ("[tastytrade-setup] …"), in the
 * order they were made, separated by ", ". */
char    *tts_test_own_timers               (void);

/* Another window comes to the front and takes the keyboard, as the user's browser does when
 * it opens: returns once the wizard's window is no longer the active one. */
GtkWindow *tts_test_window_open_other_window (TtsTestWindow  *fixture);
/* Whether the wizard's window is the active one, the front window, once the display has told
 * all that happened until now. */
gboolean tts_test_window_in_front          (TtsTestWindow    *fixture);
/* Whether the test's session bus has @name, or can start it. */
gboolean tts_test_session_bus_offers       (const char       *name);

G_END_DECLS

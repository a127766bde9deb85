/* test-fake-tastytrade.c: the fake keeps the contract the wizard is written against
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tts-fake-tastytrade.h"

#define CLIENT_ID     "test-client-id"
#define CLIENT_SECRET "test-client-secret"
#define REDIRECT_URI  "http://localhost:8000"
#define USER_AGENT    "tastytrade-setup/0.1.0"
#define USERNAME      "alice"
#define PASSWORD      "correct horse"
#define OTP           "654321"

typedef struct
{
  TtsFakeTastytrade *fake;
  SoupSession       *session;
} Fixture;

typedef struct
{
  guint  status;
  char  *content_type;   /* media type without parameters, or NULL */
  char  *location;
  char  *body;
} Reply;

typedef struct
{
  gboolean  done;
  GBytes   *body;
  GError   *error;
} Pending;

static void
reply_free (Reply *reply)
{
  g_free (reply->content_type);
  g_free (reply->location);
  g_free (reply->body);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static void
fixture_init (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->fake = tts_fake_tastytrade_new ();
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI);
  tts_fake_tastytrade_set_user (fixture->fake, USERNAME, PASSWORD, OTP);
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);

  fixture->session = soup_session_new_with_options ("user-agent", USER_AGENT, NULL);
}

static void
fixture_clear (Fixture *fixture)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->fake);

  /* Let closed connections be finalized before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Pending *pending = user_data;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                     &pending->error);
  pending->done = TRUE;
}

/* Sends @msg without following redirects and waits for the whole answer. */
static Reply *
send_message (SoupSession *session,
              SoupMessage *msg)
{
  SoupMessageHeaders *headers;
  Pending pending = { 0 };
  Reply *reply = g_new0 (Reply, 1);
  gsize length;
  const char *data;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &pending);
  while (!pending.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (pending.error);

  headers = soup_message_get_response_headers (msg);
  reply->status = soup_message_get_status (msg);
  reply->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  reply->location = g_strdup (soup_message_headers_get_one (headers, "Location"));
  data = g_bytes_get_data (pending.body, &length);
  reply->body = g_strndup (data != NULL ? data : "", length);
  g_bytes_unref (pending.body);

  return reply;
}

static char *
api_uri (Fixture    *fixture,
         const char *path)
{
  return g_strconcat (tts_fake_tastytrade_get_api_uri (fixture->fake), path, NULL);
}

static Reply *
get (Fixture    *fixture,
     const char *uri)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

  g_assert_nonnull (msg);
  return send_message (fixture->session, msg);
}

static Reply *
get_with_bearer (SoupSession *session,
                 const char  *uri,
                 const char  *access_token)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "Accept", "application/json");
  if (access_token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", access_token, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
    }

  return send_message (session, msg);
}

static Reply *
post_form (Fixture    *fixture,
           const char *path,
           ...) G_GNUC_NULL_TERMINATED;

/* POSTs name/value pairs form-encoded, as a browser submits a form. */
static Reply *
post_form (Fixture    *fixture,
           const char *path,
           ...)
{
  g_autofree char *uri = api_uri (fixture, path);
  g_autoptr(SoupMessage) msg = NULL;
  char *form;
  va_list args;

  va_start (args, path);
  form = soup_form_encode_valist (va_arg (args, const char *), args);
  va_end (args);

  msg = soup_message_new_from_encoded_form ("POST", uri, form);
  return send_message (fixture->session, msg);
}

static char *
build_json (const char *first_name,
            va_list     args)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *name;

  json_builder_begin_object (builder);
  for (name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_string_value (builder, va_arg (args, const char *));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static Reply *
post_token_json (Fixture     *fixture,
                 SoupSession *session,
                 ...) G_GNUC_NULL_TERMINATED;

/* POSTs name/value pairs to /oauth/token as a JSON object, as the contract documents. */
static Reply *
post_token_json (Fixture     *fixture,
                 SoupSession *session,
                 ...)
{
  g_autofree char *uri = api_uri (fixture, "/oauth/token");
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) bytes = NULL;
  char *json;
  va_list args;

  va_start (args, session);
  json = build_json (va_arg (args, const char *), args);
  va_end (args);

  bytes = g_bytes_new_take (json, strlen (json));
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Accept", "application/json");

  return send_message (session != NULL ? session : fixture->session, msg);
}

static JsonNode *
reply_json (Reply *reply)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_cmpstr (reply->content_type, ==, "application/json");
  node = json_from_string (reply->body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return node;
}

static void
assert_token_error (Reply      *reply,
                    guint       status,
                    const char *error_code)
{
  g_autoptr(JsonNode) node = reply_json (reply);
  JsonObject *object = json_node_get_object (node);

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (json_object_get_string_member_with_default (object, "error_code", NULL),
                   ==, error_code);
  g_assert_nonnull (json_object_get_string_member_with_default (object, "error_description",
                                                                NULL));
}

static void
assert_rest_error (Reply      *reply,
                   guint       status,
                   const char *code)
{
  g_autoptr(JsonNode) node = reply_json (reply);
  JsonObject *error;

  g_assert_cmpuint (reply->status, ==, status);
  error = json_object_get_object_member (json_node_get_object (node), "error");
  g_assert_nonnull (error);
  g_assert_cmpstr (json_object_get_string_member_with_default (error, "code", NULL), ==, code);
  g_assert_nonnull (json_object_get_string_member_with_default (error, "message", NULL));
}

/* A JWT-sized token: three non-empty base64url segments, several hundred bytes. */
static void
assert_jwt_like (const char *token)
{
  g_auto(GStrv) parts = NULL;
  const char *p;
  guint i;

  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >=, 300);
  for (p = token; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.');

  parts = g_strsplit (token, ".", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  for (i = 0; i < 3; i++)
    g_assert_cmpuint (strlen (parts[i]), >, 0);
}

static char *
make_authorize_uri (Fixture    *fixture,
                    const char *client_id,
                    const char *redirect_uri,
                    const char *scope,
                    const char *state)
{
  GString *uri = g_string_new (tts_fake_tastytrade_get_auth_uri (fixture->fake));

  g_string_append (uri, "?response_type=code");
  if (client_id != NULL)
    {
      g_string_append (uri, "&client_id=");
      g_string_append_uri_escaped (uri, client_id, NULL, FALSE);
    }
  if (redirect_uri != NULL)
    {
      g_string_append (uri, "&redirect_uri=");
      g_string_append_uri_escaped (uri, redirect_uri, NULL, FALSE);
    }
  if (scope != NULL)
    {
      g_string_append (uri, "&scope=");
      g_string_append_uri_escaped (uri, scope, NULL, FALSE);
    }
  if (state != NULL)
    {
      g_string_append (uri, "&state=");
      g_string_append_uri_escaped (uri, state, NULL, FALSE);
    }

  return g_string_free (uri, FALSE);
}

static char *
extract_session (const char *html)
{
  static const char marker[] = "name=\"session\" value=\"";
  const char *start = strstr (html, marker);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (marker);
  end = strchr (start, '"');
  g_assert_nonnull (end);
  g_assert_cmpint (end - start, >, 0);

  return g_strndup (start, (gsize) (end - start));
}

/* The browser journey: page, login, 2FA, consent. Returns the final redirect's Location. */
static char *
sign_in (Fixture    *fixture,
         const char *authorize_uri,
         const char *decision)
{
  g_autoptr(Reply) page = NULL;
  g_autoptr(Reply) otp_page = NULL;
  g_autoptr(Reply) consent_page = NULL;
  g_autoptr(Reply) redirect = NULL;
  g_autofree char *session = NULL;

  page = get (fixture, authorize_uri);
  g_assert_cmpuint (page->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (page->content_type, ==, "text/html");
  g_assert_nonnull (strstr (page->body, "<form method=\"post\" action=\"/login\">"));
  g_assert_nonnull (strstr (page->body, "id=\"username\" name=\"username\""));
  g_assert_nonnull (strstr (page->body, "id=\"password\" name=\"password\""));
  g_assert_nonnull (strstr (page->body, "id=\"sign-in\""));
  session = extract_session (page->body);

  otp_page = post_form (fixture, "/login", "session", session, "username", USERNAME,
                        "password", PASSWORD, NULL);
  g_assert_cmpuint (otp_page->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (otp_page->body, "action=\"/otp\""));
  g_assert_nonnull (strstr (otp_page->body, "id=\"otp\" name=\"otp\""));
  g_assert_nonnull (strstr (otp_page->body, "id=\"verify\""));

  consent_page = post_form (fixture, "/otp", "session", session, "otp", OTP, NULL);
  g_assert_cmpuint (consent_page->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (consent_page->body, "action=\"/consent\""));
  g_assert_nonnull (strstr (consent_page->body, "id=\"authorize\""));
  g_assert_nonnull (strstr (consent_page->body, "id=\"deny\""));

  redirect = post_form (fixture, "/consent", "session", session, "decision", decision, NULL);
  g_assert_cmpuint (redirect->status, ==, SOUP_STATUS_FOUND);
  g_assert_nonnull (redirect->location);

  return g_strdup (redirect->location);
}

/* Checks @location is the redirect URI exactly and returns its strictly decoded query. */
static GHashTable *
parse_redirect (const char *location)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *params;

  g_assert_true (g_str_has_prefix (location, REDIRECT_URI "?"));
  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  g_assert_cmpstr (g_uri_get_host (uri), ==, "localhost");
  g_assert_cmpint (g_uri_get_port (uri), ==, 8000);
  g_assert_cmpstr (g_uri_get_path (uri), ==, "");
  g_assert_null (g_uri_get_fragment (uri));

  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);

  return params;
}

static char *
get_code (Fixture    *fixture,
          const char *scope)
{
  g_autofree char *uri = make_authorize_uri (fixture, CLIENT_ID, REDIRECT_URI, scope, "s1");
  g_autofree char *location = sign_in (fixture, uri, "allow");
  g_autoptr(GHashTable) params = parse_redirect (location);

  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "s1");
  return g_strdup (g_hash_table_lookup (params, "code"));
}

static char *
exchange (Fixture    *fixture,
          const char *code,
          char      **access_token)
{
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  reply = post_token_json (fixture, NULL,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", CLIENT_SECRET,
                           "redirect_uri", REDIRECT_URI,
                           NULL);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  object = json_node_get_object (node);
  if (access_token != NULL)
    *access_token = g_strdup (json_object_get_string_member (object, "access_token"));

  return g_strdup (json_object_get_string_member (object, "refresh_token"));
}

static Reply *
refresh (Fixture    *fixture,
         const char *refresh_token,
         const char *client_secret)
{
  return post_token_json (fixture, NULL,
                          "grant_type", "refresh_token",
                          "refresh_token", refresh_token,
                          "client_secret", client_secret,
                          NULL);
}

/* Tests */

static void
test_start (void)
{
  Fixture fixture = { 0 };
  g_autofree char *expected_auth = NULL;
  g_autoptr(TtsFakeTastytrade) taken = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  fixture_init (&fixture);

  port = tts_fake_tastytrade_get_port (fixture.fake);
  g_assert_cmpuint (port, >, 0);
  expected_auth = g_strdup_printf ("http://127.0.0.1:%u/auth.html", port);
  g_assert_cmpstr (tts_fake_tastytrade_get_auth_uri (fixture.fake), ==, expected_auth);
  g_assert_true (g_str_has_prefix (expected_auth, tts_fake_tastytrade_get_api_uri (fixture.fake)));
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 0);
  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture.fake)->len, ==, 0);
  g_assert_null (tts_fake_tastytrade_get_last_request (fixture.fake, "/auth.html"));

  /* A taken port is an error, not a crash. */
  taken = tts_fake_tastytrade_new ();
  g_assert_false (tts_fake_tastytrade_start (taken, port, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_cmpuint (tts_fake_tastytrade_get_port (taken), ==, 0);
  g_assert_null (tts_fake_tastytrade_get_api_uri (taken));

  fixture_clear (&fixture);
}

static void
test_authorize_bad_redirect_uri (void)
{
  const char *bad[] = {
    "http://localhost:8000/",
    "http://localhost:8000.evil.example/",
    "http://127.0.0.1:8000",
    "https://localhost:8000",
    "http://LOCALHOST:8000",
  };
  Fixture fixture = { 0 };
  gsize i;

  fixture_init (&fixture);

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *uri = make_authorize_uri (&fixture, CLIENT_ID, bad[i], "read", "s");
      g_autoptr(Reply) reply = get (&fixture, uri);

      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
      g_assert_null (reply->location);
      g_assert_cmpstr (reply->content_type, ==, "text/html");
      g_assert_nonnull (strstr (reply->body, "<meta charset=\"utf-8\">"));
      g_assert_nonnull (strstr (reply->body, "redirect URI"));
      g_assert_null (strstr (reply->body, "<form"));
    }

  {
    g_autofree char *uri = make_authorize_uri (&fixture, CLIENT_ID, NULL, "read", "s");
    g_autoptr(Reply) reply = get (&fixture, uri);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_null (reply->location);
  }

  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 0);
  fixture_clear (&fixture);
}

static void
test_authorize_bad_params (void)
{
  Fixture fixture = { 0 };
  g_autofree char *unknown_client = NULL;
  g_autofree char *unknown_scope = NULL;
  g_autofree char *token_type = NULL;
  const char *uris[3];
  gsize i;

  fixture_init (&fixture);

  unknown_client = make_authorize_uri (&fixture, "someone-else", REDIRECT_URI, "read", "s");
  unknown_scope = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read admin", "s");
  token_type = g_strdup_printf ("%s?response_type=token&client_id=%s&redirect_uri=%s",
                                tts_fake_tastytrade_get_auth_uri (fixture.fake),
                                CLIENT_ID, "http%3A%2F%2Flocalhost%3A8000");
  uris[0] = unknown_client;
  uris[1] = unknown_scope;
  uris[2] = token_type;

  for (i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(Reply) reply = get (&fixture, uris[i]);

      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
      g_assert_null (reply->location);
      g_assert_null (strstr (reply->body, "<form"));
    }

  fixture_clear (&fixture);
}

static void
test_authorize_records_request (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autoptr(Reply) reply = NULL;
  TtsFakeRequest *request;

  fixture_init (&fixture);

  uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read", "abc");
  reply = get (&fixture, uri);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (reply->body, "<title>"));

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/auth.html");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "GET");
  g_assert_cmpuint (request->status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (request->user_agent, ==, USER_AGENT);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (request->params, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "redirect_uri"), ==, REDIRECT_URI);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "scope"), ==, "read");
  g_assert_cmpstr (g_hash_table_lookup (request->params, "state"), ==, "abc");

  fixture_clear (&fixture);
}

static void
test_journey_allow (void)
{
  /* A state with characters that must be percent-encoded on the way back. */
  static const char state[] = "a b+c/d=e&f%g\xc3\xa9";
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autofree char *session = NULL;
  g_autofree char *location = NULL;
  g_autoptr(Reply) page = NULL;
  g_autoptr(Reply) wrong_password = NULL;
  g_autoptr(Reply) otp_page = NULL;
  g_autoptr(Reply) wrong_otp = NULL;
  g_autoptr(Reply) consent = NULL;
  g_autoptr(Reply) redirect = NULL;
  g_autoptr(GHashTable) params = NULL;

  fixture_init (&fixture);

  uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read trade", state);
  page = get (&fixture, uri);
  g_assert_cmpuint (page->status, ==, SOUP_STATUS_OK);
  session = extract_session (page->body);

  wrong_password = post_form (&fixture, "/login", "session", session, "username", USERNAME,
                              "password", "wrong", NULL);
  g_assert_cmpuint (wrong_password->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (wrong_password->body, "class=\"error\""));
  g_assert_nonnull (strstr (wrong_password->body, "id=\"sign-in\""));
  g_assert_null (strstr (wrong_password->body, "id=\"otp\""));

  otp_page = post_form (&fixture, "/login", "session", session, "username", USERNAME,
                        "password", PASSWORD, NULL);
  g_assert_nonnull (strstr (otp_page->body, "id=\"otp\""));
  g_assert_null (strstr (otp_page->body, "class=\"error\""));

  wrong_otp = post_form (&fixture, "/otp", "session", session, "otp", "000000", NULL);
  g_assert_cmpuint (wrong_otp->status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (wrong_otp->body, "class=\"error\""));
  g_assert_nonnull (strstr (wrong_otp->body, "id=\"verify\""));

  consent = post_form (&fixture, "/otp", "session", session, "otp", OTP, NULL);
  g_assert_nonnull (strstr (consent->body, "id=\"scope-read\""));
  g_assert_nonnull (strstr (consent->body, "id=\"scope-trade\""));
  g_assert_null (strstr (consent->body, "id=\"scope-openid\""));
  g_assert_nonnull (strstr (consent->body, "name=\"decision\" value=\"allow\""));
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 0);

  redirect = post_form (&fixture, "/consent", "session", session, "decision", "allow", NULL);
  g_assert_cmpuint (redirect->status, ==, SOUP_STATUS_FOUND);
  location = g_strdup (redirect->location);
  params = parse_redirect (location);
  g_assert_cmpuint (g_hash_table_size (params), ==, 2);
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "code")), >=, 16);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, state);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 1);

  fixture_clear (&fixture);
}

static void
test_journey_no_state (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GHashTable) params = NULL;

  fixture_init (&fixture);

  uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, NULL, NULL);
  location = sign_in (&fixture, uri, "allow");
  params = parse_redirect (location);
  g_assert_true (g_hash_table_contains (params, "code"));
  g_assert_false (g_hash_table_contains (params, "state"));

  fixture_clear (&fixture);
}

static void
test_journey_deny (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GHashTable) params = NULL;

  fixture_init (&fixture);

  uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read", "xyz");
  location = sign_in (&fixture, uri, "deny");
  params = parse_redirect (location);
  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, "access_denied");
  g_assert_nonnull (g_hash_table_lookup (params, "error_description"));
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "xyz");
  g_assert_false (g_hash_table_contains (params, "code"));
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 0);

  fixture_clear (&fixture);
}

static void
test_journey_session_single_use (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autofree char *session = NULL;
  g_autoptr(Reply) page = NULL;
  g_autoptr(Reply) skipped = NULL;
  g_autoptr(Reply) login = NULL;
  g_autoptr(Reply) otp = NULL;
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) again = NULL;
  g_autoptr(Reply) unknown = NULL;

  fixture_init (&fixture);

  uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read", "s");
  page = get (&fixture, uri);
  session = extract_session (page->body);

  /* Steps cannot be skipped. */
  skipped = post_form (&fixture, "/consent", "session", session, "decision", "allow", NULL);
  g_assert_cmpuint (skipped->status, ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_null (skipped->location);

  login = post_form (&fixture, "/login", "session", session, "username", USERNAME,
                     "password", PASSWORD, NULL);
  otp = post_form (&fixture, "/otp", "session", session, "otp", OTP, NULL);
  first = post_form (&fixture, "/consent", "session", session, "decision", "allow", NULL);
  g_assert_cmpuint (first->status, ==, SOUP_STATUS_FOUND);

  again = post_form (&fixture, "/consent", "session", session, "decision", "allow", NULL);
  g_assert_cmpuint (again->status, ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_null (again->location);

  unknown = post_form (&fixture, "/login", "session", "nope", "username", USERNAME,
                       "password", PASSWORD, NULL);
  g_assert_cmpuint (unknown->status, ==, SOUP_STATUS_BAD_REQUEST);

  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 1);
  fixture_clear (&fixture);
}

static void
test_token_exchange_json (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) reused = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  TtsFakeRequest *request;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  reply = post_token_json (&fixture, NULL,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", CLIENT_SECRET,
                           "redirect_uri", REDIRECT_URI,
                           NULL);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  object = json_node_get_object (node);
  /* A bare object, no "data" wrapper. */
  g_assert_false (json_object_has_member (object, "data"));
  assert_jwt_like (json_object_get_string_member (object, "access_token"));
  assert_jwt_like (json_object_get_string_member (object, "refresh_token"));
  g_assert_cmpstr (json_object_get_string_member (object, "access_token"), !=,
                   json_object_get_string_member (object, "refresh_token"));
  g_assert_cmpstr (json_object_get_string_member (object, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), ==, 900);
  g_assert_true (json_object_has_member (object, "some-unknown-field"));
  g_assert_false (json_object_has_member (object, "id_token"));
  g_assert_cmpuint (tts_fake_tastytrade_get_refresh_tokens_issued (fixture.fake), ==, 1);

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/oauth/token");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->user_agent, ==, USER_AGENT);
  g_assert_cmpstr (request->content_type, ==, "application/json");
  g_assert_cmpstr (request->accept, ==, "application/json");
  g_assert_null (request->authorization);
  g_assert_false (request->has_accept_version);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (g_hash_table_lookup (request->params, "redirect_uri"), ==, REDIRECT_URI);
  g_assert_cmpuint (request->status, ==, SOUP_STATUS_OK);

  reused = post_token_json (&fixture, NULL,
                            "grant_type", "authorization_code",
                            "code", code,
                            "client_id", CLIENT_ID,
                            "client_secret", CLIENT_SECRET,
                            "redirect_uri", REDIRECT_URI,
                            NULL);
  assert_token_error (reused, SOUP_STATUS_BAD_REQUEST, "invalid_grant");

  fixture_clear (&fixture);
}

static void
test_token_exchange_form (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) node = NULL;
  TtsFakeRequest *request;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  reply = post_form (&fixture, "/oauth/token",
                     "grant_type", "authorization_code",
                     "code", code,
                     "client_id", CLIENT_ID,
                     "client_secret", CLIENT_SECRET,
                     "redirect_uri", REDIRECT_URI,
                     NULL);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  assert_jwt_like (json_object_get_string_member (json_node_get_object (node), "refresh_token"));

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/oauth/token");
  g_assert_cmpstr (request->content_type, ==, "application/x-www-form-urlencoded");
  g_assert_cmpstr (g_hash_table_lookup (request->params, "code"), ==, code);

  fixture_clear (&fixture);
}

static void
test_token_openid (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(JsonNode) node = NULL;

  fixture_init (&fixture);

  code = get_code (&fixture, "read openid");
  reply = post_token_json (&fixture, NULL,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", CLIENT_SECRET,
                           "redirect_uri", REDIRECT_URI,
                           NULL);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  assert_jwt_like (json_object_get_string_member (json_node_get_object (node), "id_token"));

  fixture_clear (&fixture);
}

static void
test_token_no_user_agent (void)
{
  Fixture fixture = { 0 };
  g_autoptr(SoupSession) bare = soup_session_new ();
  g_autofree char *code = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(Reply) reply = NULL;
  TtsFakeRequest *request;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  reply = post_token_json (&fixture, bare,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", CLIENT_SECRET,
                           "redirect_uri", REDIRECT_URI,
                           NULL);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (reply->content_type, ==, "text/html");
  g_assert_nonnull (strstr (reply->body, "nginx"));
  g_assert_false (json_from_string (reply->body, NULL) != NULL);

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/oauth/token");
  g_assert_null (request->user_agent);
  g_assert_cmpuint (request->status, ==, SOUP_STATUS_UNAUTHORIZED);

  /* The refused request did not use the code up. */
  refresh_token = exchange (&fixture, code, NULL);
  assert_jwt_like (refresh_token);

  fixture_clear (&fixture);
}

static void
test_token_forbidden_headers (void)
{
  Fixture fixture = { 0 };
  g_autofree char *grant = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) with_authorization = NULL;
  g_autoptr(SoupMessage) with_version = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) reply2 = NULL;
  g_autofree char *form = NULL;
  g_autofree char *form2 = NULL;

  fixture_init (&fixture);

  grant = tts_fake_tastytrade_create_grant (fixture.fake, CLIENT_ID);
  uri = api_uri (&fixture, "/oauth/token");
  form = soup_form_encode ("grant_type", "refresh_token", "refresh_token", grant,
                           "client_secret", CLIENT_SECRET, NULL);
  form2 = g_strdup (form);

  with_authorization = soup_message_new_from_encoded_form ("POST", uri, g_steal_pointer (&form));
  soup_message_headers_replace (soup_message_get_request_headers (with_authorization),
                                "Authorization", "Bearer stale");
  reply = send_message (fixture.session, with_authorization);
  assert_token_error (reply, SOUP_STATUS_UNAUTHORIZED, "invalid_request");

  with_version = soup_message_new_from_encoded_form ("POST", uri, g_steal_pointer (&form2));
  soup_message_headers_replace (soup_message_get_request_headers (with_version),
                                "Accept-Version", "20240101");
  reply2 = send_message (fixture.session, with_version);
  g_assert_cmpuint (reply2->status, ==, SOUP_STATUS_BAD_REQUEST);
  assert_token_error (reply2, SOUP_STATUS_BAD_REQUEST, "invalid_request");
  g_assert_true (tts_fake_tastytrade_get_last_request (fixture.fake,
                                                       "/oauth/token")->has_accept_version);

  fixture_clear (&fixture);
}

static void
test_token_wrong_secret (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(Reply) wrong = NULL;
  g_autoptr(Reply) unknown = NULL;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  wrong = post_token_json (&fixture, NULL,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", "not-the-secret",
                           "redirect_uri", REDIRECT_URI,
                           NULL);
  assert_token_error (wrong, SOUP_STATUS_UNAUTHORIZED, "invalid_client");

  unknown = post_token_json (&fixture, NULL,
                             "grant_type", "authorization_code",
                             "code", code,
                             "client_id", "someone-else",
                             "client_secret", CLIENT_SECRET,
                             "redirect_uri", REDIRECT_URI,
                             NULL);
  assert_token_error (unknown, SOUP_STATUS_UNAUTHORIZED, "invalid_client");

  /* Only a successful exchange uses the code up. */
  refresh_token = exchange (&fixture, code, NULL);
  assert_jwt_like (refresh_token);

  fixture_clear (&fixture);
}

static void
test_token_redirect_mismatch (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autoptr(Reply) slash = NULL;
  g_autoptr(Reply) missing = NULL;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  slash = post_token_json (&fixture, NULL,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", CLIENT_SECRET,
                           "redirect_uri", REDIRECT_URI "/",
                           NULL);
  assert_token_error (slash, SOUP_STATUS_BAD_REQUEST, "invalid_grant");

  missing = post_token_json (&fixture, NULL,
                             "grant_type", "authorization_code",
                             "code", code,
                             "client_id", CLIENT_ID,
                             "client_secret", CLIENT_SECRET,
                             NULL);
  assert_token_error (missing, SOUP_STATUS_BAD_REQUEST, "invalid_request");

  fixture_clear (&fixture);
}

static void
test_token_code_expires (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autoptr(Reply) reply = NULL;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  tts_fake_tastytrade_advance_clock (fixture.fake, 5 * 60 + 1);
  reply = post_token_json (&fixture, NULL,
                           "grant_type", "authorization_code",
                           "code", code,
                           "client_id", CLIENT_ID,
                           "client_secret", CLIENT_SECRET,
                           "redirect_uri", REDIRECT_URI,
                           NULL);
  assert_token_error (reply, SOUP_STATUS_BAD_REQUEST, "invalid_grant");

  fixture_clear (&fixture);
}

static void
test_token_bad_requests (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) malformed = NULL;
  g_autoptr(SoupMessage) plain = NULL;
  g_autoptr(Reply) unsupported = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) bad_json = NULL;
  g_autoptr(Reply) bad_type = NULL;
  g_autoptr(Reply) unknown_code = NULL;
  g_autoptr(GBytes) json_array_body = g_bytes_new_static ("[\"grant_type\"]", 14);
  g_autoptr(GBytes) text_body = g_bytes_new_static ("grant_type", 10);

  fixture_init (&fixture);

  unsupported = post_token_json (&fixture, NULL, "grant_type", "password",
                                 "client_secret", CLIENT_SECRET, NULL);
  assert_token_error (unsupported, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type");

  missing = post_token_json (&fixture, NULL, "client_secret", CLIENT_SECRET, NULL);
  assert_token_error (missing, SOUP_STATUS_BAD_REQUEST, "invalid_request");

  uri = api_uri (&fixture, "/oauth/token");
  malformed = soup_message_new ("POST", uri);
  soup_message_set_request_body_from_bytes (malformed, "application/json", json_array_body);
  bad_json = send_message (fixture.session, malformed);
  assert_token_error (bad_json, SOUP_STATUS_BAD_REQUEST, "invalid_request");

  plain = soup_message_new ("POST", uri);
  soup_message_set_request_body_from_bytes (plain, "text/plain", text_body);
  bad_type = send_message (fixture.session, plain);
  assert_token_error (bad_type, SOUP_STATUS_BAD_REQUEST, "invalid_request");

  unknown_code = post_token_json (&fixture, NULL,
                                  "grant_type", "authorization_code",
                                  "code", "made-up",
                                  "client_id", CLIENT_ID,
                                  "client_secret", CLIENT_SECRET,
                                  "redirect_uri", REDIRECT_URI,
                                  NULL);
  assert_token_error (unknown_code, SOUP_STATUS_BAD_REQUEST, "invalid_grant");

  fixture_clear (&fixture);
}

static void
test_token_refresh (void)
{
  Fixture fixture = { 0 };
  g_autofree char *code = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) with_id = NULL;
  g_autoptr(Reply) other_id = NULL;
  g_autoptr(Reply) wrong_secret = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) wider = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  fixture_init (&fixture);

  code = get_code (&fixture, "read");
  refresh_token = exchange (&fixture, code, NULL);

  reply = refresh (&fixture, refresh_token, CLIENT_SECRET);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  object = json_node_get_object (node);
  assert_jwt_like (json_object_get_string_member (object, "access_token"));
  g_assert_cmpstr (json_object_get_string_member (object, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), ==, 900);
  g_assert_false (json_object_has_member (object, "refresh_token"));

  with_id = post_token_json (&fixture, NULL,
                             "grant_type", "refresh_token",
                             "refresh_token", refresh_token,
                             "client_id", CLIENT_ID,
                             "client_secret", CLIENT_SECRET,
                             "scope", "read",
                             NULL);
  g_assert_cmpuint (with_id->status, ==, SOUP_STATUS_OK);

  other_id = post_token_json (&fixture, NULL,
                              "grant_type", "refresh_token",
                              "refresh_token", refresh_token,
                              "client_id", "someone-else",
                              "client_secret", CLIENT_SECRET,
                              NULL);
  assert_token_error (other_id, SOUP_STATUS_UNAUTHORIZED, "invalid_client");

  wrong_secret = refresh (&fixture, refresh_token, "not-the-secret");
  assert_token_error (wrong_secret, SOUP_STATUS_UNAUTHORIZED, "invalid_client");

  wider = post_token_json (&fixture, NULL,
                           "grant_type", "refresh_token",
                           "refresh_token", refresh_token,
                           "client_secret", CLIENT_SECRET,
                           "scope", "read trade",
                           NULL);
  g_assert_cmpuint (wider->status, ==, SOUP_STATUS_BAD_REQUEST);

  unknown = refresh (&fixture, "eyJ.not.known", CLIENT_SECRET);
  assert_token_error (unknown, SOUP_STATUS_BAD_REQUEST, "invalid_grant");

  fixture_clear (&fixture);
}

static void
test_token_revoked_grant (void)
{
  Fixture fixture = { 0 };
  g_autofree char *grant = NULL;
  g_autoptr(Reply) before = NULL;
  g_autoptr(Reply) after = NULL;
  g_autoptr(JsonNode) node = NULL;

  fixture_init (&fixture);

  grant = tts_fake_tastytrade_create_grant (fixture.fake, CLIENT_ID);
  assert_jwt_like (grant);
  g_assert_cmpuint (tts_fake_tastytrade_get_refresh_tokens_issued (fixture.fake), ==, 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 0);

  before = refresh (&fixture, grant, CLIENT_SECRET);
  g_assert_cmpuint (before->status, ==, SOUP_STATUS_OK);

  tts_fake_tastytrade_revoke_grants (fixture.fake, CLIENT_ID);
  after = refresh (&fixture, grant, CLIENT_SECRET);
  assert_token_error (after, SOUP_STATUS_BAD_REQUEST, "invalid_grant");
  node = reply_json (after);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node),
                                                  "error_description"), ==, "Invalid JWT");

  fixture_clear (&fixture);
}

static void
test_token_secret_regenerated (void)
{
  Fixture fixture = { 0 };
  g_autofree char *grant = NULL;
  g_autoptr(Reply) reply = NULL;

  fixture_init (&fixture);

  grant = tts_fake_tastytrade_create_grant (fixture.fake, CLIENT_ID);
  tts_fake_tastytrade_add_client (fixture.fake, CLIENT_ID, "new-secret", REDIRECT_URI);
  reply = refresh (&fixture, grant, "new-secret");
  assert_token_error (reply, SOUP_STATUS_BAD_REQUEST, "invalid_grant");

  fixture_clear (&fixture);
}

static void
test_token_fault_injection (void)
{
  Fixture fixture = { 0 };
  g_autofree char *grant = NULL;
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) second = NULL;
  g_autoptr(Reply) third = NULL;
  g_autoptr(Reply) json_fault = NULL;

  fixture_init (&fixture);

  grant = tts_fake_tastytrade_create_grant (fixture.fake, CLIENT_ID);
  tts_fake_tastytrade_fail_token_requests (fixture.fake, 2, SOUP_STATUS_SERVICE_UNAVAILABLE,
                                           "text/html", "<html>busy</html>");

  first = refresh (&fixture, grant, CLIENT_SECRET);
  g_assert_cmpuint (first->status, ==, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_cmpstr (first->content_type, ==, "text/html");
  g_assert_cmpstr (first->body, ==, "<html>busy</html>");
  g_assert_cmpuint (tts_fake_tastytrade_get_last_request (fixture.fake, "/oauth/token")->status,
                    ==, SOUP_STATUS_SERVICE_UNAVAILABLE);

  second = refresh (&fixture, grant, CLIENT_SECRET);
  g_assert_cmpuint (second->status, ==, SOUP_STATUS_SERVICE_UNAVAILABLE);

  third = refresh (&fixture, grant, CLIENT_SECRET);
  g_assert_cmpuint (third->status, ==, SOUP_STATUS_OK);

  tts_fake_tastytrade_fail_token_requests (fixture.fake, 1, SOUP_STATUS_BAD_REQUEST,
                                           "application/json",
                                           "{\"error_code\":\"invalid_request\","
                                           "\"error_description\":"
                                           "\"User is not a TastyTrade customer\"}");
  json_fault = refresh (&fixture, grant, CLIENT_SECRET);
  assert_token_error (json_fault, SOUP_STATUS_BAD_REQUEST, "invalid_request");

  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture.fake)->len, ==, 4);
  fixture_clear (&fixture);
}

static void
test_accounts (void)
{
  Fixture fixture = { 0 };
  g_autoptr(SoupSession) bare = soup_session_new ();
  g_autofree char *accounts_uri = NULL;
  g_autofree char *me_uri = NULL;
  g_autofree char *code = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *access_token = NULL;
  g_autoptr(Reply) anonymous = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) no_agent = NULL;
  g_autoptr(Reply) accounts = NULL;
  g_autoptr(Reply) me = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) me_node = NULL;
  JsonObject *object;
  JsonArray *items;
  JsonObject *account;
  TtsFakeRequest *request;

  fixture_init (&fixture);

  accounts_uri = api_uri (&fixture, "/customers/me/accounts");
  me_uri = api_uri (&fixture, "/customers/me");
  code = get_code (&fixture, "read");
  refresh_token = exchange (&fixture, code, &access_token);

  anonymous = get_with_bearer (fixture.session, accounts_uri, NULL);
  assert_rest_error (anonymous, SOUP_STATUS_UNAUTHORIZED, "token_invalid");

  unknown = get_with_bearer (fixture.session, accounts_uri, "not-a-token");
  assert_rest_error (unknown, SOUP_STATUS_UNAUTHORIZED, "token_invalid");

  no_agent = get_with_bearer (bare, accounts_uri, access_token);
  g_assert_cmpuint (no_agent->status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (no_agent->content_type, ==, "text/html");

  accounts = get_with_bearer (fixture.session, accounts_uri, access_token);
  g_assert_cmpuint (accounts->status, ==, SOUP_STATUS_OK);
  node = reply_json (accounts);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "context"), ==,
                   "/customers/me/accounts");
  items = json_object_get_array_member (json_object_get_object_member (object, "data"), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  account = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (account, "authority-level"), ==, "owner");
  account = json_object_get_object_member (account, "account");
  g_assert_cmpstr (json_object_get_string_member (account, "account-number"), ==, "5WX01234");
  g_assert_cmpstr (json_object_get_string_member (account, "account-type-name"), ==,
                   "Individual");
  g_assert_false (json_object_get_boolean_member (account, "is-closed"));

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/customers/me/accounts");
  g_assert_true (g_str_has_prefix (request->authorization, "Bearer "));
  g_assert_cmpstr (request->accept, ==, "application/json");

  me = get_with_bearer (fixture.session, me_uri, access_token);
  g_assert_cmpuint (me->status, ==, SOUP_STATUS_OK);
  me_node = reply_json (me);
  object = json_node_get_object (me_node);
  g_assert_cmpstr (json_object_get_string_member (object, "context"), ==, "/customers/me");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "data"),
                                                  "id"), ==, "me");

  fixture_clear (&fixture);
}

static void
test_accounts_added (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autofree char *grant = NULL;
  g_autofree char *access_token = NULL;
  g_autoptr(Reply) refreshed = NULL;
  g_autoptr(Reply) accounts = NULL;
  g_autoptr(JsonNode) token_node = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *items;
  JsonObject *item;

  fixture_init (&fixture);

  tts_fake_tastytrade_add_account (fixture.fake, "5WT00001", "Main", "Individual", "owner");
  tts_fake_tastytrade_add_account (fixture.fake, "5WT00002", "Kid", "UTMA", "read-only");

  grant = tts_fake_tastytrade_create_grant (fixture.fake, CLIENT_ID);
  refreshed = refresh (&fixture, grant, CLIENT_SECRET);
  token_node = reply_json (refreshed);
  access_token = g_strdup (json_object_get_string_member (json_node_get_object (token_node),
                                                          "access_token"));

  uri = api_uri (&fixture, "/customers/me/accounts");
  accounts = get_with_bearer (fixture.session, uri, access_token);
  g_assert_cmpuint (accounts->status, ==, SOUP_STATUS_OK);
  node = reply_json (accounts);
  items = json_object_get_array_member (json_object_get_object_member (json_node_get_object (node),
                                                                       "data"),
                                        "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  item = json_array_get_object_element (items, 1);
  g_assert_cmpstr (json_object_get_string_member (item, "authority-level"), ==, "read-only");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "account"),
                                                  "nickname"), ==, "Kid");

  fixture_clear (&fixture);
}

static void
test_accounts_expired_and_forbidden (void)
{
  Fixture fixture = { 0 };
  g_autofree char *uri = NULL;
  g_autofree char *code = NULL;
  g_autofree char *trade_code = NULL;
  g_autofree char *refresh_token = NULL;
  g_autofree char *trade_refresh = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *trade_access = NULL;
  g_autoptr(Reply) forbidden = NULL;
  g_autoptr(Reply) fresh = NULL;
  g_autoptr(Reply) expired = NULL;

  fixture_init (&fixture);

  uri = api_uri (&fixture, "/customers/me/accounts");

  trade_code = get_code (&fixture, "trade");
  trade_refresh = exchange (&fixture, trade_code, &trade_access);
  forbidden = get_with_bearer (fixture.session, uri, trade_access);
  assert_rest_error (forbidden, SOUP_STATUS_FORBIDDEN, "forbidden");

  code = get_code (&fixture, "read");
  refresh_token = exchange (&fixture, code, &access_token);
  tts_fake_tastytrade_advance_clock (fixture.fake, 14 * 60);
  fresh = get_with_bearer (fixture.session, uri, access_token);
  g_assert_cmpuint (fresh->status, ==, SOUP_STATUS_OK);

  tts_fake_tastytrade_advance_clock (fixture.fake, 60);
  expired = get_with_bearer (fixture.session, uri, access_token);
  assert_rest_error (expired, SOUP_STATUS_UNAUTHORIZED, "token_invalid");

  fixture_clear (&fixture);
}

static void
test_not_found (void)
{
  const char *paths[] = { "/", "/nope", "/oauth/token", "/login", "/auth.html/x" };
  Fixture fixture = { 0 };
  gsize i;

  fixture_init (&fixture);

  for (i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *uri = api_uri (&fixture, paths[i]);
      g_autoptr(Reply) reply = get (&fixture, uri);

      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_NOT_FOUND);
    }

  g_assert_cmpuint (tts_fake_tastytrade_get_requests (fixture.fake)->len, ==,
                    G_N_ELEMENTS (paths));
  fixture_clear (&fixture);
}

static void
request_finished_cb (TtsFakeTastytrade *fake,
                     TtsFakeRequest    *request,
                     GPtrArray         *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s %s %u", request->method, request->path,
                                          request->status));
}

static void
test_request_finished_signal (void)
{
  Fixture fixture = { 0 };
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *missing = NULL;
  g_autofree char *auth = NULL;
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) second = NULL;

  fixture_init (&fixture);
  g_signal_connect (fixture.fake, "request-finished", G_CALLBACK (request_finished_cb), seen);

  missing = api_uri (&fixture, "/missing");
  first = get (&fixture, missing);
  auth = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read", "s");
  second = get (&fixture, auth);

  while (seen->len < 2)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "GET /missing 404");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "GET /auth.html 200");

  fixture_clear (&fixture);
}

static void
test_complete_authorization (void)
{
  Fixture fixture = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *bad_uri = NULL;
  g_autofree char *location = NULL;
  g_autofree char *denied = NULL;
  g_autofree char *none = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GHashTable) denied_params = NULL;
  TtsFakeRequest *request;

  fixture_init (&fixture);

  uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI, "read", "st-1");
  location = tts_fake_tastytrade_complete_authorization (fixture.fake, uri, TRUE, &error);
  g_assert_no_error (error);
  params = parse_redirect (location);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "st-1");
  refresh_token = exchange (&fixture, g_hash_table_lookup (params, "code"), NULL);
  assert_jwt_like (refresh_token);

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/auth.html");
  g_assert_nonnull (request);
  g_assert_cmpstr (g_hash_table_lookup (request->params, "scope"), ==, "read");
  g_assert_cmpuint (request->status, ==, SOUP_STATUS_OK);

  denied = tts_fake_tastytrade_complete_authorization (fixture.fake, uri, FALSE, &error);
  g_assert_no_error (error);
  denied_params = parse_redirect (denied);
  g_assert_cmpstr (g_hash_table_lookup (denied_params, "error"), ==, "access_denied");

  bad_uri = make_authorize_uri (&fixture, CLIENT_ID, REDIRECT_URI "/", "read", "st-2");
  none = tts_fake_tastytrade_complete_authorization (fixture.fake, bad_uri, TRUE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (none);
  g_assert_cmpuint (tts_fake_tastytrade_get_last_request (fixture.fake, "/auth.html")->status,
                    ==, SOUP_STATUS_BAD_REQUEST);

  g_assert_cmpuint (tts_fake_tastytrade_get_codes_issued (fixture.fake), ==, 1);
  fixture_clear (&fixture);
}

/* Market data: tastytrade-market-data.md */

/* What a Create Grant and one refresh give: an access token with scope read. */
static char *
get_access_token (Fixture *fixture)
{
  g_autofree char *grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autoptr(Reply) refreshed = refresh (fixture, grant, CLIENT_SECRET);
  g_autoptr(JsonNode) node = reply_json (refreshed);

  g_assert_cmpuint (refreshed->status, ==, SOUP_STATUS_OK);
  return g_strdup (json_object_get_string_member (json_node_get_object (node), "access_token"));
}

/* GET /api-quote-tokens, which must succeed: returns the token and its dxlink-url. */
static char *
get_quote_token (Fixture     *fixture,
                 const char  *access_token,
                 char       **dxlink_url)
{
  g_autofree char *uri = api_uri (fixture, "/api-quote-tokens");
  g_autoptr(Reply) reply = get_with_bearer (fixture->session, uri, access_token);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *data;

  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  data = json_object_get_object_member (json_node_get_object (node), "data");
  if (dxlink_url != NULL)
    *dxlink_url = g_strdup (json_object_get_string_member (data, "dxlink-url"));

  return g_strdup (json_object_get_string_member (data, "token"));
}

static void
assert_iso_date (const char *text,
                 GDate      *date)
{
  guint year, month, day;
  char end;

  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), ==, 10);
  g_assert_cmpint (sscanf (text, "%4u-%2u-%2u%c", &year, &month, &day, &end), ==, 3);
  g_assert_true (g_date_valid_dmy (day, month, year));
  g_date_clear (date, 1);
  g_date_set_dmy (date, day, month, year);
}

/* One root of the chain: its kind of expiration, how many, and how far apart. */
static void
assert_chain_item (JsonObject *item,
                   const char *root,
                   const char *expiration_type,
                   const char *settlement_type,
                   guint       n_expirations,
                   int         min_step,
                   int         max_step)
{
  JsonArray *expirations;
  GDate previous;
  guint i;

  g_assert_cmpstr (json_object_get_string_member (item, "underlying-symbol"), ==, "SPX");
  g_assert_cmpstr (json_object_get_string_member (item, "root-symbol"), ==, root);
  g_assert_cmpstr (json_object_get_string_member (item, "option-chain-type"), ==, "Standard");
  g_assert_cmpint (json_object_get_int_member (item, "shares-per-contract"), ==, 100);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "tick-sizes")),
                    >, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "deliverables")),
                    ==, 0);

  expirations = json_object_get_array_member (item, "expirations");
  g_assert_cmpuint (json_array_get_length (expirations), ==, n_expirations);
  g_date_clear (&previous, 1);
  for (i = 0; i < n_expirations; i++)
    {
      JsonObject *expiration = json_array_get_object_element (expirations, i);
      JsonArray *strikes = json_object_get_array_member (expiration, "strikes");
      GDate date;
      guint k;

      g_assert_cmpstr (json_object_get_string_member (expiration, "expiration-type"), ==,
                       expiration_type);
      g_assert_cmpstr (json_object_get_string_member (expiration, "settlement-type"), ==,
                       settlement_type);
      g_assert_cmpint (json_object_get_int_member (expiration, "days-to-expiration"), >=, 0);
      assert_iso_date (json_object_get_string_member (expiration, "expiration-date"), &date);
      g_assert_cmpint (g_date_get_weekday (&date), ==, G_DATE_FRIDAY);
      if (i > 0)
        {
          g_assert_cmpint (g_date_days_between (&previous, &date), >=, min_step);
          g_assert_cmpint (g_date_days_between (&previous, &date), <=, max_step);
        }
      previous = date;

      g_assert_cmpuint (json_array_get_length (strikes), >, 0);
      for (k = 0; k < json_array_get_length (strikes); k++)
        {
          JsonObject *strike = json_array_get_object_element (strikes, k);

          g_assert_nonnull (json_object_get_string_member (strike, "strike-price"));
          g_assert_true (g_str_has_prefix (json_object_get_string_member (strike, "call"), root));
          g_assert_true (g_str_has_prefix (json_object_get_string_member (strike, "put"), root));
          g_assert_cmpuint (strlen (json_object_get_string_member (strike, "call")), ==, 21);
          g_assert_true (json_object_get_string_member (strike, "call-streamer-symbol")[0] == '.');
          g_assert_true (json_object_get_string_member (strike, "put-streamer-symbol")[0] == '.');
        }
    }
}

static void
test_market_chains (void)
{
  Fixture fixture = { 0 };
  g_autoptr(SoupSession) bare = soup_session_new ();
  g_autofree char *uri = NULL;
  g_autofree char *other_uri = NULL;
  g_autofree char *access_token = NULL;
  g_autoptr(Reply) anonymous = NULL;
  g_autoptr(Reply) no_agent = NULL;
  g_autoptr(Reply) other = NULL;
  g_autoptr(Reply) chains = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonArray *items;
  JsonObject *first_weekly;
  JsonObject *strike;

  fixture_init (&fixture);

  uri = api_uri (&fixture, "/option-chains/SPX/nested");
  access_token = get_access_token (&fixture);

  anonymous = get_with_bearer (fixture.session, uri, NULL);
  assert_rest_error (anonymous, SOUP_STATUS_UNAUTHORIZED, "token_invalid");

  no_agent = get_with_bearer (bare, uri, access_token);
  g_assert_cmpuint (no_agent->status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (no_agent->content_type, ==, "text/html");

  other_uri = api_uri (&fixture, "/option-chains/NOPE/nested");
  other = get_with_bearer (fixture.session, other_uri, access_token);
  assert_rest_error (other, SOUP_STATUS_NOT_FOUND, "record_not_found");

  /* Refusing the quote stream leaves the chains alone. */
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER);
  chains = get_with_bearer (fixture.session, uri, access_token);
  g_assert_cmpuint (chains->status, ==, SOUP_STATUS_OK);
  node = reply_json (chains);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "context"), ==,
                   "/option-chains/SPX/nested");
  items = json_object_get_array_member (json_object_get_object_member (object, "data"), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  assert_chain_item (json_array_get_object_element (items, 0), "SPX", "Regular", "AM", 12, 28, 35);
  assert_chain_item (json_array_get_object_element (items, 1), "SPXW", "Weekly", "PM", 30, 7, 7);

  first_weekly = json_array_get_object_element (
    json_object_get_array_member (json_array_get_object_element (items, 1), "expirations"), 0);
  g_assert_cmpstr (json_object_get_string_member (first_weekly, "expiration-date"), ==,
                   "2026-12-18");
  strike = json_array_get_object_element (json_object_get_array_member (first_weekly, "strikes"),
                                          1);
  g_assert_cmpstr (json_object_get_string_member (strike, "strike-price"), ==, "5900.0");
  g_assert_cmpstr (json_object_get_string_member (strike, "call"), ==, "SPXW  261218C05900000");
  g_assert_cmpstr (json_object_get_string_member (strike, "put"), ==, "SPXW  261218P05900000");
  g_assert_cmpstr (json_object_get_string_member (strike, "call-streamer-symbol"), ==,
                   ".SPXW261218C5900");
  g_assert_cmpstr (json_object_get_string_member (strike, "put-streamer-symbol"), ==,
                   ".SPXW261218P5900");

  fixture_clear (&fixture);
}

static void
test_market_quote_token (void)
{
  Fixture fixture = { 0 };
  g_autoptr(SoupSession) bare = soup_session_new ();
  g_autofree char *uri = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *expected_url = NULL;
  g_autofree char *second = NULL;
  g_autoptr(Reply) anonymous = NULL;
  g_autoptr(Reply) no_agent = NULL;
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) demo = NULL;
  g_autoptr(Reply) not_customer = NULL;
  g_autoptr(Reply) not_granted = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) demo_node = NULL;
  g_autoptr(GDateTime) issued_at = NULL;
  g_autoptr(GDateTime) expires_at = NULL;
  g_autoptr(GPtrArray) secrets = NULL;
  JsonObject *object;
  JsonObject *data;
  const char *token;

  fixture_init (&fixture);

  uri = api_uri (&fixture, "/api-quote-tokens");
  access_token = get_access_token (&fixture);

  anonymous = get_with_bearer (fixture.session, uri, NULL);
  assert_rest_error (anonymous, SOUP_STATUS_UNAUTHORIZED, "token_invalid");

  no_agent = get_with_bearer (bare, uri, access_token);
  g_assert_cmpuint (no_agent->status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (no_agent->content_type, ==, "text/html");

  reply = get_with_bearer (fixture.session, uri, access_token);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
  node = reply_json (reply);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "context"), ==, "/api-quote-tokens");
  data = json_object_get_object_member (object, "data");
  token = json_object_get_string_member (data, "token");
  g_assert_cmpuint (strlen (token), >=, 100);
  expected_url = g_strdup_printf ("ws://127.0.0.1:%u/dxlink",
                                  tts_fake_tastytrade_get_port (fixture.fake));
  g_assert_cmpstr (json_object_get_string_member (data, "dxlink-url"), ==, expected_url);
  g_assert_cmpstr (json_object_get_string_member (data, "level"), ==, "api");
  issued_at = g_date_time_new_from_iso8601 (json_object_get_string_member (data, "issued-at"),
                                            NULL);
  expires_at = g_date_time_new_from_iso8601 (json_object_get_string_member (data, "expires-at"),
                                             NULL);
  g_assert_nonnull (issued_at);
  g_assert_nonnull (expires_at);
  g_assert_cmpint (g_date_time_difference (expires_at, issued_at), ==, G_TIME_SPAN_DAY);

  /* A quote token is a secret like the others: tests check none is ever printed. */
  secrets = tts_fake_tastytrade_dup_secrets (fixture.fake, CLIENT_SECRET);
  g_assert_true (g_strv_contains ((const char * const *) secrets->pdata, token));

  second = get_quote_token (&fixture, access_token, NULL);
  g_assert_cmpstr (second, !=, token);

  tts_fake_tastytrade_set_quote_level (fixture.fake, "demo");
  demo = get_with_bearer (fixture.session, uri, access_token);
  demo_node = reply_json (demo);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (json_node_get_object (demo_node), "data"),
                     "level"), ==, "demo");

  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER);
  not_customer = get_with_bearer (fixture.session, uri, access_token);
  assert_rest_error (not_customer, SOUP_STATUS_FORBIDDEN,
                     "quote_streamer.customer_not_found_error");

  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_NOT_GRANTED);
  not_granted = get_with_bearer (fixture.session, uri, access_token);
  assert_rest_error (not_granted, SOUP_STATUS_FORBIDDEN,
                     "quote_streamer.api_access_entitlement_not_granted");

  fixture_clear (&fixture);
}

/* A DXLink client, as the fetcher would be: libsoup's WebSocket client. */
typedef struct
{
  SoupWebsocketConnection *connection;
  GQueue                   received;      /* char *, oldest first */
  gboolean                 closed;
  GError                  *error;         /* of the connection attempt */
  gboolean                 done;
} Stream;

static void
stream_message_cb (SoupWebsocketConnection *connection,
                   int                      type,
                   GBytes                  *message,
                   Stream                  *stream)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_queue_push_tail (&stream->received, g_strndup (data != NULL ? data : "", length));
}

static void
stream_closed_cb (SoupWebsocketConnection *connection,
                  Stream                  *stream)
{
  stream->closed = TRUE;
}

static void
stream_connect_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Stream *stream = user_data;

  stream->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                              &stream->error);
  stream->done = TRUE;
}

static Stream *
stream_open (Fixture    *fixture,
             const char *url)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Stream *stream = g_new0 (Stream, 1);

  g_assert_nonnull (msg);
  soup_session_websocket_connect_async (fixture->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, stream_connect_cb, stream);
  while (!stream->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (stream->error);

  g_signal_connect (stream->connection, "message", G_CALLBACK (stream_message_cb), stream);
  g_signal_connect (stream->connection, "closed", G_CALLBACK (stream_closed_cb), stream);

  return stream;
}

static void
stream_send (Stream     *stream,
             const char *text)
{
  soup_websocket_connection_send_text (stream->connection, text);
}

/* The next message from the fake; it must come before the connection ends. */
static char *
stream_next (Stream *stream)
{
  while (g_queue_is_empty (&stream->received))
    {
      g_assert_false (stream->closed);
      g_main_context_iteration (NULL, TRUE);
    }

  return g_queue_pop_head (&stream->received);
}

static void
stream_expect (Stream     *stream,
               const char *expected)
{
  g_autofree char *text = stream_next (stream);

  g_assert_cmpstr (text, ==, expected);
}

/* The next message must be an ERROR on @channel with @error, and a message. */
static void
stream_expect_error (Stream     *stream,
                     guint       channel,
                     const char *error)
{
  g_autofree char *text = stream_next (stream);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  JsonObject *object;

  g_assert_nonnull (node);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "ERROR");
  g_assert_cmpint (json_object_get_int_member (object, "channel"), ==, channel);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, error);
  g_assert_nonnull (json_object_get_string_member (object, "message"));
}

/* Closes cleanly and waits until both sides are done. Anything the fake sent before it saw
 * the close frame is still received: the queue then holds what came unasked. */
static void
stream_close (Stream *stream)
{
  soup_websocket_connection_close (stream->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (!stream->closed)
    g_main_context_iteration (NULL, TRUE);
}

static void
stream_free (Stream *stream)
{
  g_signal_handlers_disconnect_by_data (stream->connection, stream);
  g_clear_object (&stream->connection);
  g_queue_clear_full (&stream->received, g_free);
  g_free (stream);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stream, stream_free)

static void
count_cb (TtsFakeTastytrade *fake,
          guint             *count)
{
  (*count)++;
}

static void
wait_for_count (guint *count,
                guint  expected)
{
  while (*count < expected)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (*count, ==, expected);
}

#define SETUP_MESSAGE   "{\"type\":\"SETUP\",\"channel\":0,\"version\":\"0.0.1-test\"," \
                        "\"keepaliveTimeout\":60,\"acceptKeepaliveTimeout\":60}"
#define SETUP_ANSWER    "{\"type\":\"SETUP\",\"channel\":0,\"version\":\"0.1-fake\"," \
                        "\"keepaliveTimeout\":60,\"acceptKeepaliveTimeout\":60}"
#define UNAUTHORIZED    "{\"type\":\"AUTH_STATE\",\"channel\":0,\"state\":\"UNAUTHORIZED\"}"
#define AUTHORIZED      "{\"type\":\"AUTH_STATE\",\"channel\":0,\"state\":\"AUTHORIZED\"," \
                        "\"userId\":\"fake\"}"
#define KEEPALIVE       "{\"type\":\"KEEPALIVE\",\"channel\":0}"
#define QUOTE_FIELDS    "[\"eventType\",\"eventSymbol\",\"bidPrice\",\"askPrice\",\"bidSize\"," \
                        "\"askSize\"]"
#define SPX_QUOTE       "{\"type\":\"FEED_DATA\",\"channel\":3," \
                        "\"data\":[\"Quote\",[\"Quote\",\"SPX\",5910.1,5911.3,12,9]]}"

static void
stream_auth (Stream     *stream,
             const char *token)
{
  g_autofree char *auth = g_strdup_printf ("{\"type\":\"AUTH\",\"channel\":0,\"token\":\"%s\"}",
                                           token);

  stream_send (stream, auth);
}

/* SETUP, AUTH, a FEED channel (3) and its FEED_SETUP, through FEED_CONFIG. */
static void
stream_start_feed (Stream     *stream,
                   const char *token)
{
  stream_send (stream, SETUP_MESSAGE);
  stream_expect (stream, SETUP_ANSWER);
  stream_expect (stream, UNAUTHORIZED);

  stream_auth (stream, token);
  stream_expect (stream, AUTHORIZED);

  stream_send (stream, "{\"type\":\"CHANNEL_REQUEST\",\"channel\":3,\"service\":\"FEED\","
                       "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_expect (stream, "{\"type\":\"CHANNEL_OPENED\",\"channel\":3,\"service\":\"FEED\","
                         "\"parameters\":{\"contract\":\"AUTO\"}}");

  /* A field the fake does not know is left out of FEED_CONFIG. */
  stream_send (stream, "{\"type\":\"FEED_SETUP\",\"channel\":3,\"acceptAggregationPeriod\":0.1,"
                       "\"acceptDataFormat\":\"COMPACT\",\"acceptEventFields\":{\"Quote\":"
                       "[\"eventType\",\"eventSymbol\",\"bidPrice\",\"askPrice\",\"bidSize\","
                       "\"askSize\",\"sequence\"]}}");
  stream_expect (stream, "{\"type\":\"FEED_CONFIG\",\"channel\":3,\"dataFormat\":\"COMPACT\","
                         "\"aggregationPeriod\":0.1,\"eventFields\":{\"Quote\":"
                         QUOTE_FIELDS "}}");
}

#define SUBSCRIBE_SPX "{\"type\":\"FEED_SUBSCRIPTION\",\"channel\":3,\"reset\":true," \
                      "\"add\":[{\"type\":\"Quote\",\"symbol\":\"SPX\"}]}"

static void
test_dxlink_quote (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) stream = NULL;
  TtsFakeRequest *request;
  GPtrArray *messages;
  guint closed = 0;

  fixture_init (&fixture);
  g_signal_connect (fixture.fake, "dxlink-closed", G_CALLBACK (count_cb), &closed);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  stream = stream_open (&fixture, url);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_open (fixture.fake), ==, 1);

  request = tts_fake_tastytrade_get_last_request (fixture.fake, "/dxlink");
  g_assert_nonnull (request);
  g_assert_cmpuint (request->status, ==, SOUP_STATUS_SWITCHING_PROTOCOLS);
  g_assert_cmpstr (request->user_agent, ==, USER_AGENT);

  stream_start_feed (stream, token);
  stream_send (stream, SUBSCRIBE_SPX);
  stream_expect (stream, SPX_QUOTE);

  /* Other symbols get nothing; the KEEPALIVE answer shows nothing came before it. */
  stream_send (stream, "{\"type\":\"FEED_SUBSCRIPTION\",\"channel\":3,"
                       "\"add\":[{\"type\":\"Quote\",\"symbol\":\".SPXW261218C5900\"}]}");
  stream_send (stream, KEEPALIVE);
  stream_expect (stream, KEEPALIVE);

  /* Values follow the fields asked for, in the order asked. */
  tts_fake_tastytrade_set_quote (fixture.fake, 4000.25, 4001.5);
  stream_send (stream, "{\"type\":\"CHANNEL_REQUEST\",\"channel\":5,\"service\":\"FEED\","
                       "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_expect (stream, "{\"type\":\"CHANNEL_OPENED\",\"channel\":5,\"service\":\"FEED\","
                         "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_send (stream, "{\"type\":\"FEED_SETUP\",\"channel\":5,\"acceptDataFormat\":\"COMPACT\","
                       "\"acceptEventFields\":{\"Quote\":[\"askPrice\",\"eventSymbol\","
                       "\"bidPrice\",\"askPrice\"]}}");
  stream_expect (stream, "{\"type\":\"FEED_CONFIG\",\"channel\":5,\"dataFormat\":\"COMPACT\","
                         "\"aggregationPeriod\":0.1,\"eventFields\":{\"Quote\":"
                         "[\"askPrice\",\"eventSymbol\",\"bidPrice\"]}}");
  stream_send (stream, "{\"type\":\"FEED_SUBSCRIPTION\",\"channel\":5,"
                       "\"add\":[{\"type\":\"Quote\",\"symbol\":\"SPX\"}]}");
  stream_expect (stream, "{\"type\":\"FEED_DATA\",\"channel\":5,"
                         "\"data\":[\"Quote\",[4001.5,\"SPX\",4000.25]]}");

  messages = tts_fake_tastytrade_get_dxlink_messages (fixture.fake);
  g_assert_cmpuint (messages->len, ==, 10);
  g_assert_cmpstr (g_ptr_array_index (messages, 0), ==, SETUP_MESSAGE);
  g_assert_cmpstr (g_ptr_array_index (messages, 6), ==, KEEPALIVE);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (fixture.fake), ==, 0);

  stream_close (stream);
  g_assert_true (g_queue_is_empty (&stream->received));
  wait_for_count (&closed, 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_open (fixture.fake), ==, 0);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (fixture.fake), ==, 1);

  fixture_clear (&fixture);
}

static void
test_dxlink_token_rejected (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) stream = NULL;

  fixture_init (&fixture);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  stream = stream_open (&fixture, url);

  stream_send (stream, SETUP_MESSAGE);
  stream_expect (stream, SETUP_ANSWER);
  stream_expect (stream, UNAUTHORIZED);

  /* Nothing but SETUP, AUTH and KEEPALIVE before authorization. */
  stream_send (stream, "{\"type\":\"CHANNEL_REQUEST\",\"channel\":1,\"service\":\"FEED\","
                       "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_expect_error (stream, 1, "UNAUTHORIZED");

  /* A token the fake never issued. */
  stream_auth (stream, "not-a-quote-token");
  stream_expect (stream, "{\"type\":\"ERROR\",\"channel\":0,\"error\":\"UNAUTHORIZED\","
                         "\"message\":\"Invalid token\"}");
  stream_expect (stream, UNAUTHORIZED);

  /* An issued token, refused. */
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_TOKEN_REJECTED);
  stream_auth (stream, token);
  stream_expect_error (stream, 0, "UNAUTHORIZED");
  stream_expect (stream, UNAUTHORIZED);

  /* Accepted for 24 hours of the fake's clock, not longer. */
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_LIVE);
  tts_fake_tastytrade_advance_clock (fixture.fake, 24 * 60 * 60 - 60);
  stream_auth (stream, token);
  stream_expect (stream, AUTHORIZED);
  tts_fake_tastytrade_advance_clock (fixture.fake, 60);
  stream_auth (stream, token);
  stream_expect_error (stream, 0, "UNAUTHORIZED");
  stream_expect (stream, UNAUTHORIZED);

  stream_close (stream);
  g_assert_true (g_queue_is_empty (&stream->received));
  fixture_clear (&fixture);
}

static void
test_dxlink_bad_messages (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) stream = NULL;

  fixture_init (&fixture);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  stream = stream_open (&fixture, url);

  stream_send (stream, "{\"type\":\"FEED_DATA\",");
  stream_expect_error (stream, 0, "INVALID_MESSAGE");
  stream_send (stream, "[\"SETUP\",0]");
  stream_expect_error (stream, 0, "INVALID_MESSAGE");
  stream_send (stream, "{\"type\":\"SETUP\"}");
  stream_expect_error (stream, 0, "INVALID_MESSAGE");
  stream_send (stream, "{\"type\":\"HELLO\",\"channel\":2}");
  stream_expect_error (stream, 2, "BAD_ACTION");
  /* SETUP comes first. */
  stream_auth (stream, token);
  stream_expect_error (stream, 0, "BAD_ACTION");

  stream_send (stream, SETUP_MESSAGE);
  stream_expect (stream, SETUP_ANSWER);
  stream_expect (stream, UNAUTHORIZED);
  stream_auth (stream, token);
  stream_expect (stream, AUTHORIZED);

  stream_send (stream, "{\"type\":\"FEED_SETUP\",\"channel\":4,\"acceptDataFormat\":\"COMPACT\"}");
  stream_expect_error (stream, 4, "BAD_ACTION");
  stream_send (stream, "{\"type\":\"CHANNEL_REQUEST\",\"channel\":0,\"service\":\"FEED\","
                       "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_expect_error (stream, 0, "BAD_ACTION");
  stream_send (stream, "{\"type\":\"CHANNEL_REQUEST\",\"channel\":4,\"service\":\"FEED\","
                       "\"parameters\":{\"contract\":\"HISTORY\"}}");
  stream_expect_error (stream, 4, "BAD_ACTION");
  stream_send (stream, "{\"type\":\"CHANNEL_REQUEST\",\"channel\":4,\"service\":\"FEED\","
                       "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_expect (stream, "{\"type\":\"CHANNEL_OPENED\",\"channel\":4,\"service\":\"FEED\","
                         "\"parameters\":{\"contract\":\"AUTO\"}}");
  stream_send (stream, "{\"type\":\"FEED_SUBSCRIPTION\",\"channel\":4,"
                       "\"add\":[{\"type\":\"Quote\",\"symbol\":\"SPX\"}]}");
  stream_expect_error (stream, 4, "BAD_ACTION");
  stream_send (stream, "{\"type\":\"FEED_SETUP\",\"channel\":4,\"acceptDataFormat\":\"FULL\"}");
  stream_expect_error (stream, 4, "BAD_ACTION");
  stream_send (stream, "{\"type\":\"CHANNEL_CANCEL\",\"channel\":4}");
  stream_expect (stream, "{\"type\":\"CHANNEL_CLOSED\",\"channel\":4}");

  stream_close (stream);
  g_assert_true (g_queue_is_empty (&stream->received));
  fixture_clear (&fixture);
}

static void
test_dxlink_no_data (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) stream = NULL;

  fixture_init (&fixture);
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_NO_DATA);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  stream = stream_open (&fixture, url);

  stream_start_feed (stream, token);
  /* Messages are answered in order: had a quote been sent, it would come first. */
  stream_send (stream, SUBSCRIBE_SPX);
  stream_send (stream, KEEPALIVE);
  stream_expect (stream, KEEPALIVE);

  stream_close (stream);
  g_assert_true (g_queue_is_empty (&stream->received));
  fixture_clear (&fixture);
}

static void
test_dxlink_slow (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) stream = NULL;
  gint64 subscribed_at;

  fixture_init (&fixture);
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_SLOW);
  tts_fake_tastytrade_set_quote_delay (fixture.fake, 500);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  stream = stream_open (&fixture, url);

  stream_start_feed (stream, token);
  subscribed_at = g_get_monotonic_time ();
  stream_send (stream, SUBSCRIBE_SPX);
  stream_send (stream, KEEPALIVE);
  stream_expect (stream, KEEPALIVE);
  stream_expect (stream, SPX_QUOTE);
  g_assert_cmpint (g_get_monotonic_time () - subscribed_at, >=, 500 * 1000);

  stream_close (stream);
  g_assert_true (g_queue_is_empty (&stream->received));
  fixture_clear (&fixture);
}

static void
test_dxlink_malformed (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) stream = NULL;
  GPtrArray *messages;

  fixture_init (&fixture);
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_MALFORMED);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  stream = stream_open (&fixture, url);

  stream_send (stream, SETUP_MESSAGE);
  stream_expect (stream, SETUP_ANSWER);
  stream_expect (stream, UNAUTHORIZED);
  stream_auth (stream, token);
  stream_expect (stream, AUTHORIZED);
  stream_expect (stream, "{\"type\":\"FEED_DATA\",");

  /* Then it only waits: no answer comes before the close. */
  stream_send (stream, KEEPALIVE);
  stream_close (stream);
  g_assert_true (g_queue_is_empty (&stream->received));

  messages = tts_fake_tastytrade_get_dxlink_messages (fixture.fake);
  g_assert_cmpuint (messages->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (messages, 2), ==, KEEPALIVE);

  fixture_clear (&fixture);
}

/* Clean and abrupt ends, several connections, and the fake going away with one open. */
static void
test_dxlink_closes (void)
{
  Fixture fixture = { 0 };
  g_autofree char *access_token = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  g_autoptr(Stream) clean = NULL;
  g_autoptr(Stream) kept = NULL;
  Stream *abrupt;
  guint closed = 0;

  fixture_init (&fixture);
  g_signal_connect (fixture.fake, "dxlink-closed", G_CALLBACK (count_cb), &closed);
  tts_fake_tastytrade_set_market_data (fixture.fake, TTS_FAKE_MARKET_DATA_SLOW);

  access_token = get_access_token (&fixture);
  token = get_quote_token (&fixture, access_token, &url);
  clean = stream_open (&fixture, url);
  abrupt = stream_open (&fixture, url);
  kept = stream_open (&fixture, url);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_open (fixture.fake), ==, 3);

  stream_close (clean);
  wait_for_count (&closed, 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (fixture.fake), ==, 1);

  /* Dropped without a close frame: an end, not a clean one. */
  stream_free (abrupt);
  wait_for_count (&closed, 2);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_open (fixture.fake), ==, 1);
  g_assert_cmpuint (tts_fake_tastytrade_get_dxlink_clean_closes (fixture.fake), ==, 1);

  /* A quote still pending when the fake goes away is dropped with its connection. */
  stream_start_feed (kept, token);
  stream_send (kept, SUBSCRIBE_SPX);
  stream_send (kept, KEEPALIVE);
  stream_expect (kept, KEEPALIVE);

  g_clear_object (&fixture.fake);
  g_assert_cmpuint (closed, ==, 3);
  while (!kept->closed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (kept->connection), ==,
                    SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_true (g_queue_is_empty (&kept->received));

  fixture_clear (&fixture);
}

/* The demo program prints its addresses, serves and stops cleanly on SIGTERM. */
static void
test_program (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "fake-tastytrade", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *auth_line = NULL;
  g_autofree char *api_line = NULL;
  g_autofree char *grant_line = NULL;
  g_autofree char *token_uri = NULL;
  g_autofree char *form = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(Reply) reply = NULL;
  const char *api;

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("fake-tastytrade was not built");
      return;
    }

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, path, "--print-grant", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  auth_line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  api_line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  grant_line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (g_str_has_prefix (auth_line, "AUTH_URL=http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (auth_line, "/auth.html"));
  g_assert_true (g_str_has_prefix (api_line, "API_URL=http://127.0.0.1:"));
  api = api_line + strlen ("API_URL=");
  g_assert_true (g_str_has_prefix (auth_line + strlen ("AUTH_URL="), api));
  g_assert_true (g_str_has_prefix (grant_line, "GRANT_REFRESH_TOKEN="));
  assert_jwt_like (grant_line + strlen ("GRANT_REFRESH_TOKEN="));

  session = soup_session_new_with_options ("user-agent", USER_AGENT, NULL);
  token_uri = g_strconcat (api, "/oauth/token", NULL);
  form = soup_form_encode ("grant_type", "refresh_token",
                           "refresh_token", grant_line + strlen ("GRANT_REFRESH_TOKEN="),
                           "client_id", "demo-client-id",
                           "client_secret", "demo-client-secret",
                           NULL);
  msg = soup_message_new_from_encoded_form ("POST", token_uri, g_steal_pointer (&form));
  reply = send_message (session, msg);
  g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fake/start", test_start);
  g_test_add_func ("/fake/authorize/bad-redirect-uri", test_authorize_bad_redirect_uri);
  g_test_add_func ("/fake/authorize/bad-params", test_authorize_bad_params);
  g_test_add_func ("/fake/authorize/records-request", test_authorize_records_request);
  g_test_add_func ("/fake/journey/allow", test_journey_allow);
  g_test_add_func ("/fake/journey/no-state", test_journey_no_state);
  g_test_add_func ("/fake/journey/deny", test_journey_deny);
  g_test_add_func ("/fake/journey/session-single-use", test_journey_session_single_use);
  g_test_add_func ("/fake/token/exchange-json", test_token_exchange_json);
  g_test_add_func ("/fake/token/exchange-form", test_token_exchange_form);
  g_test_add_func ("/fake/token/openid", test_token_openid);
  g_test_add_func ("/fake/token/no-user-agent", test_token_no_user_agent);
  g_test_add_func ("/fake/token/forbidden-headers", test_token_forbidden_headers);
  g_test_add_func ("/fake/token/wrong-secret", test_token_wrong_secret);
  g_test_add_func ("/fake/token/redirect-mismatch", test_token_redirect_mismatch);
  g_test_add_func ("/fake/token/code-expires", test_token_code_expires);
  g_test_add_func ("/fake/token/bad-requests", test_token_bad_requests);
  g_test_add_func ("/fake/token/refresh", test_token_refresh);
  g_test_add_func ("/fake/token/revoked-grant", test_token_revoked_grant);
  g_test_add_func ("/fake/token/secret-regenerated", test_token_secret_regenerated);
  g_test_add_func ("/fake/token/fault-injection", test_token_fault_injection);
  g_test_add_func ("/fake/accounts/bearer", test_accounts);
  g_test_add_func ("/fake/accounts/added", test_accounts_added);
  g_test_add_func ("/fake/accounts/expired-and-forbidden", test_accounts_expired_and_forbidden);
  g_test_add_func ("/fake/not-found", test_not_found);
  g_test_add_func ("/fake/request-finished", test_request_finished_signal);
  g_test_add_func ("/fake/complete-authorization", test_complete_authorization);
  g_test_add_func ("/fake/market-data/chains", test_market_chains);
  g_test_add_func ("/fake/market-data/quote-token", test_market_quote_token);
  g_test_add_func ("/fake/dxlink/quote", test_dxlink_quote);
  g_test_add_func ("/fake/dxlink/token-rejected", test_dxlink_token_rejected);
  g_test_add_func ("/fake/dxlink/bad-messages", test_dxlink_bad_messages);
  g_test_add_func ("/fake/dxlink/no-data", test_dxlink_no_data);
  g_test_add_func ("/fake/dxlink/slow", test_dxlink_slow);
  g_test_add_func ("/fake/dxlink/malformed", test_dxlink_malformed);
  g_test_add_func ("/fake/dxlink/closes", test_dxlink_closes);
  g_test_add_func ("/fake/program", test_program);

  return g_test_run ();
}

/* tts-fake-tastytrade.c: an offline tastytrade that follows
 * shared/reference/tastytrade-oauth-contract.md and tastytrade-market-data.md, for tests and
 * the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/random.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tts-fake-tastytrade.h"

#define CODE_LIFETIME_SECONDS   (5 * 60)
#define ACCESS_LIFETIME_SECONDS (15 * 60)
#define QUOTE_LIFETIME_SECONDS  (24 * 60 * 60)
#define REQUEST_DATA_KEY        "tts-fake-request"
#define STARTED_DATA_KEY        "tts-fake-started"

typedef struct
{
  char *client_id;
  char *client_secret;
  char *redirect_uri;
} FakeClient;

typedef enum
{
  STAGE_LOGIN,
  STAGE_OTP,
  STAGE_CONSENT,
} SessionStage;

/* One authorization in progress in the "browser", keyed by the hidden form field. */
typedef struct
{
  char         *client_id;
  char         *redirect_uri;
  char         *scope;          /* normalized, space separated */
  char         *state;          /* NULL when the request had none */
  SessionStage  stage;
} FakeSession;

typedef struct
{
  char     *client_id;
  char     *redirect_uri;
  char     *scope;
  gint64    issued_at;          /* fake clock, µs */
  gboolean  used;
} FakeCode;

typedef struct
{
  char *client_id;
  char *scope;
} FakeGrant;

typedef struct
{
  char   *client_id;
  char   *scope;
  gint64  expires_at;           /* fake clock, µs */
} FakeAccess;

typedef struct
{
  char *number;
  char *nickname;
  char *type_name;
  char *authority;
} FakeAccount;

typedef enum
{
  PARAMS_QUERY,
  PARAMS_FORM,
  PARAMS_JSON,
  PARAMS_MALFORMED,             /* a JSON body that is not an object */
  PARAMS_UNSUPPORTED,           /* a body of another type, or none */
} ParamsKind;

struct _TtsFakeTastytrade
{
  GObject     parent_instance;

  SoupServer *server;
  guint       port;
  char       *api_uri;
  char       *auth_uri;

  GHashTable *clients;          /* client ID → FakeClient */
  GHashTable *sessions;         /* session ID → FakeSession */
  GHashTable *codes;            /* code → FakeCode */
  GHashTable *grants;           /* refresh token → FakeGrant */
  GHashTable *access_tokens;    /* access token → FakeAccess */
  GPtrArray  *accounts;         /* FakeAccount */

  char       *username;
  char       *password;
  char       *otp;
  /* More of the sign-in page: frames of other sites, as a captcha would be. */
  char       *login_extra_html;

  guint       fail_count;
  guint       fail_status;
  char       *fail_content_type;
  char       *fail_body;

  GPtrArray  *requests;         /* TtsFakeRequest */
  guint       codes_issued;
  guint       refresh_tokens_issued;
  GPtrArray  *issued_secrets;   /* every code and token handed out, for leak checks */
  gint64      clock_offset;     /* µs added to the monotonic clock */

  /* Market data: tastytrade-market-data.md */
  TtsFakeMarketData market_data;
  guint       quote_delay_ms;
  double      quote_bid;
  double      quote_ask;
  char       *quote_level;
  GHashTable *quote_tokens;     /* quote token → gint64 expiry, fake clock µs */
  GPtrArray  *dxlink_clients;   /* DxlinkClient, one per open connection */
  GPtrArray  *dxlink_messages;  /* every text message DXLink clients sent */
  guint       dxlink_clean_closes;
};

G_DEFINE_FINAL_TYPE (TtsFakeTastytrade, tts_fake_tastytrade, G_TYPE_OBJECT)

enum {
  REQUEST_FINISHED,
  DXLINK_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct
{
  const char *name;
  const char *description;
} known_scopes[] = {
  { "read", "See your accounts, positions, balances and market data" },
  { "trade", "Place, change and cancel orders" },
  { "openid", "Confirm who you are (OpenID)" },
};

static void
fake_client_free (FakeClient *client)
{
  g_free (client->client_id);
  g_free (client->client_secret);
  g_free (client->redirect_uri);
  g_free (client);
}

static void
fake_session_free (FakeSession *session)
{
  g_free (session->client_id);
  g_free (session->redirect_uri);
  g_free (session->scope);
  g_free (session->state);
  g_free (session);
}

static void
fake_code_free (FakeCode *code)
{
  g_free (code->client_id);
  g_free (code->redirect_uri);
  g_free (code->scope);
  g_free (code);
}

static void
fake_grant_free (FakeGrant *grant)
{
  g_free (grant->client_id);
  g_free (grant->scope);
  g_free (grant);
}

static void
fake_access_free (FakeAccess *access)
{
  g_free (access->client_id);
  g_free (access->scope);
  g_free (access);
}

static void
fake_account_free (FakeAccount *account)
{
  g_free (account->number);
  g_free (account->nickname);
  g_free (account->type_name);
  g_free (account->authority);
  g_free (account);
}

static void
fake_request_free (TtsFakeRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->user_agent);
  g_free (request->content_type);
  g_free (request->authorization);
  g_free (request->accept);
  g_clear_pointer (&request->params, g_hash_table_unref);
  g_free (request);
}

static GHashTable *
string_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static gint64
fake_now (TtsFakeTastytrade *self)
{
  return g_get_monotonic_time () + self->clock_offset;
}

/* Wall-clock time as the fake sees it, for dates and timestamps it shows. */
static gint64
fake_real_time (TtsFakeTastytrade *self)
{
  return g_get_real_time () + self->clock_offset;
}

static void
fill_random (guint8 *buffer,
             gsize   length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = getrandom (buffer + done, length - done, 0);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom() failed: %s", g_strerror (errno));
        }
      done += (gsize) n;
    }
}

static char *
base64url_encode (const guint8 *data,
                  gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }

  return text;
}

static char *
random_base64url (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);

  fill_random (bytes, n_bytes);
  return base64url_encode (bytes, n_bytes);
}

static char *
random_hex (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  GString *text = g_string_sized_new (n_bytes * 2);
  gsize i;

  fill_random (bytes, n_bytes);
  for (i = 0; i < n_bytes; i++)
    g_string_append_printf (text, "%02x", bytes[i]);

  return g_string_free (text, FALSE);
}

static char *
builder_to_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static gboolean
scope_has (const char *scope,
           const char *word)
{
  g_auto(GStrv) words = g_strsplit (scope, " ", -1);

  return g_strv_contains ((const char * const *) words, word);
}

/* A JWT-sized token: three base64url segments, like the real service's. */
static char *
make_jwt (const char *kind,
          const char *client_id,
          const char *scope,
          gint64      lifetime_seconds)
{
  static const char header[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"fake-tastytrade-1\"}";
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *header_part = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *payload_part = NULL;
  g_autofree char *signature_part = NULL;
  g_autofree char *jti = g_uuid_string_random ();
  g_autofree char *session = random_hex (16);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "iss");
  json_builder_add_string_value (builder, "https://fake-tastytrade.invalid");
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, "U0000123456");
  json_builder_set_member_name (builder, "aud");
  json_builder_add_string_value (builder, client_id);
  json_builder_set_member_name (builder, "tkn");
  json_builder_add_string_value (builder, kind);
  json_builder_set_member_name (builder, "scope");
  json_builder_add_string_value (builder, scope);
  json_builder_set_member_name (builder, "iat");
  json_builder_add_int_value (builder, now);
  if (lifetime_seconds > 0)
    {
      json_builder_set_member_name (builder, "exp");
      json_builder_add_int_value (builder, now + lifetime_seconds);
    }
  json_builder_set_member_name (builder, "jti");
  json_builder_add_string_value (builder, jti);
  json_builder_set_member_name (builder, "sid");
  json_builder_add_string_value (builder, session);
  json_builder_end_object (builder);
  payload = builder_to_json (builder);

  header_part = base64url_encode ((const guint8 *) header, strlen (header));
  payload_part = base64url_encode ((const guint8 *) payload, strlen (payload));
  signature_part = random_base64url (96);

  return g_strconcat (header_part, ".", payload_part, ".", signature_part, NULL);
}

/* Pages of the authorization "site" */

static void
set_html (SoupServerMessage *msg,
          guint              status,
          const char        *title,
          const char        *body_html)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *page = NULL;

  page = g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html lang=\"en\">\n"
                          "<head>\n"
                          "<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width\">\n"
                          "<title>%s</title>\n"
                          "<style>body{font-family:sans-serif;margin:2em auto;max-width:26em;"
                          "padding:0 1em}label,button{display:block;margin-top:1em}"
                          ".error{color:#c01c28}.note{color:#777;font-size:small}</style>\n"
                          "</head>\n"
                          "<body>\n"
                          "<p class=\"note\">Fake tastytrade, offline: for tests and demos only.</p>\n"
                          "<h1>%s</h1>\n"
                          "%s"
                          "</body>\n"
                          "</html>\n",
                          title, title, body_html);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
}

static void
set_error_page (SoupServerMessage *msg,
                guint              status,
                const char        *message)
{
  g_autofree char *message_html = g_markup_escape_text (message, -1);
  g_autofree char *body = NULL;

  body = g_strdup_printf ("<p class=\"error\" id=\"error\">%s</p>\n", message_html);
  set_html (msg, status, "Authorization failed", body);
}

static char *
error_paragraph (const char *error)
{
  g_autofree char *error_html = NULL;

  if (error == NULL)
    return g_strdup ("");

  error_html = g_markup_escape_text (error, -1);
  return g_strdup_printf ("<p class=\"error\" id=\"error\" role=\"alert\">%s</p>\n", error_html);
}

static void
set_login_page (TtsFakeTastytrade *self,
                SoupServerMessage *msg,
                const char        *session_id,
                const char        *client_id,
                const char        *error)
{
  g_autofree char *client_html = g_markup_escape_text (client_id, -1);
  g_autofree char *error_html = error_paragraph (error);
  g_autofree char *body = NULL;

  body = g_strdup_printf ("<p>Sign in to let the application <b>%s</b> use your account.</p>\n"
                          "%s"
                          "<form method=\"post\" action=\"/login\">\n"
                          "<input type=\"hidden\" name=\"session\" value=\"%s\">\n"
                          "<label for=\"username\">Username</label>\n"
                          "<input id=\"username\" name=\"username\" type=\"text\" "
                          "autocomplete=\"username\" autofocus required>\n"
                          "<label for=\"password\">Password</label>\n"
                          "<input id=\"password\" name=\"password\" type=\"password\" "
                          "autocomplete=\"current-password\" required>\n"
                          "<button id=\"sign-in\" type=\"submit\">Sign in</button>\n"
                          "</form>\n"
                          "%s",
                          client_html, error_html, session_id,
                          self->login_extra_html != NULL ? self->login_extra_html : "");
  set_html (msg, SOUP_STATUS_OK, "Sign in to tastytrade", body);
}

static void
set_otp_page (SoupServerMessage *msg,
              const char        *session_id,
              const char        *error)
{
  g_autofree char *error_html = error_paragraph (error);
  g_autofree char *body = NULL;

  body = g_strdup_printf ("<p>Enter the code from your authenticator app.</p>\n"
                          "%s"
                          "<form method=\"post\" action=\"/otp\">\n"
                          "<input type=\"hidden\" name=\"session\" value=\"%s\">\n"
                          "<label for=\"otp\">Two-factor code</label>\n"
                          "<input id=\"otp\" name=\"otp\" type=\"text\" inputmode=\"numeric\" "
                          "autocomplete=\"one-time-code\" autofocus required>\n"
                          "<button id=\"verify\" type=\"submit\">Verify</button>\n"
                          "</form>\n",
                          error_html, session_id);
  set_html (msg, SOUP_STATUS_OK, "Two-factor authentication", body);
}

static void
set_consent_page (SoupServerMessage *msg,
                  const char        *session_id,
                  FakeSession       *session)
{
  g_autofree char *client_html = g_markup_escape_text (session->client_id, -1);
  g_autofree char *body = NULL;
  GString *list = g_string_new ("<ul id=\"scopes\">\n");
  g_autofree char *list_html = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (known_scopes); i++)
    {
      if (scope_has (session->scope, known_scopes[i].name))
        g_string_append_printf (list, "<li id=\"scope-%s\">%s</li>\n",
                                known_scopes[i].name, known_scopes[i].description);
    }
  g_string_append (list, "</ul>\n");
  list_html = g_string_free (list, FALSE);

  body = g_strdup_printf ("<p>The application <b>%s</b> asks to:</p>\n"
                          "%s"
                          "<form method=\"post\" action=\"/consent\">\n"
                          "<input type=\"hidden\" name=\"session\" value=\"%s\">\n"
                          "<button id=\"authorize\" type=\"submit\" name=\"decision\" "
                          "value=\"allow\">Authorize</button>\n"
                          "<button id=\"deny\" type=\"submit\" name=\"decision\" "
                          "value=\"deny\">Deny</button>\n"
                          "</form>\n",
                          client_html, list_html, session_id);
  set_html (msg, SOUP_STATUS_OK, "Authorize access", body);
}

/* JSON answers */

static void
set_json (SoupServerMessage *msg,
          guint              status,
          JsonBuilder       *builder)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *body = builder_to_json (builder);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

static void
set_token_error (SoupServerMessage *msg,
                 guint              status,
                 const char        *code,
                 const char        *description)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error_code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "error_description");
  json_builder_add_string_value (builder, description);
  json_builder_end_object (builder);
  set_json (msg, status, builder);
}

static void
set_rest_error (SoupServerMessage *msg,
                guint              status,
                const char        *code,
                const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  set_json (msg, status, builder);
}

/* What the real front end (nginx) answers a request without User-Agent: HTML, not JSON. */
static void
set_nginx_unauthorized (SoupServerMessage *msg)
{
  static const char body[] =
    "<html>\r\n"
    "<head><title>401 Authorization Required</title></head>\r\n"
    "<body>\r\n"
    "<center><h1>401 Authorization Required</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n"
    "</body>\r\n"
    "</html>\r\n";

  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, body, strlen (body));
}

static gboolean
has_user_agent (TtsFakeRequest *request)
{
  return request->user_agent != NULL && request->user_agent[0] != '\0';
}

/* Authorization */

/* Returns the known scopes of space-separated @scope in a fixed order, or NULL with a
 * sentence for the error page. */
static char *
normalize_scope (const char  *scope,
                 char       **error_message)
{
  g_auto(GStrv) words = g_strsplit (scope, " ", -1);
  GString *normalized = g_string_new (NULL);
  gsize i;

  for (i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] != '\0' && !scope_has ("read trade openid", words[i]))
        {
          *error_message = g_strdup_printf ("Unknown scope \"%s\".", words[i]);
          g_string_free (normalized, TRUE);
          return NULL;
        }
    }

  for (i = 0; i < G_N_ELEMENTS (known_scopes); i++)
    {
      if (g_strv_contains ((const char * const *) words, known_scopes[i].name))
        {
          if (normalized->len > 0)
            g_string_append_c (normalized, ' ');
          g_string_append (normalized, known_scopes[i].name);
        }
    }

  if (normalized->len == 0)
    {
      *error_message = g_strdup ("The request asks for no scope.");
      g_string_free (normalized, TRUE);
      return NULL;
    }

  return g_string_free (normalized, FALSE);
}

/* Checks a GET /auth.html query; on success stores a new session and returns its ID. */
static char *
begin_session (TtsFakeTastytrade  *self,
               GHashTable         *query,
               char              **error_message)
{
  const char *client_id = g_hash_table_lookup (query, "client_id");
  const char *redirect_uri = g_hash_table_lookup (query, "redirect_uri");
  const char *response_type = g_hash_table_lookup (query, "response_type");
  const char *scope = g_hash_table_lookup (query, "scope");
  const char *state = g_hash_table_lookup (query, "state");
  g_autofree char *normalized = NULL;
  FakeClient *client;
  FakeSession *session;
  char *session_id;

  if (client_id == NULL || client_id[0] == '\0')
    {
      *error_message = g_strdup ("The request has no client_id.");
      return NULL;
    }

  client = g_hash_table_lookup (self->clients, client_id);
  if (client == NULL)
    {
      *error_message = g_strdup ("No OAuth application has this client ID.");
      return NULL;
    }

  /* Never a redirect to an unregistered address: the error stays on this site. */
  if (redirect_uri == NULL || strcmp (redirect_uri, client->redirect_uri) != 0)
    {
      *error_message = g_strdup ("The redirect URI does not match the one registered "
                                 "for this OAuth application.");
      return NULL;
    }

  if (g_strcmp0 (response_type, "code") != 0)
    {
      *error_message = g_strdup ("The response type must be \"code\".");
      return NULL;
    }

  if (scope == NULL || scope[0] == '\0')
    scope = "read";

  normalized = normalize_scope (scope, error_message);
  if (normalized == NULL)
    return NULL;

  session = g_new0 (FakeSession, 1);
  session->client_id = g_strdup (client_id);
  session->redirect_uri = g_strdup (redirect_uri);
  session->scope = g_steal_pointer (&normalized);
  session->state = g_strdup (state);
  session->stage = STAGE_LOGIN;

  session_id = random_hex (16);
  g_hash_table_insert (self->sessions, g_strdup (session_id), session);

  return session_id;
}

/* Ends a session with the user's decision; returns the redirect's Location. */
static char *
conclude_session (TtsFakeTastytrade *self,
                  const char        *session_id,
                  gboolean           allow)
{
  FakeSession *session = g_hash_table_lookup (self->sessions, session_id);
  GString *location;

  g_assert (session != NULL);

  location = g_string_new (session->redirect_uri);
  g_string_append_c (location, strchr (session->redirect_uri, '?') != NULL ? '&' : '?');

  if (allow)
    {
      FakeCode *code = g_new0 (FakeCode, 1);
      char *code_value = random_base64url (24);

      code->client_id = g_strdup (session->client_id);
      code->redirect_uri = g_strdup (session->redirect_uri);
      code->scope = g_strdup (session->scope);
      code->issued_at = fake_now (self);
      g_hash_table_insert (self->codes, code_value, code);
      g_ptr_array_add (self->issued_secrets, g_strdup (code_value));
      self->codes_issued++;

      g_string_append (location, "code=");
      g_string_append_uri_escaped (location, code_value, NULL, FALSE);
    }
  else
    {
      g_string_append (location, "error=access_denied&error_description=");
      g_string_append_uri_escaped (location, "The user denied access.", NULL, FALSE);
    }

  if (session->state != NULL)
    {
      g_string_append (location, "&state=");
      g_string_append_uri_escaped (location, session->state, NULL, FALSE);
    }

  g_hash_table_remove (self->sessions, session_id);

  return g_string_free (location, FALSE);
}

static void
handle_authorize (TtsFakeTastytrade *self,
                  SoupServerMessage *msg,
                  TtsFakeRequest    *request)
{
  g_autofree char *error_message = NULL;
  g_autofree char *session_id = NULL;
  FakeSession *session;

  session_id = begin_session (self, request->params, &error_message);
  if (session_id == NULL)
    {
      set_error_page (msg, SOUP_STATUS_BAD_REQUEST, error_message);
      return;
    }

  session = g_hash_table_lookup (self->sessions, session_id);
  set_login_page (self, msg, session_id, session->client_id, NULL);
}

static FakeSession *
lookup_session (TtsFakeTastytrade *self,
                SoupServerMessage *msg,
                TtsFakeRequest    *request,
                SessionStage       stage)
{
  const char *session_id = g_hash_table_lookup (request->params, "session");
  FakeSession *session = NULL;

  if (session_id != NULL)
    session = g_hash_table_lookup (self->sessions, session_id);

  if (session == NULL || session->stage != stage)
    {
      set_error_page (msg, SOUP_STATUS_BAD_REQUEST,
                      "This sign-in has expired or was already used. "
                      "Start again from the application.");
      return NULL;
    }

  return session;
}

static void
handle_login (TtsFakeTastytrade *self,
              SoupServerMessage *msg,
              TtsFakeRequest    *request)
{
  const char *session_id = g_hash_table_lookup (request->params, "session");
  const char *username = g_hash_table_lookup (request->params, "username");
  const char *password = g_hash_table_lookup (request->params, "password");
  FakeSession *session;

  session = lookup_session (self, msg, request, STAGE_LOGIN);
  if (session == NULL)
    return;

  if (g_strcmp0 (username, self->username) != 0 || g_strcmp0 (password, self->password) != 0)
    {
      set_login_page (self, msg, session_id, session->client_id, "Incorrect username or password.");
      return;
    }

  session->stage = STAGE_OTP;
  set_otp_page (msg, session_id, NULL);
}

static void
handle_otp (TtsFakeTastytrade *self,
            SoupServerMessage *msg,
            TtsFakeRequest    *request)
{
  const char *session_id = g_hash_table_lookup (request->params, "session");
  const char *otp = g_hash_table_lookup (request->params, "otp");
  FakeSession *session;

  session = lookup_session (self, msg, request, STAGE_OTP);
  if (session == NULL)
    return;

  if (g_strcmp0 (otp, self->otp) != 0)
    {
      set_otp_page (msg, session_id, "That code is not valid. Try again.");
      return;
    }

  session->stage = STAGE_CONSENT;
  set_consent_page (msg, session_id, session);
}

static void
handle_consent (TtsFakeTastytrade *self,
                SoupServerMessage *msg,
                TtsFakeRequest    *request)
{
  const char *session_id = g_hash_table_lookup (request->params, "session");
  const char *decision = g_hash_table_lookup (request->params, "decision");
  g_autofree char *location = NULL;

  if (lookup_session (self, msg, request, STAGE_CONSENT) == NULL)
    return;

  if (g_strcmp0 (decision, "allow") != 0 && g_strcmp0 (decision, "deny") != 0)
    {
      set_error_page (msg, SOUP_STATUS_BAD_REQUEST, "Choose Authorize or Deny.");
      return;
    }

  location = conclude_session (self, session_id, g_str_equal (decision, "allow"));

  /* Set by hand: soup_server_message_set_redirect() would resolve and normalize it. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Location", location);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
}

/* The token endpoint */

static char *
issue_access_token (TtsFakeTastytrade *self,
                    const char        *client_id,
                    const char        *scope)
{
  FakeAccess *access = g_new0 (FakeAccess, 1);
  char *token = make_jwt ("access", client_id, scope, ACCESS_LIFETIME_SECONDS);

  access->client_id = g_strdup (client_id);
  access->scope = g_strdup (scope);
  access->expires_at = fake_now (self) + ACCESS_LIFETIME_SECONDS * G_USEC_PER_SEC;
  g_hash_table_insert (self->access_tokens, g_strdup (token), access);
  g_ptr_array_add (self->issued_secrets, g_strdup (token));

  return token;
}

static char *
issue_refresh_token (TtsFakeTastytrade *self,
                     const char        *client_id,
                     const char        *scope)
{
  FakeGrant *grant = g_new0 (FakeGrant, 1);
  char *token = make_jwt ("refresh", client_id, scope, 0);

  grant->client_id = g_strdup (client_id);
  grant->scope = g_strdup (scope);
  g_hash_table_insert (self->grants, g_strdup (token), grant);
  g_ptr_array_add (self->issued_secrets, g_strdup (token));
  self->refresh_tokens_issued++;

  return token;
}

static void
exchange_code (TtsFakeTastytrade *self,
               SoupServerMessage *msg,
               TtsFakeRequest    *request)
{
  const char *code_value = g_hash_table_lookup (request->params, "code");
  const char *client_id = g_hash_table_lookup (request->params, "client_id");
  const char *client_secret = g_hash_table_lookup (request->params, "client_secret");
  const char *redirect_uri = g_hash_table_lookup (request->params, "redirect_uri");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *access_token = NULL;
  g_autofree char *refresh_token = NULL;
  FakeClient *client;
  FakeCode *code;

  if (code_value == NULL || client_id == NULL || redirect_uri == NULL)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                       "code, client_id and redirect_uri are required");
      return;
    }

  client = g_hash_table_lookup (self->clients, client_id);
  if (client == NULL || g_strcmp0 (client_secret, client->client_secret) != 0)
    {
      set_token_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client",
                       "Invalid client credentials");
      return;
    }

  code = g_hash_table_lookup (self->codes, code_value);
  if (code == NULL
      || code->used
      || fake_now (self) - code->issued_at > CODE_LIFETIME_SECONDS * G_USEC_PER_SEC
      || strcmp (code->client_id, client_id) != 0)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                       "Invalid or expired authorization code");
      return;
    }

  if (strcmp (code->redirect_uri, redirect_uri) != 0)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                       "redirect_uri does not match the authorization request");
      return;
    }

  code->used = TRUE;
  refresh_token = issue_refresh_token (self, client_id, code->scope);
  access_token = issue_access_token (self, client_id, code->scope);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, access_token);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, "Bearer");
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, ACCESS_LIFETIME_SECONDS);
  json_builder_set_member_name (builder, "refresh_token");
  json_builder_add_string_value (builder, refresh_token);
  if (scope_has (code->scope, "openid"))
    {
      g_autofree char *id_token = make_jwt ("id", client_id, "openid", ACCESS_LIFETIME_SECONDS);

      json_builder_set_member_name (builder, "id_token");
      json_builder_add_string_value (builder, id_token);
    }
  /* Unknown members must be ignored by clients. */
  json_builder_set_member_name (builder, "some-unknown-field");
  json_builder_add_int_value (builder, 1);
  json_builder_end_object (builder);

  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
refresh (TtsFakeTastytrade *self,
         SoupServerMessage *msg,
         TtsFakeRequest    *request)
{
  const char *refresh_token = g_hash_table_lookup (request->params, "refresh_token");
  const char *client_id = g_hash_table_lookup (request->params, "client_id");
  const char *client_secret = g_hash_table_lookup (request->params, "client_secret");
  const char *scope = g_hash_table_lookup (request->params, "scope");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *access_token = NULL;
  FakeClient *client;
  FakeGrant *grant;

  if (refresh_token == NULL)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                       "refresh_token is required");
      return;
    }

  grant = g_hash_table_lookup (self->grants, refresh_token);
  if (grant == NULL)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant", "Invalid JWT");
      return;
    }

  client = g_hash_table_lookup (self->clients, grant->client_id);
  if (client == NULL
      || (client_id != NULL && strcmp (client_id, grant->client_id) != 0)
      || g_strcmp0 (client_secret, client->client_secret) != 0)
    {
      set_token_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client",
                       "Invalid client credentials");
      return;
    }

  if (scope == NULL || scope[0] == '\0')
    scope = grant->scope;
  else
    {
      g_auto(GStrv) words = g_strsplit (scope, " ", -1);
      gsize i;

      for (i = 0; words[i] != NULL; i++)
        {
          if (words[i][0] != '\0' && !scope_has (grant->scope, words[i]))
            {
              set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_scope",
                               "The grant does not include this scope");
              return;
            }
        }
    }

  access_token = issue_access_token (self, grant->client_id, scope);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, access_token);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, "Bearer");
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, ACCESS_LIFETIME_SECONDS);
  json_builder_end_object (builder);

  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
handle_token (TtsFakeTastytrade *self,
              SoupServerMessage *msg,
              TtsFakeRequest    *request,
              ParamsKind         kind)
{
  const char *grant_type;

  if (self->fail_count > 0)
    {
      self->fail_count--;
      soup_server_message_set_status (msg, self->fail_status, NULL);
      if (self->fail_body != NULL)
        soup_server_message_set_response (msg, self->fail_content_type, SOUP_MEMORY_COPY,
                                          self->fail_body, strlen (self->fail_body));
      return;
    }

  if (!has_user_agent (request))
    {
      set_nginx_unauthorized (msg);
      return;
    }

  if (request->authorization != NULL)
    {
      set_token_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_request",
                       "The token endpoint takes no Authorization header");
      return;
    }

  if (request->has_accept_version)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                       "Accept-Version is not supported");
      return;
    }

  if (kind == PARAMS_MALFORMED)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "Malformed JSON body");
      return;
    }

  if (kind != PARAMS_JSON && kind != PARAMS_FORM)
    {
      set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                       "Unsupported Content-Type");
      return;
    }

  grant_type = g_hash_table_lookup (request->params, "grant_type");
  if (grant_type == NULL)
    set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "grant_type is required");
  else if (strcmp (grant_type, "authorization_code") == 0)
    exchange_code (self, msg, request);
  else if (strcmp (grant_type, "refresh_token") == 0)
    refresh (self, msg, request);
  else
    set_token_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type",
                     "Unsupported grant type");
}

/* The REST API */

/* Answers the request with an error unless it carries a live access token with "read". */
static gboolean
check_bearer (TtsFakeTastytrade *self,
              SoupServerMessage *msg,
              TtsFakeRequest    *request)
{
  const char *token = NULL;
  FakeAccess *access = NULL;

  if (!has_user_agent (request))
    {
      set_nginx_unauthorized (msg);
      return FALSE;
    }

  if (request->authorization != NULL
      && g_ascii_strncasecmp (request->authorization, "Bearer ", 7) == 0)
    {
      token = request->authorization + 7;
      while (*token == ' ')
        token++;
      access = g_hash_table_lookup (self->access_tokens, token);
    }

  if (access == NULL)
    {
      set_rest_error (msg, SOUP_STATUS_UNAUTHORIZED, "token_invalid",
                      "This request requires a valid access token");
      return FALSE;
    }

  if (fake_now (self) >= access->expires_at)
    {
      set_rest_error (msg, SOUP_STATUS_UNAUTHORIZED, "token_invalid",
                      "The access token has expired");
      return FALSE;
    }

  if (!scope_has (access->scope, "read"))
    {
      set_rest_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                      "The access token's scope does not permit this request");
      return FALSE;
    }

  return TRUE;
}

static void
handle_customer (TtsFakeTastytrade *self,
                 SoupServerMessage *msg,
                 TtsFakeRequest    *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *email = NULL;

  if (!check_bearer (self, msg, request))
    return;

  email = g_strdup_printf ("%s@example.com", self->username);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, "me");
  json_builder_set_member_name (builder, "first-name");
  json_builder_add_string_value (builder, "Demo");
  json_builder_set_member_name (builder, "last-name");
  json_builder_add_string_value (builder, "Customer");
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "has-industry-affiliation");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "context");
  json_builder_add_string_value (builder, "/customers/me");
  json_builder_end_object (builder);

  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
add_account_json (JsonBuilder *builder,
                  const char  *number,
                  const char  *nickname,
                  const char  *type_name,
                  const char  *authority)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account-number");
  json_builder_add_string_value (builder, number);
  json_builder_set_member_name (builder, "nickname");
  json_builder_add_string_value (builder, nickname);
  json_builder_set_member_name (builder, "account-type-name");
  json_builder_add_string_value (builder, type_name);
  json_builder_set_member_name (builder, "margin-or-cash");
  json_builder_add_string_value (builder, "Margin");
  json_builder_set_member_name (builder, "is-closed");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "opened-at");
  json_builder_add_string_value (builder, "2021-03-04T15:16:17.000+00:00");
  json_builder_set_member_name (builder, "day-trader-status");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "authority-level");
  json_builder_add_string_value (builder, authority);
  json_builder_end_object (builder);
}

static void
handle_accounts (TtsFakeTastytrade *self,
                 SoupServerMessage *msg,
                 TtsFakeRequest    *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint i;

  if (!check_bearer (self, msg, request))
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  if (self->accounts->len == 0)
    add_account_json (builder, "5WX01234", "Individual", "Individual", "owner");
  for (i = 0; i < self->accounts->len; i++)
    {
      FakeAccount *account = g_ptr_array_index (self->accounts, i);

      add_account_json (builder, account->number, account->nickname, account->type_name,
                        account->authority);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "context");
  json_builder_add_string_value (builder, "/customers/me/accounts");
  json_builder_end_object (builder);

  set_json (msg, SOUP_STATUS_OK, builder);
}

/* Market data: option chains and quote tokens */

/* The chains' dates are fixed, so tests can name streamer symbols. */
#define CHAIN_BASE_DAY       18
#define CHAIN_BASE_MONTH     G_DATE_DECEMBER
#define CHAIN_BASE_YEAR      2026
#define CHAIN_MONTHLIES      12
#define CHAIN_WEEKLIES       30

static const guint chain_strikes[] = { 5850, 5900, 5950 };

/* Days from the fake clock's today (UTC) to @date; 0 once it has passed. */
static int
days_until (TtsFakeTastytrade *self,
            const GDate       *date)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (fake_real_time (self) / G_USEC_PER_SEC);
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, (GDateDay) g_date_time_get_day_of_month (now),
                  (GDateMonth) g_date_time_get_month (now),
                  (GDateYear) g_date_time_get_year (now));

  return MAX (0, g_date_days_between (&today, date));
}

/* As the REST API writes times: 2026-12-06T06:23:35.000+00:00 */
static char *
format_timestamp (gint64 real_time)
{
  g_autoptr(GDateTime) moment = g_date_time_new_from_unix_utc (real_time / G_USEC_PER_SEC);
  g_autofree char *seconds = g_date_time_format (moment, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03d+00:00", seconds, (int) (real_time % G_USEC_PER_SEC / 1000));
}

static void
add_strike_json (JsonBuilder *builder,
                 const char  *root,
                 const GDate *date,
                 guint        strike)
{
  g_autofree char *price = g_strdup_printf ("%u.0", strike);
  g_autofree char *day = NULL;
  g_autofree char *call = NULL;
  g_autofree char *put = NULL;
  g_autofree char *call_streamer = NULL;
  g_autofree char *put_streamer = NULL;

  day = g_strdup_printf ("%02u%02u%02u", (guint) g_date_get_year (date) % 100,
                         (guint) g_date_get_month (date), (guint) g_date_get_day (date));
  /* OCC symbols pad the root to six characters and give the strike in thousandths;
   * streamer symbols are what DXLink subscriptions take. */
  call = g_strdup_printf ("%-6s%sC%08u", root, day, strike * 1000);
  put = g_strdup_printf ("%-6s%sP%08u", root, day, strike * 1000);
  call_streamer = g_strdup_printf (".%s%sC%u", root, day, strike);
  put_streamer = g_strdup_printf (".%s%sP%u", root, day, strike);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "strike-price");
  json_builder_add_string_value (builder, price);
  json_builder_set_member_name (builder, "call");
  json_builder_add_string_value (builder, call);
  json_builder_set_member_name (builder, "call-streamer-symbol");
  json_builder_add_string_value (builder, call_streamer);
  json_builder_set_member_name (builder, "put");
  json_builder_add_string_value (builder, put);
  json_builder_set_member_name (builder, "put-streamer-symbol");
  json_builder_add_string_value (builder, put_streamer);
  json_builder_end_object (builder);
}

static void
add_expiration_json (TtsFakeTastytrade *self,
                     JsonBuilder       *builder,
                     const char        *root,
                     const GDate       *date,
                     const char        *expiration_type,
                     const char        *settlement_type)
{
  g_autofree char *date_text = NULL;
  gsize i;

  date_text = g_strdup_printf ("%04u-%02u-%02u", (guint) g_date_get_year (date),
                               (guint) g_date_get_month (date), (guint) g_date_get_day (date));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "expiration-type");
  json_builder_add_string_value (builder, expiration_type);
  json_builder_set_member_name (builder, "expiration-date");
  json_builder_add_string_value (builder, date_text);
  json_builder_set_member_name (builder, "days-to-expiration");
  json_builder_add_int_value (builder, days_until (self, date));
  json_builder_set_member_name (builder, "settlement-type");
  json_builder_add_string_value (builder, settlement_type);
  json_builder_set_member_name (builder, "strikes");
  json_builder_begin_array (builder);
  for (i = 0; i < G_N_ELEMENTS (chain_strikes); i++)
    add_strike_json (builder, root, date, chain_strikes[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

/* One root of the chain: SPX monthlies (third Fridays, AM-settled) or SPXW weeklies
 * (every Friday, PM-settled), from the same base date. */
static void
add_chain_item_json (TtsFakeTastytrade *self,
                     JsonBuilder       *builder,
                     gboolean           weekly)
{
  const char *root = weekly ? "SPXW" : "SPX";
  guint i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "underlying-symbol");
  json_builder_add_string_value (builder, "SPX");
  json_builder_set_member_name (builder, "root-symbol");
  json_builder_add_string_value (builder, root);
  json_builder_set_member_name (builder, "option-chain-type");
  json_builder_add_string_value (builder, "Standard");
  json_builder_set_member_name (builder, "shares-per-contract");
  json_builder_add_int_value (builder, 100);
  json_builder_set_member_name (builder, "tick-sizes");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "value");
  json_builder_add_string_value (builder, "0.05");
  json_builder_set_member_name (builder, "threshold");
  json_builder_add_string_value (builder, "3.0");
  json_builder_end_object (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "value");
  json_builder_add_string_value (builder, "0.1");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "deliverables");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "expirations");
  json_builder_begin_array (builder);
  for (i = 0; i < (weekly ? CHAIN_WEEKLIES : CHAIN_MONTHLIES); i++)
    {
      GDate date;

      g_date_clear (&date, 1);
      if (weekly)
        {
          g_date_set_dmy (&date, CHAIN_BASE_DAY, CHAIN_BASE_MONTH, CHAIN_BASE_YEAR);
          g_date_add_days (&date, 7 * i);
        }
      else
        {
          g_date_set_dmy (&date, 1, CHAIN_BASE_MONTH, CHAIN_BASE_YEAR);
          g_date_add_months (&date, i);
          while (g_date_get_weekday (&date) != G_DATE_FRIDAY)
            g_date_add_days (&date, 1);
          g_date_add_days (&date, 14);
        }
      add_expiration_json (self, builder, root, &date, weekly ? "Weekly" : "Regular",
                           weekly ? "PM" : "AM");
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
handle_option_chain (TtsFakeTastytrade *self,
                     SoupServerMessage *msg,
                     TtsFakeRequest    *request,
                     const char        *symbol)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (!check_bearer (self, msg, request))
    return;

  if (strcmp (symbol, "SPX") != 0)
    {
      set_rest_error (msg, SOUP_STATUS_NOT_FOUND, "record_not_found",
                      "No option chain found for this symbol");
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  add_chain_item_json (self, builder, FALSE);
  add_chain_item_json (self, builder, TRUE);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "context");
  json_builder_add_string_value (builder, "/option-chains/SPX/nested");
  json_builder_end_object (builder);

  set_json (msg, SOUP_STATUS_OK, builder);
}

/* "/option-chains/SYMBOL/nested" → SYMBOL, or NULL for other paths. */
static char *
option_chain_symbol (const char *path)
{
  static const char prefix[] = "/option-chains/";
  static const char suffix[] = "/nested";
  const char *start;
  gsize length = strlen (path);

  if (!g_str_has_prefix (path, prefix) || !g_str_has_suffix (path, suffix)
      || length <= strlen (prefix) + strlen (suffix))
    return NULL;

  start = path + strlen (prefix);
  length -= strlen (prefix) + strlen (suffix);
  if (memchr (start, '/', length) != NULL)
    return NULL;

  return g_strndup (start, length);
}

static void
handle_quote_token (TtsFakeTastytrade *self,
                    SoupServerMessage *msg,
                    TtsFakeRequest    *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *token = NULL;
  g_autofree char *dxlink_url = NULL;
  g_autofree char *issued_at = NULL;
  g_autofree char *expires_at = NULL;
  gint64 *expiry;
  gint64 now;

  if (!check_bearer (self, msg, request))
    return;

  /* Only the quote stream is refused: the token and the chains still work. */
  if (self->market_data == TTS_FAKE_MARKET_DATA_NOT_A_CUSTOMER)
    {
      set_rest_error (msg, SOUP_STATUS_FORBIDDEN, "quote_streamer.customer_not_found_error",
                      "You must be a customer to access a quote stream.");
      return;
    }

  if (self->market_data == TTS_FAKE_MARKET_DATA_NOT_GRANTED)
    {
      set_rest_error (msg, SOUP_STATUS_FORBIDDEN,
                      "quote_streamer.api_access_entitlement_not_granted",
                      "API access to market data has not been granted to this customer.");
      return;
    }

  token = make_jwt ("quote", "dxlink", "read", QUOTE_LIFETIME_SECONDS);
  expiry = g_new (gint64, 1);
  *expiry = fake_now (self) + (gint64) QUOTE_LIFETIME_SECONDS * G_USEC_PER_SEC;
  g_hash_table_insert (self->quote_tokens, g_strdup (token), expiry);
  g_ptr_array_add (self->issued_secrets, g_strdup (token));

  now = fake_real_time (self);
  issued_at = format_timestamp (now);
  expires_at = format_timestamp (now + (gint64) QUOTE_LIFETIME_SECONDS * G_USEC_PER_SEC);
  dxlink_url = g_strdup_printf ("ws://127.0.0.1:%u/dxlink", self->port);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "dxlink-url");
  json_builder_add_string_value (builder, dxlink_url);
  json_builder_set_member_name (builder, "level");
  json_builder_add_string_value (builder, self->quote_level);
  json_builder_set_member_name (builder, "issued-at");
  json_builder_add_string_value (builder, issued_at);
  json_builder_set_member_name (builder, "expires-at");
  json_builder_add_string_value (builder, expires_at);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "context");
  json_builder_add_string_value (builder, "/api-quote-tokens");
  json_builder_end_object (builder);

  set_json (msg, SOUP_STATUS_OK, builder);
}

/* Requests */

static GHashTable *
params_from_json (const char *data,
                  gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) params = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, (gssize) length, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  params = string_table_new ();
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &node))
    {
      GType type;
      char *value = NULL;

      if (!JSON_NODE_HOLDS_VALUE (node))
        continue;

      type = json_node_get_value_type (node);
      if (type == G_TYPE_STRING)
        value = g_strdup (json_node_get_string (node));
      else if (type == G_TYPE_INT64)
        value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      else if (type == G_TYPE_BOOLEAN)
        value = g_strdup (json_node_get_boolean (node) ? "true" : "false");
      else if (type == G_TYPE_DOUBLE)
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];

          value = g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
        }

      if (value != NULL)
        g_hash_table_replace (params, g_strdup (name), value);
    }

  return g_steal_pointer (&params);
}

static GHashTable *
read_params (SoupServerMessage *msg,
             GHashTable        *query,
             ParamsKind        *kind)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GHashTable *params;
  const char *media_type;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  const char *data;
  gsize length = 0;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      GHashTableIter iter;
      gpointer key, value;

      params = string_table_new ();
      if (query != NULL)
        {
          g_hash_table_iter_init (&iter, query);
          while (g_hash_table_iter_next (&iter, &key, &value))
            g_hash_table_replace (params, g_strdup (key), g_strdup (value));
        }
      *kind = PARAMS_QUERY;
      return params;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &length);
  text = g_strndup (data != NULL ? data : "", length);
  media_type = soup_message_headers_get_content_type (headers, NULL);

  if (g_strcmp0 (media_type, "application/x-www-form-urlencoded") == 0)
    {
      *kind = PARAMS_FORM;
      return soup_form_decode (text);
    }

  if (g_strcmp0 (media_type, "application/json") == 0)
    {
      params = params_from_json (text, length);
      if (params != NULL)
        {
          *kind = PARAMS_JSON;
          return params;
        }
      *kind = PARAMS_MALFORMED;
      return string_table_new ();
    }

  *kind = PARAMS_UNSUPPORTED;
  return string_table_new ();
}

static TtsFakeRequest *
record_request (TtsFakeTastytrade *self,
                const char        *method,
                const char        *path,
                SoupMessageHeaders *headers,
                GHashTable        *params)
{
  TtsFakeRequest *request = g_new0 (TtsFakeRequest, 1);

  request->method = g_strdup (method);
  request->path = g_strdup (path);
  if (headers != NULL)
    {
      request->user_agent = g_strdup (soup_message_headers_get_one (headers, "User-Agent"));
      request->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
      request->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
      request->accept = g_strdup (soup_message_headers_get_one (headers, "Accept"));
      request->has_accept_version = soup_message_headers_get_one (headers, "Accept-Version") != NULL;
    }
  request->params = params;
  g_ptr_array_add (self->requests, request);

  return request;
}

static void
server_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  TtsFakeTastytrade *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  TtsFakeRequest *request;
  g_autofree char *symbol = NULL;
  ParamsKind kind;
  GHashTable *params;

  params = read_params (msg, query, &kind);
  request = record_request (self, method, path, soup_server_message_get_request_headers (msg),
                            params);

  if (strcmp (method, "GET") == 0 && strcmp (path, "/auth.html") == 0)
    handle_authorize (self, msg, request);
  else if (strcmp (method, "POST") == 0 && strcmp (path, "/login") == 0)
    handle_login (self, msg, request);
  else if (strcmp (method, "POST") == 0 && strcmp (path, "/otp") == 0)
    handle_otp (self, msg, request);
  else if (strcmp (method, "POST") == 0 && strcmp (path, "/consent") == 0)
    handle_consent (self, msg, request);
  else if (strcmp (method, "POST") == 0 && strcmp (path, "/oauth/token") == 0)
    handle_token (self, msg, request, kind);
  else if (strcmp (method, "GET") == 0 && strcmp (path, "/customers/me") == 0)
    handle_customer (self, msg, request);
  else if (strcmp (method, "GET") == 0 && strcmp (path, "/customers/me/accounts") == 0)
    handle_accounts (self, msg, request);
  else if (strcmp (method, "GET") == 0 && strcmp (path, "/api-quote-tokens") == 0)
    handle_quote_token (self, msg, request);
  else if (strcmp (method, "GET") == 0 && (symbol = option_chain_symbol (path)) != NULL)
    handle_option_chain (self, msg, request, symbol);
  else
    set_html (msg, SOUP_STATUS_NOT_FOUND, "Not found", "<p>There is nothing here.</p>\n");

  request->status = soup_server_message_get_status (msg);
  g_object_set_data (G_OBJECT (msg), REQUEST_DATA_KEY, request);

  g_debug ("%s %s: %u", method, path, request->status);
}

static void
message_got_headers_cb (SoupServerMessage *msg)
{
  gint64 *started_at = g_new (gint64, 1);

  *started_at = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), STARTED_DATA_KEY, started_at, g_free);
}

/* Not the time of "request-started" itself: libsoup 3.2 emits it when a new connection is
 * accepted, which can be long before a client that connects ahead sends anything. */
static void
server_request_started_cb (SoupServer        *server,
                           SoupServerMessage *msg,
                           TtsFakeTastytrade *self)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (message_got_headers_cb), NULL);
}

/* Once the answer is written (or the client went away), never twice. */
static void
request_done (TtsFakeTastytrade *self,
              SoupServerMessage *msg,
              gboolean           answered)
{
  TtsFakeRequest *request = g_object_steal_data (G_OBJECT (msg), REQUEST_DATA_KEY);
  gint64 *started_at = g_object_get_data (G_OBJECT (msg), STARTED_DATA_KEY);

  if (request == NULL)
    return;

  request->started_at = started_at != NULL ? *started_at : 0;
  request->finished_at = answered ? g_get_monotonic_time () : 0;
  g_signal_emit (self, signals[REQUEST_FINISHED], 0, request);
}

static void
server_request_finished_cb (SoupServer        *server,
                            SoupServerMessage *msg,
                            TtsFakeTastytrade *self)
{
  request_done (self, msg, TRUE);
}

static void
server_request_aborted_cb (SoupServer        *server,
                           SoupServerMessage *msg,
                           TtsFakeTastytrade *self)
{
  request_done (self, msg, FALSE);
}

/* DXLink: the quote stream, JSON text over a WebSocket at /dxlink on the same server */

#define DXLINK_MAX_CHANNELS  16
#define QUOTE_BID_SIZE       12
#define QUOTE_ASK_SIZE       9

/* The Quote fields the fake can fill, as dxFeed names them. */
static const char * const known_quote_fields[] = {
  "eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize", "bidTime", "askTime",
};

/* What clients may send; anything else is a BAD_ACTION. */
static const char * const dxlink_client_types[] = {
  "SETUP", "AUTH", "KEEPALIVE", "CHANNEL_REQUEST", "CHANNEL_CANCEL", "FEED_SETUP",
  "FEED_SUBSCRIPTION",
};

typedef struct _DxlinkClient DxlinkClient;

typedef struct
{
  DxlinkClient *client;
  guint         number;
  GStrv         quote_fields;   /* as FEED_CONFIG listed them; NULL before FEED_SETUP */
  gboolean      spx_subscribed;
  guint         quote_source;   /* SLOW: the FEED_DATA still to come */
} DxlinkChannel;

struct _DxlinkClient
{
  TtsFakeTastytrade       *fake;
  SoupWebsocketConnection *connection;
  gboolean                 set_up;
  gboolean                 authorized;
  gboolean                 muted;         /* MALFORMED: silent after the broken message */
  GHashTable              *channels;      /* number → DxlinkChannel */
};

static void
dxlink_channel_free (DxlinkChannel *channel)
{
  g_clear_handle_id (&channel->quote_source, g_source_remove);
  g_strfreev (channel->quote_fields);
  g_free (channel);
}

static void
dxlink_client_free (DxlinkClient *client)
{
  g_signal_handlers_disconnect_by_data (client->connection, client);
  g_hash_table_unref (client->channels);
  g_object_unref (client->connection);
  g_free (client);
}

/* The shortest decimal that reads back as @value: json-glib would write 5910.1 as
 * 5910.1000000000004, which no server sends. */
static void
append_json_number (GString *text,
                    double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];
  int precision;

  /* 17 significant digits always read back. */
  for (precision = 1; precision <= 17; precision++)
    {
      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }

  g_string_append (text, buffer);
}

/* Sending to a connection that is closing would be a critical in libsoup. */
static void
dxlink_send (DxlinkClient *client,
             const char   *text)
{
  if (soup_websocket_connection_get_state (client->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  g_debug ("DXLink sends %s", text);
  soup_websocket_connection_send_text (client->connection, text);
}

/* A message begun with its type and channel, for dxlink_send_object() to finish. */
static JsonBuilder *
dxlink_object_new (const char *type,
                   guint       channel)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_int_value (builder, channel);

  return builder;
}

static void
dxlink_send_object (DxlinkClient *client,
                    JsonBuilder  *builder)
{
  g_autofree char *text = NULL;

  json_builder_end_object (builder);
  text = builder_to_json (builder);
  dxlink_send (client, text);
}

static void
dxlink_send_error (DxlinkClient *client,
                   guint         channel,
                   const char   *error,
                   const char   *message)
{
  g_autoptr(JsonBuilder) builder = dxlink_object_new ("ERROR", channel);

  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, error);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  dxlink_send_object (client, builder);
}

static void
dxlink_send_auth_state (DxlinkClient *client)
{
  g_autoptr(JsonBuilder) builder = dxlink_object_new ("AUTH_STATE", 0);

  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, client->authorized ? "AUTHORIZED" : "UNAUTHORIZED");
  if (client->authorized)
    {
      json_builder_set_member_name (builder, "userId");
      json_builder_add_string_value (builder, "fake");
    }
  dxlink_send_object (client, builder);
}

/* FEED_DATA in COMPACT form: the values in FEED_CONFIG's field order. Written by hand so
 * that prices stay short JSON numbers. */
static void
dxlink_send_quote (DxlinkChannel *channel)
{
  TtsFakeTastytrade *self = channel->client->fake;
  gint64 time_ms = fake_real_time (self) / 1000;
  g_autoptr(GString) text = g_string_new (NULL);
  guint i;

  g_string_append_printf (text, "{\"type\":\"FEED_DATA\",\"channel\":%u,\"data\":[\"Quote\",[",
                          channel->number);
  for (i = 0; channel->quote_fields[i] != NULL; i++)
    {
      const char *field = channel->quote_fields[i];

      if (i > 0)
        g_string_append_c (text, ',');

      if (strcmp (field, "eventType") == 0)
        g_string_append (text, "\"Quote\"");
      else if (strcmp (field, "eventSymbol") == 0)
        g_string_append (text, "\"SPX\"");
      else if (strcmp (field, "bidPrice") == 0)
        append_json_number (text, self->quote_bid);
      else if (strcmp (field, "askPrice") == 0)
        append_json_number (text, self->quote_ask);
      else if (strcmp (field, "bidSize") == 0)
        g_string_append_printf (text, "%d", QUOTE_BID_SIZE);
      else if (strcmp (field, "askSize") == 0)
        g_string_append_printf (text, "%d", QUOTE_ASK_SIZE);
      else
        g_string_append_printf (text, "%" G_GINT64_FORMAT, time_ms);
    }
  g_string_append (text, "]]}");

  dxlink_send (channel->client, text->str);
}

/* Written by hand for the same reason as FEED_DATA: aggregationPeriod is 0.1. The field
 * names are the fake's own, nothing to escape. */
static void
dxlink_send_feed_config (DxlinkChannel *channel)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint i;

  g_string_append_printf (text, "{\"type\":\"FEED_CONFIG\",\"channel\":%u,"
                          "\"dataFormat\":\"COMPACT\",\"aggregationPeriod\":0.1,"
                          "\"eventFields\":{\"Quote\":[", channel->number);
  for (i = 0; channel->quote_fields[i] != NULL; i++)
    g_string_append_printf (text, "%s\"%s\"", i > 0 ? "," : "", channel->quote_fields[i]);
  g_string_append (text, "]}}");

  dxlink_send (channel->client, text->str);
}

static gboolean
dxlink_quote_source_cb (gpointer user_data)
{
  DxlinkChannel *channel = user_data;

  channel->quote_source = 0;
  if (channel->spx_subscribed)
    dxlink_send_quote (channel);

  return G_SOURCE_REMOVE;
}

/* JSON members of the expected kind, or NULL/FALSE: clients can send anything. */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
member_channel (JsonObject *object,
                guint      *channel)
{
  JsonNode *node = json_object_get_member (object, "channel");
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXINT32)
    return FALSE;

  *channel = (guint) value;
  return TRUE;
}

/* Whether @array holds an object {"type":"Quote","symbol":"SPX"}, the one quote the fake has. */
static gboolean
has_spx_quote (JsonArray *array)
{
  guint i;

  for (i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (node)
          && g_strcmp0 (member_string (json_node_get_object (node), "type"), "Quote") == 0
          && g_strcmp0 (member_string (json_node_get_object (node), "symbol"), "SPX") == 0)
        return TRUE;
    }

  return FALSE;
}

static DxlinkChannel *
dxlink_lookup_channel (DxlinkClient *client,
                       guint         number)
{
  DxlinkChannel *channel = g_hash_table_lookup (client->channels, GUINT_TO_POINTER (number));

  if (channel == NULL)
    dxlink_send_error (client, number, "BAD_ACTION", "This channel is not open");

  return channel;
}

static void
dxlink_handle_setup (DxlinkClient *client)
{
  g_autoptr(JsonBuilder) builder = dxlink_object_new ("SETUP", 0);

  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, "0.1-fake");
  json_builder_set_member_name (builder, "keepaliveTimeout");
  json_builder_add_int_value (builder, 60);
  json_builder_set_member_name (builder, "acceptKeepaliveTimeout");
  json_builder_add_int_value (builder, 60);
  dxlink_send_object (client, builder);

  client->set_up = TRUE;
  dxlink_send_auth_state (client);
}

static void
dxlink_handle_auth (DxlinkClient *client,
                    JsonObject   *object)
{
  TtsFakeTastytrade *self = client->fake;
  const char *token = member_string (object, "token");
  gint64 *expiry = NULL;

  if (token != NULL)
    expiry = g_hash_table_lookup (self->quote_tokens, token);

  client->authorized = expiry != NULL
                       && fake_now (self) < *expiry
                       && self->market_data != TTS_FAKE_MARKET_DATA_TOKEN_REJECTED;
  if (!client->authorized)
    {
      dxlink_send_error (client, 0, "UNAUTHORIZED", "Invalid token");
      dxlink_send_auth_state (client);
      return;
    }

  dxlink_send_auth_state (client);
  if (self->market_data == TTS_FAKE_MARKET_DATA_MALFORMED)
    {
      dxlink_send (client, "{\"type\":\"FEED_DATA\",");
      client->muted = TRUE;
    }
}

static void
dxlink_handle_channel_request (DxlinkClient *client,
                               JsonObject   *object,
                               guint         number)
{
  JsonObject *parameters = member_object (object, "parameters");
  g_autoptr(JsonBuilder) builder = NULL;
  DxlinkChannel *channel;

  if (number == 0
      || g_strcmp0 (member_string (object, "service"), "FEED") != 0
      || parameters == NULL
      || g_strcmp0 (member_string (parameters, "contract"), "AUTO") != 0)
    {
      dxlink_send_error (client, number, "BAD_ACTION",
                         "The fake opens only FEED channels, contract AUTO, numbered from 1");
      return;
    }

  /* Bounded, whatever the client asks for. */
  if (!g_hash_table_contains (client->channels, GUINT_TO_POINTER (number))
      && g_hash_table_size (client->channels) >= DXLINK_MAX_CHANNELS)
    {
      dxlink_send_error (client, number, "BAD_ACTION", "Too many channels");
      return;
    }

  /* Asking again starts the channel afresh. */
  channel = g_new0 (DxlinkChannel, 1);
  channel->client = client;
  channel->number = number;
  g_hash_table_replace (client->channels, GUINT_TO_POINTER (number), channel);

  builder = dxlink_object_new ("CHANNEL_OPENED", number);
  json_builder_set_member_name (builder, "service");
  json_builder_add_string_value (builder, "FEED");
  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "contract");
  json_builder_add_string_value (builder, "AUTO");
  json_builder_end_object (builder);
  dxlink_send_object (client, builder);
}

static void
dxlink_handle_channel_cancel (DxlinkClient *client,
                              guint         number)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (dxlink_lookup_channel (client, number) == NULL)
    return;

  g_hash_table_remove (client->channels, GUINT_TO_POINTER (number));
  builder = dxlink_object_new ("CHANNEL_CLOSED", number);
  dxlink_send_object (client, builder);
}

static void
dxlink_handle_feed_setup (DxlinkClient *client,
                          JsonObject   *object,
                          guint         number)
{
  static const char * const default_fields[] = {
    "eventType", "eventSymbol", "bidPrice", "askPrice", "bidSize", "askSize", NULL,
  };
  DxlinkChannel *channel = dxlink_lookup_channel (client, number);
  g_autoptr(GStrvBuilder) fields = NULL;
  JsonObject *event_fields;
  JsonArray *asked = NULL;
  guint seen = 0;
  guint i;

  if (channel == NULL)
    return;

  if (g_strcmp0 (member_string (object, "acceptDataFormat"), "COMPACT") != 0)
    {
      dxlink_send_error (client, number, "BAD_ACTION", "The fake sends only COMPACT data");
      return;
    }

  event_fields = member_object (object, "acceptEventFields");
  if (event_fields != NULL)
    asked = member_array (event_fields, "Quote");

  fields = g_strv_builder_new ();
  if (asked == NULL)
    g_strv_builder_addv (fields, (const char **) default_fields);

  /* The fields asked for, in the order asked, each once, as far as the fake knows them. */
  for (i = 0; asked != NULL && i < json_array_get_length (asked); i++)
    {
      JsonNode *node = json_array_get_element (asked, i);
      gsize k;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;

      for (k = 0; k < G_N_ELEMENTS (known_quote_fields); k++)
        {
          if (strcmp (json_node_get_string (node), known_quote_fields[k]) == 0)
            break;
        }
      if (k == G_N_ELEMENTS (known_quote_fields) || (seen & (1u << k)) != 0)
        continue;

      seen |= 1u << k;
      g_strv_builder_add (fields, known_quote_fields[k]);
    }

  g_strfreev (channel->quote_fields);
  channel->quote_fields = g_strv_builder_end (fields);
  if (channel->quote_fields[0] == NULL)
    {
      g_clear_pointer (&channel->quote_fields, g_strfreev);
      dxlink_send_error (client, number, "BAD_ACTION", "No Quote field the fake knows");
      return;
    }

  dxlink_send_feed_config (channel);
}

static void
dxlink_handle_feed_subscription (DxlinkClient *client,
                                 JsonObject   *object,
                                 guint         number)
{
  TtsFakeTastytrade *self = client->fake;
  DxlinkChannel *channel = dxlink_lookup_channel (client, number);
  JsonNode *reset;

  if (channel == NULL)
    return;

  if (channel->quote_fields == NULL)
    {
      dxlink_send_error (client, number, "BAD_ACTION", "Send FEED_SETUP first");
      return;
    }

  reset = json_object_get_member (object, "reset");
  if ((reset != NULL && JSON_NODE_HOLDS_VALUE (reset)
       && json_node_get_value_type (reset) == G_TYPE_BOOLEAN && json_node_get_boolean (reset))
      || has_spx_quote (member_array (object, "remove")))
    {
      channel->spx_subscribed = FALSE;
      g_clear_handle_id (&channel->quote_source, g_source_remove);
    }

  if (!has_spx_quote (member_array (object, "add")))
    return;

  channel->spx_subscribed = TRUE;
  if (self->market_data == TTS_FAKE_MARKET_DATA_NO_DATA)
    return;

  if (self->market_data != TTS_FAKE_MARKET_DATA_SLOW)
    dxlink_send_quote (channel);
  else if (channel->quote_source == 0)
    channel->quote_source = g_timeout_add (self->quote_delay_ms, dxlink_quote_source_cb, channel);
}

static gboolean
is_client_type (const char *type)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (dxlink_client_types); i++)
    {
      if (strcmp (type, dxlink_client_types[i]) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
dxlink_message_cb (SoupWebsocketConnection *connection,
                   int                      data_type,
                   GBytes                  *message,
                   DxlinkClient            *client)
{
  TtsFakeTastytrade *self = client->fake;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object = NULL;
  JsonNode *root;
  const char *type = NULL;
  const char *data = NULL;
  gsize length = 0;
  guint channel = 0;

  if (data_type == SOUP_WEBSOCKET_DATA_TEXT)
    {
      data = g_bytes_get_data (message, &length);
      if (data == NULL)
        data = "";
      g_ptr_array_add (self->dxlink_messages, g_strndup (data, length));
    }

  /* MALFORMED: after the broken message the server only waits. */
  if (client->muted)
    return;

  if (data_type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      dxlink_send_error (client, 0, "INVALID_MESSAGE", "DXLink messages are JSON text");
      return;
    }

  parser = json_parser_new ();
  if (length > 0 && json_parser_load_from_data (parser, data, (gssize) length, NULL))
    {
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        object = json_node_get_object (root);
    }
  if (object != NULL)
    type = member_string (object, "type");

  if (type == NULL || !member_channel (object, &channel))
    {
      dxlink_send_error (client, 0, "INVALID_MESSAGE",
                         "A message is a JSON object with a type and a channel");
      return;
    }

  if (!is_client_type (type))
    {
      dxlink_send_error (client, channel, "BAD_ACTION", "Unknown message type");
      return;
    }

  /* Only a known type: AUTH carries the quote token. */
  g_debug ("DXLink got %s on channel %u", type, channel);

  if (strcmp (type, "KEEPALIVE") == 0)
    {
      g_autoptr(JsonBuilder) builder = dxlink_object_new ("KEEPALIVE", 0);

      dxlink_send_object (client, builder);
      return;
    }

  if (strcmp (type, "SETUP") == 0 || strcmp (type, "AUTH") == 0)
    {
      if (channel != 0)
        dxlink_send_error (client, channel, "BAD_ACTION", "SETUP and AUTH go on channel 0");
      else if (strcmp (type, "SETUP") == 0)
        dxlink_handle_setup (client);
      else if (!client->set_up)
        dxlink_send_error (client, 0, "BAD_ACTION", "Send SETUP first");
      else
        dxlink_handle_auth (client, object);
      return;
    }

  if (!client->authorized)
    dxlink_send_error (client, channel, "UNAUTHORIZED", "Not authorized");
  else if (strcmp (type, "CHANNEL_REQUEST") == 0)
    dxlink_handle_channel_request (client, object, channel);
  else if (strcmp (type, "CHANNEL_CANCEL") == 0)
    dxlink_handle_channel_cancel (client, channel);
  else if (strcmp (type, "FEED_SETUP") == 0)
    dxlink_handle_feed_setup (client, object, channel);
  else
    dxlink_handle_feed_subscription (client, object, channel);
}

static void
dxlink_closed_cb (SoupWebsocketConnection *connection,
                  DxlinkClient            *client)
{
  TtsFakeTastytrade *self = client->fake;
  gushort code = soup_websocket_connection_get_close_code (connection);

  /* A close code means the client sent a close frame: it hung up rather than vanished. */
  if (code != 0)
    self->dxlink_clean_closes++;
  g_debug ("DXLink connection closed (%u)", code);

  g_ptr_array_remove (self->dxlink_clients, client);
  g_signal_emit (self, signals[DXLINK_CLOSED], 0);
}

static void
dxlink_connected_cb (SoupServer              *server,
                     SoupServerMessage       *msg,
                     const char              *path,
                     SoupWebsocketConnection *connection,
                     gpointer                 user_data)
{
  TtsFakeTastytrade *self = user_data;
  gint64 *started_at = g_object_get_data (G_OBJECT (msg), STARTED_DATA_KEY);
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  DxlinkClient *client;
  TtsFakeRequest *request;

  /* libsoup reports no upgraded request as finished: the fake does it here. */
  request = record_request (self, "GET", path, soup_server_message_get_request_headers (msg),
                            soup_form_decode (query != NULL ? query : ""));
  request->status = soup_server_message_get_status (msg);
  request->started_at = started_at != NULL ? *started_at : 0;
  request->finished_at = g_get_monotonic_time ();

  client = g_new0 (DxlinkClient, 1);
  client->fake = self;
  client->connection = g_object_ref (connection);
  client->channels = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                            (GDestroyNotify) dxlink_channel_free);
  g_signal_connect (connection, "message", G_CALLBACK (dxlink_message_cb), client);
  g_signal_connect (connection, "closed", G_CALLBACK (dxlink_closed_cb), client);
  g_ptr_array_add (self->dxlink_clients, client);

  g_debug ("GET %s: %u", path, request->status);
  g_signal_emit (self, signals[REQUEST_FINISHED], 0, request);
}

/* Each client gets a close frame; its connection lives on, on its own, until the closing
 * handshake ends. */
static void
dxlink_close_all (TtsFakeTastytrade *self)
{
  while (self->dxlink_clients->len > 0)
    {
      DxlinkClient *client = g_ptr_array_steal_index (self->dxlink_clients,
                                                      self->dxlink_clients->len - 1);
      SoupWebsocketConnection *connection = g_object_ref (client->connection);

      dxlink_client_free (client);
      if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          g_signal_connect (connection, "closed", G_CALLBACK (g_object_unref), NULL);
          soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
        }
      else
        g_object_unref (connection);

      g_signal_emit (self, signals[DXLINK_CLOSED], 0);
    }
}

/* GObject */

static void
tts_fake_tastytrade_dispose (GObject *object)
{
  TtsFakeTastytrade *self = (TtsFakeTastytrade *) object;

  dxlink_close_all (self);

  if (self->server != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->server, self);
      soup_server_disconnect (self->server);
    }
  g_clear_object (&self->server);

  G_OBJECT_CLASS (tts_fake_tastytrade_parent_class)->dispose (object);
}

static void
tts_fake_tastytrade_finalize (GObject *object)
{
  TtsFakeTastytrade *self = (TtsFakeTastytrade *) object;

  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);
  g_clear_pointer (&self->grants, g_hash_table_unref);
  g_clear_pointer (&self->access_tokens, g_hash_table_unref);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_clear_pointer (&self->issued_secrets, g_ptr_array_unref);
  g_clear_pointer (&self->quote_tokens, g_hash_table_unref);
  g_clear_pointer (&self->dxlink_clients, g_ptr_array_unref);
  g_clear_pointer (&self->dxlink_messages, g_ptr_array_unref);
  g_clear_pointer (&self->quote_level, g_free);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->auth_uri, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->password, g_free);
  g_clear_pointer (&self->otp, g_free);
  g_clear_pointer (&self->login_extra_html, g_free);
  g_clear_pointer (&self->fail_content_type, g_free);
  g_clear_pointer (&self->fail_body, g_free);

  G_OBJECT_CLASS (tts_fake_tastytrade_parent_class)->finalize (object);
}

static void
tts_fake_tastytrade_class_init (TtsFakeTastytradeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tts_fake_tastytrade_dispose;
  object_class->finalize = tts_fake_tastytrade_finalize;

  signals[REQUEST_FINISHED] =
    g_signal_new ("request-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__POINTER,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);

  signals[DXLINK_CLOSED] =
    g_signal_new ("dxlink-closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__VOID,
                  G_TYPE_NONE, 0);
}

static void
tts_fake_tastytrade_init (TtsFakeTastytrade *self)
{
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) fake_client_free);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) fake_session_free);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) fake_code_free);
  self->grants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) fake_grant_free);
  self->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) fake_access_free);
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_account_free);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_request_free);
  self->issued_secrets = g_ptr_array_new_with_free_func (g_free);
  self->quote_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->dxlink_clients = g_ptr_array_new_with_free_func ((GDestroyNotify) dxlink_client_free);
  self->dxlink_messages = g_ptr_array_new_with_free_func (g_free);

  self->username = g_strdup ("demo");
  self->password = g_strdup ("demo");
  self->otp = g_strdup ("123456");

  self->market_data = TTS_FAKE_MARKET_DATA_LIVE;
  self->quote_delay_ms = 2000;
  self->quote_bid = 5910.10;
  self->quote_ask = 5911.30;
  self->quote_level = g_strdup ("api");

  /* nginx fronts the real service. */
  self->server = soup_server_new ("server-header", "nginx", NULL);
  soup_server_add_handler (self->server, NULL, server_handler_cb, self, NULL);
  g_signal_connect (self->server, "request-started",
                    G_CALLBACK (server_request_started_cb), self);
  g_signal_connect (self->server, "request-finished",
                    G_CALLBACK (server_request_finished_cb), self);
  g_signal_connect (self->server, "request-aborted",
                    G_CALLBACK (server_request_aborted_cb), self);
  /* Any origin, no subprotocol: DXLink clients are not browsers. */
  soup_server_add_websocket_handler (self->server, "/dxlink", NULL, NULL,
                                     dxlink_connected_cb, self, NULL);
}

/* Public API */

TtsFakeTastytrade *
tts_fake_tastytrade_new (void)
{
  return g_object_new (TTS_TYPE_FAKE_TASTYTRADE, NULL);
}

gboolean
tts_fake_tastytrade_start (TtsFakeTastytrade  *self,
                           guint               port,
                           GError            **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  GSList *listeners;

  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), FALSE);
  g_return_val_if_fail (self->port == 0, FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, (guint16) port);
  if (!soup_server_listen (self->server, address, 0, error))
    return FALSE;

  /* Not soup_server_get_uris(): it leaks an address in libsoup 3.2. */
  listeners = soup_server_get_listeners (self->server);
  g_assert (listeners != NULL);
  local = g_socket_get_local_address (listeners->data, error);
  g_slist_free (listeners);
  if (local == NULL)
    {
      soup_server_disconnect (self->server);
      return FALSE;
    }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  self->api_uri = g_strdup_printf ("http://127.0.0.1:%u", self->port);
  self->auth_uri = g_strdup_printf ("%s/auth.html", self->api_uri);
  g_debug ("Listening on %s", self->api_uri);

  return TRUE;
}

const char *
tts_fake_tastytrade_get_api_uri (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);

  return self->api_uri;
}

const char *
tts_fake_tastytrade_get_auth_uri (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);

  return self->auth_uri;
}

guint
tts_fake_tastytrade_get_port (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);

  return self->port;
}

static void
revoke_grants (TtsFakeTastytrade *self,
               const char        *client_id)
{
  GHashTableIter iter;
  FakeGrant *grant;

  g_hash_table_iter_init (&iter, self->grants);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &grant))
    {
      if (strcmp (grant->client_id, client_id) == 0)
        g_hash_table_iter_remove (&iter);
    }
}

void
tts_fake_tastytrade_add_client (TtsFakeTastytrade *self,
                                const char        *client_id,
                                const char        *client_secret,
                                const char        *redirect_uri)
{
  FakeClient *client;
  FakeClient *old;

  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (client_id != NULL);
  g_return_if_fail (client_secret != NULL);
  g_return_if_fail (redirect_uri != NULL);

  old = g_hash_table_lookup (self->clients, client_id);
  if (old != NULL && strcmp (old->client_secret, client_secret) != 0)
    revoke_grants (self, client_id);

  client = g_new0 (FakeClient, 1);
  client->client_id = g_strdup (client_id);
  client->client_secret = g_strdup (client_secret);
  client->redirect_uri = g_strdup (redirect_uri);
  g_hash_table_replace (self->clients, client->client_id, client);
}

void
tts_fake_tastytrade_set_user (TtsFakeTastytrade *self,
                              const char        *username,
                              const char        *password,
                              const char        *otp)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);
  g_return_if_fail (otp != NULL);

  g_free (self->username);
  self->username = g_strdup (username);
  g_free (self->password);
  self->password = g_strdup (password);
  g_free (self->otp);
  self->otp = g_strdup (otp);
}

void
tts_fake_tastytrade_set_login_extra (TtsFakeTastytrade *self,
                                     const char        *html)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));

  g_free (self->login_extra_html);
  self->login_extra_html = g_strdup (html);
}

void
tts_fake_tastytrade_add_account (TtsFakeTastytrade *self,
                                 const char        *number,
                                 const char        *nickname,
                                 const char        *type_name,
                                 const char        *authority)
{
  FakeAccount *account;

  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (number != NULL);
  g_return_if_fail (nickname != NULL);
  g_return_if_fail (type_name != NULL);
  g_return_if_fail (authority != NULL);

  account = g_new0 (FakeAccount, 1);
  account->number = g_strdup (number);
  account->nickname = g_strdup (nickname);
  account->type_name = g_strdup (type_name);
  account->authority = g_strdup (authority);
  g_ptr_array_add (self->accounts, account);
}

char *
tts_fake_tastytrade_create_grant (TtsFakeTastytrade *self,
                                  const char        *client_id)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (g_hash_table_contains (self->clients, client_id), NULL);

  return issue_refresh_token (self, client_id, "read");
}

void
tts_fake_tastytrade_revoke_grants (TtsFakeTastytrade *self,
                                   const char        *client_id)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (client_id != NULL);

  revoke_grants (self, client_id);
}

void
tts_fake_tastytrade_fail_token_requests (TtsFakeTastytrade *self,
                                         guint              count,
                                         guint              status,
                                         const char        *content_type,
                                         const char        *body)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (count == 0 || (status >= 100 && status <= 599));

  self->fail_count = count;
  self->fail_status = status;
  g_free (self->fail_content_type);
  self->fail_content_type = g_strdup (content_type);
  g_free (self->fail_body);
  self->fail_body = g_strdup (body);
}

GPtrArray *
tts_fake_tastytrade_get_requests (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);

  return self->requests;
}

TtsFakeRequest *
tts_fake_tastytrade_get_last_request (TtsFakeTastytrade *self,
                                      const char        *path)
{
  guint i;

  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  for (i = self->requests->len; i > 0; i--)
    {
      TtsFakeRequest *request = g_ptr_array_index (self->requests, i - 1);

      if (strcmp (request->path, path) == 0)
        return request;
    }

  return NULL;
}

guint
tts_fake_tastytrade_count_requests (TtsFakeTastytrade *self,
                                    const char        *path)
{
  guint count = 0;

  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);
  g_return_val_if_fail (path != NULL, 0);

  for (guint i = 0; i < self->requests->len; i++)
    if (strcmp (((TtsFakeRequest *) g_ptr_array_index (self->requests, i))->path, path) == 0)
      count++;

  return count;
}

guint
tts_fake_tastytrade_get_codes_issued (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);

  return self->codes_issued;
}

guint
tts_fake_tastytrade_get_refresh_tokens_issued (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);

  return self->refresh_tokens_issued;
}

GPtrArray *
tts_fake_tastytrade_get_issued_secrets (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);

  return self->issued_secrets;
}

GPtrArray *
tts_fake_tastytrade_dup_secrets (TtsFakeTastytrade *self,
                                 const char        *client_secret)
{
  GPtrArray *secrets = g_ptr_array_new ();

  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);
  g_return_val_if_fail (client_secret != NULL, NULL);

  for (guint i = 0; i < self->issued_secrets->len; i++)
    g_ptr_array_add (secrets, g_ptr_array_index (self->issued_secrets, i));
  g_ptr_array_add (secrets, (gpointer) client_secret);
  g_ptr_array_add (secrets, NULL);

  return secrets;
}

void
tts_fake_tastytrade_advance_clock (TtsFakeTastytrade *self,
                                   guint              seconds)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));

  self->clock_offset += (gint64) seconds * G_USEC_PER_SEC;
}

void
tts_fake_tastytrade_set_market_data (TtsFakeTastytrade *self,
                                     TtsFakeMarketData  mode)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (mode <= TTS_FAKE_MARKET_DATA_MALFORMED);

  self->market_data = mode;
}

void
tts_fake_tastytrade_set_quote_delay (TtsFakeTastytrade *self,
                                     guint              milliseconds)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));

  self->quote_delay_ms = milliseconds;
}

void
tts_fake_tastytrade_set_quote (TtsFakeTastytrade *self,
                               double             bid,
                               double             ask)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  /* JSON has no NaN or infinity. */
  g_return_if_fail (isfinite (bid) && isfinite (ask));

  self->quote_bid = bid;
  self->quote_ask = ask;
}

void
tts_fake_tastytrade_set_quote_level (TtsFakeTastytrade *self,
                                     const char        *level)
{
  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (level != NULL);

  g_free (self->quote_level);
  self->quote_level = g_strdup (level);
}

GPtrArray *
tts_fake_tastytrade_get_dxlink_messages (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);

  return self->dxlink_messages;
}

guint
tts_fake_tastytrade_get_dxlink_open (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);

  return self->dxlink_clients->len;
}

guint
tts_fake_tastytrade_get_dxlink_clean_closes (TtsFakeTastytrade *self)
{
  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);

  return self->dxlink_clean_closes;
}

char *
tts_fake_tastytrade_complete_authorization (TtsFakeTastytrade  *self,
                                            const char         *authorize_uri,
                                            gboolean            allow,
                                            GError            **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *error_message = NULL;
  g_autofree char *session_id = NULL;
  TtsFakeRequest *request;
  const char *query;

  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), NULL);
  g_return_val_if_fail (authorize_uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = g_uri_parse (authorize_uri, SOUP_HTTP_URI_FLAGS, error);
  if (uri == NULL)
    return NULL;

  if (strcmp (g_uri_get_path (uri), "/auth.html") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Not the authorization page: %s", g_uri_get_path (uri));
      return NULL;
    }

  query = g_uri_get_query (uri);
  request = record_request (self, "GET", "/auth.html", NULL,
                            soup_form_decode (query != NULL ? query : ""));

  session_id = begin_session (self, request->params, &error_message);
  request->status = session_id != NULL ? SOUP_STATUS_OK : SOUP_STATUS_BAD_REQUEST;
  g_signal_emit (self, signals[REQUEST_FINISHED], 0, request);

  if (session_id == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, error_message);
      return NULL;
    }

  return conclude_session (self, session_id, allow);
}

/* Held answers, extra pages and faults by path, for the window's failure tests. They live
 * in object data and in handlers of their own, apart from the fake's core state. */

#define EXTRAS_DATA_KEY  "tts-fake-extras"
#define HELD_QUERY_KEY   "tts-fake-held-query"
#define HELD_GONE_KEY    "tts-fake-held-gone"

typedef struct
{
  GPtrArray *messages;          /* SoupServerMessage, paused */
} HeldPath;

typedef struct
{
  GHashTable *held;             /* path → HeldPath */
} FakeExtras;

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *title;
  char              *body_html;
} FakePage;

typedef struct
{
  TtsFakeTastytrade *fake;
  guint              count;
  guint              status;
  char              *content_type;
  char              *body;
} PathFault;

static void held_disconnected_cb (SoupServerMessage *msg,
                                  HeldPath          *held);

static void
held_path_free (HeldPath *held)
{
  for (guint i = 0; held->messages != NULL && i < held->messages->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (held->messages, i),
                                          held_disconnected_cb, held);
  g_clear_pointer (&held->messages, g_ptr_array_unref);
  g_free (held);
}

static void
fake_extras_free (FakeExtras *extras)
{
  g_hash_table_unref (extras->held);
  g_free (extras);
}

static FakeExtras *
get_extras (TtsFakeTastytrade *self)
{
  FakeExtras *extras = g_object_get_data (G_OBJECT (self), EXTRAS_DATA_KEY);

  if (extras == NULL)
    {
      extras = g_new0 (FakeExtras, 1);
      extras->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) held_path_free);
      g_object_set_data_full (G_OBJECT (self), EXTRAS_DATA_KEY, extras,
                              (GDestroyNotify) fake_extras_free);
    }

  return extras;
}

/* Records a request that one of the handlers below answers itself. */
static TtsFakeRequest *
record_message (TtsFakeTastytrade *self,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query)
{
  ParamsKind kind;
  GHashTable *params = read_params (msg, query, &kind);

  return record_request (self, soup_server_message_get_method (msg), path,
                         soup_server_message_get_request_headers (msg), params);
}

static void
finish_recording (SoupServerMessage *msg,
                  TtsFakeRequest    *request)
{
  request->status = soup_server_message_get_status (msg);
  g_object_set_data (G_OBJECT (msg), REQUEST_DATA_KEY, request);
  g_debug ("%s %s: %u", request->method, request->path, request->status);
}

static void
held_disconnected_cb (SoupServerMessage *msg,
                      HeldPath          *held)
{
  /* Only marked: the message must not be answered, and is let go with the others. */
  g_object_set_data (G_OBJECT (msg), HELD_GONE_KEY, GINT_TO_POINTER (TRUE));
}

static void
hold_handler_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  HeldPath *held = user_data;

  /* Accepted and read, never answered until released: a server that hangs. */
  soup_server_message_pause (msg);
  if (query != NULL)
    g_object_set_data_full (G_OBJECT (msg), HELD_QUERY_KEY, g_hash_table_ref (query),
                            (GDestroyNotify) g_hash_table_unref);
  g_signal_connect (msg, "disconnected", G_CALLBACK (held_disconnected_cb), held);
  g_ptr_array_add (held->messages, g_object_ref (msg));
  g_debug ("%s %s: held", soup_server_message_get_method (msg), path);
}

void
tts_fake_tastytrade_hold (TtsFakeTastytrade *self,
                          const char        *path)
{
  FakeExtras *extras;
  HeldPath *held;

  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (path != NULL && path[0] == '/');

  extras = get_extras (self);
  if (g_hash_table_contains (extras->held, path))
    return;

  held = g_new0 (HeldPath, 1);
  held->messages = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_insert (extras->held, g_strdup (path), held);
  soup_server_add_handler (self->server, path, hold_handler_cb, held, NULL);
}

void
tts_fake_tastytrade_release (TtsFakeTastytrade *self,
                             const char        *path)
{
  FakeExtras *extras;
  HeldPath *held;
  g_autoptr(GPtrArray) messages = NULL;

  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (path != NULL);

  extras = get_extras (self);
  held = g_hash_table_lookup (extras->held, path);
  if (held == NULL)
    return;

  soup_server_remove_handler (self->server, path);
  messages = g_steal_pointer (&held->messages);
  for (guint i = 0; i < messages->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (messages, i), held_disconnected_cb, held);
  g_hash_table_remove (extras->held, path);

  /* Answered now as if they had just arrived; a client that went away gets nothing. */
  for (guint i = 0; i < messages->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (messages, i);

      if (g_object_get_data (G_OBJECT (msg), HELD_GONE_KEY) != NULL)
        continue;

      server_handler_cb (self->server, msg, path,
                         g_object_get_data (G_OBJECT (msg), HELD_QUERY_KEY), self);
      soup_server_message_unpause (msg);
    }
}

guint
tts_fake_tastytrade_get_held (TtsFakeTastytrade *self,
                              const char        *path)
{
  HeldPath *held;
  guint count = 0;

  g_return_val_if_fail (TTS_IS_FAKE_TASTYTRADE (self), 0);
  g_return_val_if_fail (path != NULL, 0);

  held = g_hash_table_lookup (get_extras (self)->held, path);
  for (guint i = 0; held != NULL && i < held->messages->len; i++)
    {
      if (g_object_get_data (g_ptr_array_index (held->messages, i), HELD_GONE_KEY) == NULL)
        count++;
    }

  return count;
}

static void
fake_page_free (FakePage *page)
{
  g_free (page->title);
  g_free (page->body_html);
  g_free (page);
}

static void
page_handler_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  FakePage *page = user_data;
  TtsFakeRequest *request = record_message (page->fake, msg, path, query);

  if (strcmp (soup_server_message_get_method (msg), "GET") == 0)
    set_html (msg, SOUP_STATUS_OK, page->title, page->body_html);
  else
    set_html (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Not allowed", "<p>Only GET.</p>\n");
  finish_recording (msg, request);
}

void
tts_fake_tastytrade_add_page (TtsFakeTastytrade *self,
                              const char        *path,
                              const char        *title,
                              const char        *body_html)
{
  FakePage *page;

  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (title != NULL);
  g_return_if_fail (body_html != NULL);

  page = g_new0 (FakePage, 1);
  page->fake = self;
  page->title = g_strdup (title);
  page->body_html = g_strdup (body_html);
  soup_server_add_handler (self->server, path, page_handler_cb, page,
                           (GDestroyNotify) fake_page_free);
}

static void
path_fault_free (PathFault *fault)
{
  g_free (fault->content_type);
  g_free (fault->body);
  g_free (fault);
}

static void
fault_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  PathFault *fault = user_data;
  TtsFakeRequest *request;

  if (fault->count == 0)
    {
      server_handler_cb (server, msg, path, query, fault->fake);
      return;
    }

  fault->count--;
  request = record_message (fault->fake, msg, path, query);
  soup_server_message_set_status (msg, fault->status, NULL);
  if (fault->body != NULL)
    soup_server_message_set_response (msg, fault->content_type, SOUP_MEMORY_COPY,
                                      fault->body, strlen (fault->body));
  finish_recording (msg, request);
}

void
tts_fake_tastytrade_fail_requests (TtsFakeTastytrade *self,
                                   const char        *path,
                                   guint              count,
                                   guint              status,
                                   const char        *content_type,
                                   const char        *body)
{
  PathFault *fault;

  g_return_if_fail (TTS_IS_FAKE_TASTYTRADE (self));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (count == 0 || (status >= 100 && status <= 599));
  g_return_if_fail (body == NULL || content_type != NULL);

  fault = g_new0 (PathFault, 1);
  fault->fake = self;
  fault->count = count;
  fault->status = status;
  fault->content_type = g_strdup (content_type);
  fault->body = g_strdup (body);
  /* Replaces an earlier fault on the same path. */
  soup_server_add_handler (self->server, path, fault_handler_cb, fault,
                           (GDestroyNotify) path_fault_free);
}

/* test-navigation-policy.c: which addresses the sign-in view may show, which one is the
 * redirect and where the others go, table by table, without WebKit or a display
 *
 * The sign-in page is what the view loads: a real request's authorization page, parsed as
 * the view parses it. The redirect is the environment's, parsed as the request parses it,
 * and the request itself must agree with every row (one rule, not two).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tts-auth-request.h"
#include "tts-core-enums.h"
#include "tts-navigation-policy.h"

#define PRODUCTION NULL /* the production environment's own sign-in page */
#define CUSTOM_HTTP "http://127.0.0.2:8080/auth.html"
#define EXPLICIT_443 "https://my.tastytrade.com:443/auth.html"
#define IMPLICIT_80 "http://signin.example.test/auth.html"
#define IPV6 "http://[::1]:9000/auth.html"
/* A sign-in page is always https or http (TtsEnvironment); NONE stands for no page yet. */
#define NONE "-"

/* The authorization page of a request for @auth_uri (NULL: production's), parsed as the
 * sign-in view parses it; NULL for NONE. */
static GUri *
signin_page (const char *auth_uri,
             GUriFlags   flags)
{
  g_autoptr(TtsEnvironment) environment = NULL;
  g_autoptr(TtsAuthRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  GUri *page;

  if (g_strcmp0 (auth_uri, NONE) == 0)
    return NULL;

  environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, auth_uri, NULL, NULL, &error);
  g_assert_no_error (error);
  request = tts_auth_request_new (environment, "client", &error);
  g_assert_no_error (error);
  page = g_uri_parse (tts_auth_request_get_uri (request), flags, &error);
  g_assert_no_error (error);

  return page;
}

/* Says what a row got wrong and goes on with the others: every wrong row is listed. */
static void mismatch (const char *format,
                      ...) G_GNUC_PRINTF (1, 2);

static void
mismatch (const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_test_message ("%s", message);
  g_test_fail ();
}

static const char *
verdict_name (TtsNavigationVerdict verdict)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (TTS_TYPE_NAVIGATION_VERDICT);
  GEnumValue *value = g_enum_get_value (klass, verdict);

  return value != NULL ? value->value_nick : "(not a verdict)";
}

static const char *
kind_name (TtsNavigationKind kind)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (TTS_TYPE_NAVIGATION_KIND);
  GEnumValue *value = g_enum_get_value (klass, kind);

  return value != NULL ? value->value_nick : "(not a kind)";
}

/* Effective ports */

typedef struct
{
  const char *uri;
  int         port;
} PortCase;

static const PortCase port_cases[] = {
  { "http://example.test", 80 },
  { "http://example.test/", 80 },
  { "http://example.test:80/", 80 },
  { "HTTP://EXAMPLE.TEST/", 80 },
  { "https://example.test/", 443 },
  { "https://example.test:443/", 443 },
  { "HTTPS://example.test", 443 },
  /* An empty port is the default; leading zeros are the same number. */
  { "https://example.test:/", 443 },
  { "https://example.test:00443/", 443 },
  { "https://example.test:8443/", 8443 },
  { "http://example.test:443/", 443 },
  { "https://example.test:80/", 80 },
  { "http://localhost:8000", 8000 },
  { "http://[::1]:8000/", 8000 },
  { "http://[::1]/", 80 },
  /* Port 0 is a port of its own, not "none". */
  { "http://example.test:0/", 0 },
  { "https://example.test:65535/", 65535 },
  /* The other schemes GLib knows a default for, and the ones it does not. */
  { "ws://example.test/", 80 },
  { "wss://example.test/", 443 },
  { "ftp://example.test/", 21 },
  { "file:///etc/passwd", -1 },
  { "about:blank", -1 },
  { "javascript:alert(1)", -1 },
  { "data:text/html,hi", -1 },
  { "blob:https://my.tastytrade.com/0b7e", -1 },
};

static void
test_effective_port (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (port_cases); i++)
    {
      const PortCase *c = &port_cases[i];
      /* Whatever flags the caller parsed with. */
      g_autoptr(GUri) plain = g_uri_parse (c->uri, G_URI_FLAGS_NONE, NULL);
      g_autoptr(GUri) normalized = g_uri_parse (c->uri, G_URI_FLAGS_SCHEME_NORMALIZE, NULL);

      g_assert_nonnull (plain);
      g_assert_nonnull (normalized);
      if (tts_navigation_policy_get_effective_port (plain) != c->port ||
          tts_navigation_policy_get_effective_port (normalized) != c->port)
        mismatch ("%s: port %d and %d, not %d", c->uri,
                            tts_navigation_policy_get_effective_port (plain),
                            tts_navigation_policy_get_effective_port (normalized), c->port);
    }
}

/* What the view may show */

typedef struct
{
  const char *signin;  /* the auth URI (PRODUCTION: the default one), or NONE */
  const char *uri;
  gboolean    may_show;
} ShowCase;

static const ShowCase show_cases[] = {
  /* The sign-in page's origin: scheme, host, effective port. */
  { PRODUCTION, "https://my.tastytrade.com/auth.html", TRUE },
  { PRODUCTION, "https://my.tastytrade.com/", TRUE },
  { PRODUCTION, "https://my.tastytrade.com", TRUE },
  { PRODUCTION, "https://my.tastytrade.com/login?next=%2Fauth.html#top", TRUE },
  { PRODUCTION, "https://my.tastytrade.com:443/auth.html", TRUE },
  { PRODUCTION, "https://my.tastytrade.com:/auth.html", TRUE },
  { PRODUCTION, "HTTPS://MY.TASTYTRADE.COM/auth.html", TRUE },
  { PRODUCTION, "https://My.TastyTrade.com/", TRUE },
  /* Userinfo is not part of the origin (WebKit's view of it too). */
  { PRODUCTION, "https://user:secret@my.tastytrade.com/", TRUE },
  /* GLib decodes a percent-encoded host before it is compared. */
  { PRODUCTION, "https://%6Dy.tastytrade.com/", TRUE },
  { PRODUCTION, "https://my%2Etastytrade%2Ecom/", TRUE },
  { PRODUCTION, "https://my.tastytrade.com%2eevil.example/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com%2f.evil.example/", FALSE },
  /* Another scheme, port or host. */
  { PRODUCTION, "http://my.tastytrade.com/auth.html", FALSE },
  { PRODUCTION, "http://my.tastytrade.com:443/auth.html", FALSE },
  { PRODUCTION, "https://my.tastytrade.com:80/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com:8443/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com:0/", FALSE },
  { PRODUCTION, "wss://my.tastytrade.com/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com./", FALSE },
  { PRODUCTION, "https://tastytrade.com/", FALSE },
  { PRODUCTION, "https://evil.my.tastytrade.com/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com.evil.example/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com@evil.example/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com:443@evil.example/", FALSE },
  { PRODUCTION, "https://evil.example/https://my.tastytrade.com/", FALSE },
  { PRODUCTION, "https://evil.example/?next=https://my.tastytrade.com/", FALSE },
  { PRODUCTION, "https://my-tastytrade.com/", FALSE },
  { PRODUCTION, "https://xn--my-tastytrade-9xa.com/", FALSE },
  /* GLib's reading of a backslash is not a browser's (WebKit would go to evil.example and
   * hands over "https://evil.example/@my.tastytrade.com/" instead): this row only shows
   * that canonical URLs are assumed. */
  { PRODUCTION, "https://evil.example\\@my.tastytrade.com/", TRUE },
  /* What GLib does not parse is never shown, even of the right origin. */
  { PRODUCTION, "https://my.tastytrade.com/login?q=100%", FALSE },
  { PRODUCTION, "https://my.tastytrade.com/login?q=%ZZ", FALSE },
  { PRODUCTION, "https://my.tastytrade.com%00.evil.example/", FALSE },
  { PRODUCTION, "https://my.tastytrade.com:65536/", FALSE },
  { PRODUCTION, "my.tastytrade.com/auth.html", FALSE },
  { PRODUCTION, "//my.tastytrade.com/auth.html", FALSE },
  { PRODUCTION, "not a uri", FALSE },
  { PRODUCTION, "", FALSE },
  { PRODUCTION, NULL, FALSE },
  /* Addresses without a host. */
  { PRODUCTION, "about:blank", FALSE },
  { PRODUCTION, "about:srcdoc", FALSE },
  { PRODUCTION, "javascript:alert(document.cookie)", FALSE },
  { PRODUCTION, "data:text/html,<form action=https://evil.example>", FALSE },
  { PRODUCTION, "blob:https://my.tastytrade.com/0b7e8f7a", FALSE },
  { PRODUCTION, "file:///etc/passwd", FALSE },
  { PRODUCTION, "https:///auth.html", FALSE },
  /* The redirect URI is never a page of the sign-in. */
  { PRODUCTION, "http://localhost:8000/?code=a&state=b", FALSE },

  /* A custom sign-in page (a test or mock service) over http on its own port. */
  { CUSTOM_HTTP, "http://127.0.0.2:8080/auth.html", TRUE },
  { CUSTOM_HTTP, "http://127.0.0.2:8080/other", TRUE },
  { CUSTOM_HTTP, "http://127.0.0.2/auth.html", FALSE },
  { CUSTOM_HTTP, "http://127.0.0.2:80/auth.html", FALSE },
  { CUSTOM_HTTP, "https://127.0.0.2:8080/auth.html", FALSE },
  { CUSTOM_HTTP, "http://localhost:8080/auth.html", FALSE },
  { CUSTOM_HTTP, "http://127.0.0.1:8080/auth.html", FALSE },
  { CUSTOM_HTTP, "http://[::ffff:127.0.0.2]:8080/auth.html", FALSE },
  /* A sign-in page that names its default port: the same origin as one that does not. */
  { EXPLICIT_443, "https://my.tastytrade.com/", TRUE },
  { EXPLICIT_443, "https://my.tastytrade.com:443/", TRUE },
  { EXPLICIT_443, "https://my.tastytrade.com:8443/", FALSE },
  { IMPLICIT_80, "http://signin.example.test:80/x", TRUE },
  { IMPLICIT_80, "http://signin.example.test/x", TRUE },
  { IMPLICIT_80, "https://signin.example.test/x", FALSE },
  { IMPLICIT_80, "http://signin.example.test:8080/x", FALSE },
  /* An IPv6 literal as the host: compared as GLib writes it, without brackets. */
  { IPV6, "http://[::1]:9000/other", TRUE },
  { IPV6, "http://[::1]/other", FALSE },
  { IPV6, "http://[0:0:0:0:0:0:0:1]:9000/other", FALSE },
  { IPV6, "http://localhost:9000/other", FALSE },
  { IPV6, "http://::1:9000/other", FALSE },

  /* No sign-in page yet: nothing shows. */
  { NONE, "https://my.tastytrade.com/auth.html", FALSE },
  { NONE, "about:blank", FALSE },
};

static void
test_may_show (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (show_cases); i++)
    {
      const ShowCase *c = &show_cases[i];
      /* As the view parses it, and with GLib's default ports: the same answer. */
      g_autoptr(GUri) plain = signin_page (c->signin, G_URI_FLAGS_NONE);
      g_autoptr(GUri) normalized = signin_page (c->signin, G_URI_FLAGS_SCHEME_NORMALIZE);

      if (tts_navigation_policy_may_show (plain, c->uri) != c->may_show ||
          tts_navigation_policy_may_show (normalized, c->uri) != c->may_show)
        mismatch ("sign-in %s: %s is %s", c->signin != NULL ? c->signin : "production",
                            c->uri, c->may_show ? "not shown" : "shown");
    }
}

static void
test_same_origin (void)
{
  g_autoptr(GUri) page = signin_page (PRODUCTION, G_URI_FLAGS_NONE);
  g_autoptr(GUri) other = g_uri_parse ("https://MY.tastytrade.com:443/elsewhere?x#y", G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) blank = g_uri_parse ("about:blank", G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) file = g_uri_parse ("file:///auth.html", G_URI_FLAGS_NONE, NULL);

  /* Both ways round. */
  g_assert_true (tts_navigation_policy_same_origin (page, other));
  g_assert_true (tts_navigation_policy_same_origin (other, page));
  /* Without a host, not even the same address is an origin. */
  g_assert_false (tts_navigation_policy_same_origin (blank, blank));
  g_assert_false (tts_navigation_policy_same_origin (file, file));
  g_assert_false (tts_navigation_policy_same_origin (page, blank));
  g_assert_false (tts_navigation_policy_same_origin (blank, page));
}

/* The redirect URI */

typedef struct
{
  const char *redirect;  /* as given to TtsEnvironment */
  const char *uri;
  gboolean    is_redirect;
} RedirectCase;

#define DEFAULT_REDIRECT TTS_DEFAULT_REDIRECT_URI

static const RedirectCase redirect_cases[] = {
  /* The redirect, with or without a path of "/", with anything after the path. */
  { DEFAULT_REDIRECT, "http://localhost:8000", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000/", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000?code=a&state=b", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000/?code=a&state=b", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000/?code=a&state=b#fragment", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000#fragment", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000/?", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000?#", TRUE },
  { DEFAULT_REDIRECT, "HTTP://LOCALHOST:8000/?code=a", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:08000/", TRUE },
  { DEFAULT_REDIRECT, "http://%6Cocalhost:8000/", TRUE },
  /* Bad percent-encoding after the path: still the redirect, to be kept from loading. */
  { DEFAULT_REDIRECT, "http://localhost:8000/?code=%ZZ&state=b", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000?code=%", TRUE },
  { DEFAULT_REDIRECT, "http://localhost:8000/#%ZZ", TRUE },
  /* Not the redirect: another scheme, port, host or path, or userinfo. */
  { DEFAULT_REDIRECT, "https://localhost:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "ws://localhost:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8001/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:80/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:0/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://127.0.0.1:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://[::1]:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost.:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8000.evil.example/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost.evil.example:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8000@evil.example/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://user@localhost:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://@localhost:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://evil.example/?next=http://localhost:8000", FALSE },
  { DEFAULT_REDIRECT, "http://evil.example/http://localhost:8000/", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8000/callback?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8000//?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8000/%2F?code=a", FALSE },
  { DEFAULT_REDIRECT, "http://localhost:8000./?code=a", FALSE },
  /* Addresses without a host, and what does not parse. */
  { DEFAULT_REDIRECT, "about:blank", FALSE },
  { DEFAULT_REDIRECT, "about:srcdoc", FALSE },
  { DEFAULT_REDIRECT, "javascript:location='http://localhost:8000/?code=a'", FALSE },
  { DEFAULT_REDIRECT, "data:text/html,http://localhost:8000/", FALSE },
  { DEFAULT_REDIRECT, "blob:http://localhost:8000/0b7e", FALSE },
  { DEFAULT_REDIRECT, "file:///localhost:8000/", FALSE },
  { DEFAULT_REDIRECT, "localhost:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "//localhost:8000/?code=a", FALSE },
  { DEFAULT_REDIRECT, "not a uri", FALSE },
  { DEFAULT_REDIRECT, "", FALSE },
  { DEFAULT_REDIRECT, NULL, FALSE },

  /* A redirect URI registered with a path of "/": the same redirect. */
  { "http://localhost:8000/", "http://localhost:8000", TRUE },
  { "http://localhost:8000/", "http://localhost:8000/?code=a", TRUE },
  { "http://localhost:8000/", "http://localhost:8000/x?code=a", FALSE },

  /* Each loopback name is its own host: tastytrade sends back the one registered. */
  { "http://127.0.0.1:8000", "http://127.0.0.1:8000/?code=a", TRUE },
  { "http://127.0.0.1:8000", "http://localhost:8000/?code=a", FALSE },
  { "http://127.0.0.1:8000", "http://[::1]:8000/?code=a", FALSE },
  { "http://127.0.0.1:8000", "http://127.1:8000/?code=a", FALSE },
  { "http://127.0.0.1:8000", "http://2130706433:8000/?code=a", FALSE },
  { "http://[::1]:8000", "http://[::1]:8000/?code=a", TRUE },
  { "http://[::1]:8000", "http://[0:0:0:0:0:0:0:1]:8000/?code=a", FALSE },
  { "http://[::1]:8000", "http://localhost:8000/?code=a", FALSE },
  { "http://[::1]:8000", "http://127.0.0.1:8000/?code=a", FALSE },
  { "http://LocalHost:8000", "http://localhost:8000/?code=a", TRUE },

  /* A redirect on http's default port: with or without it, but port 0 is not port 80. */
  { "http://localhost:80", "http://localhost/?code=a", TRUE },
  { "http://localhost:80", "http://localhost:80/?code=a", TRUE },
  { "http://localhost:80", "http://localhost:/?code=a", TRUE },
  { "http://localhost:80", "http://localhost:0/?code=a", FALSE },
  { "http://localhost:80", "https://localhost/?code=a", FALSE },
  { "http://localhost:80", "http://localhost:443/?code=a", FALSE },
};

static void
test_is_redirect (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (redirect_cases); i++)
    {
      const RedirectCase *c = &redirect_cases[i];
      g_autoptr(GUri) plain = g_uri_parse (c->redirect, G_URI_FLAGS_NONE, NULL);
      g_autoptr(GUri) normalized = g_uri_parse (c->redirect, G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
      g_autoptr(TtsEnvironment) environment = NULL;
      g_autoptr(TtsAuthRequest) request = NULL;
      g_autoptr(GError) error = NULL;

      if (tts_navigation_policy_is_redirect (plain, c->uri) != c->is_redirect ||
          tts_navigation_policy_is_redirect (normalized, c->uri) != c->is_redirect)
        mismatch ("redirect %s: %s is %s", c->redirect, c->uri,
                            c->is_redirect ? "not taken for it" : "taken for it");

      /* The request that takes the redirect in the flow follows the same rule. */
      environment = tts_environment_new (TTS_ENVIRONMENT_PRODUCTION, NULL, NULL, c->redirect, &error);
      g_assert_no_error (error);
      request = tts_auth_request_new (environment, "client", &error);
      g_assert_no_error (error);
      if (tts_auth_request_is_redirect (request, c->uri) != c->is_redirect)
        mismatch ("auth request, redirect %s: %s is %s", c->redirect, c->uri,
                            c->is_redirect ? "not taken for it" : "taken for it");
    }
}

/* Where each address goes */

typedef struct
{
  const char           *signin;
  TtsNavigationKind     kind;
  const char           *uri;
  TtsNavigationVerdict  verdict;
} DecideCase;

#define LINK TTS_NAVIGATION_LINK
#define FORM TTS_NAVIGATION_FORM
#define NEW_WINDOW TTS_NAVIGATION_NEW_WINDOW
#define OTHER TTS_NAVIGATION_OTHER
#define RESPONSE TTS_NAVIGATION_MAIN_FRAME_RESPONSE
#define ALLOW TTS_NAVIGATION_ALLOW
#define BROWSER TTS_NAVIGATION_OPEN_IN_BROWSER
#define REFUSE TTS_NAVIGATION_REFUSE

static const DecideCase decide_cases[] = {
  /* A link: the sign-in's origin loads, a secure page elsewhere goes to the browser,
   * anything else nowhere. */
  { PRODUCTION, LINK, "https://my.tastytrade.com/forgot-password", ALLOW },
  { PRODUCTION, LINK, "https://MY.TASTYTRADE.COM:443/forgot-password", ALLOW },
  { PRODUCTION, LINK, "https://tastytrade.com/help", BROWSER },
  { PRODUCTION, LINK, "HTTPS://tastytrade.com/help", BROWSER },
  { PRODUCTION, LINK, "https://my.tastytrade.com.evil.example/", BROWSER },
  { PRODUCTION, LINK, "https://my.tastytrade.com:8443/", BROWSER },
  { PRODUCTION, LINK, "https://user:secret@evil.example/", BROWSER },
  { PRODUCTION, LINK, "http://my.tastytrade.com/", REFUSE },
  { PRODUCTION, LINK, "http://tastytrade.com/help", REFUSE },
  { PRODUCTION, LINK, "https://tastytrade.com/help?q=%ZZ", REFUSE },
  { PRODUCTION, LINK, "mailto:support@tastytrade.com", REFUSE },
  { PRODUCTION, LINK, "tel:+18008888888", REFUSE },
  { PRODUCTION, LINK, "javascript:alert(1)", REFUSE },
  { PRODUCTION, LINK, "data:text/html,hi", REFUSE },
  { PRODUCTION, LINK, "blob:https://my.tastytrade.com/0b7e", REFUSE },
  { PRODUCTION, LINK, "file:///etc/passwd", REFUSE },
  { PRODUCTION, LINK, "ftp://example.test/file", REFUSE },
  { PRODUCTION, LINK, "wss://my.tastytrade.com/", REFUSE },
  { PRODUCTION, LINK, "about:blank", REFUSE },
  { PRODUCTION, LINK, "about:srcdoc", REFUSE },
  /* An empty host is a host to GLib: https:/// goes to the browser (WebKit never hands
   * over such an address: it reads it as https://auth.html/). */
  { PRODUCTION, LINK, "https:///auth.html", BROWSER },
  { PRODUCTION, LINK, "", REFUSE },
  { PRODUCTION, LINK, NULL, REFUSE },
  /* A form may carry the password: the sign-in's origin only, never the browser. */
  { PRODUCTION, FORM, "https://my.tastytrade.com/auth.html", ALLOW },
  { PRODUCTION, FORM, "https://my.tastytrade.com:443/login", ALLOW },
  { PRODUCTION, FORM, "https://tastytrade.com/login", REFUSE },
  { PRODUCTION, FORM, "http://my.tastytrade.com/login", REFUSE },
  { PRODUCTION, FORM, "https://my.tastytrade.com./login", REFUSE },
  { PRODUCTION, FORM, "javascript:submit()", REFUSE },
  { PRODUCTION, FORM, "data:text/html,x", REFUSE },
  { PRODUCTION, FORM, "about:blank", REFUSE },
  /* A new window is never a second view, even of the sign-in's origin. */
  { PRODUCTION, NEW_WINDOW, "https://my.tastytrade.com/terms", BROWSER },
  { PRODUCTION, NEW_WINDOW, "https://tastytrade.com/help", BROWSER },
  { PRODUCTION, NEW_WINDOW, "http://tastytrade.com/help", REFUSE },
  { PRODUCTION, NEW_WINDOW, "about:blank", REFUSE },
  { PRODUCTION, NEW_WINDOW, "javascript:alert(1)", REFUSE },
  { PRODUCTION, NEW_WINDOW, "data:text/html,hi", REFUSE },
  { PRODUCTION, NEW_WINDOW, "blob:https://my.tastytrade.com/0b7e", REFUSE },
  { PRODUCTION, NEW_WINDOW, "file:///etc/passwd", REFUSE },
  { PRODUCTION, NEW_WINDOW, NULL, REFUSE },
  /* Anything else may be a frame's own load: the main frame's response is asked again. */
  { PRODUCTION, OTHER, "https://my.tastytrade.com/auth.html", ALLOW },
  { PRODUCTION, OTHER, "https://captcha.example/frame", ALLOW },
  { PRODUCTION, OTHER, "http://evil.example/", ALLOW },
  { PRODUCTION, OTHER, "about:blank", ALLOW },
  { PRODUCTION, OTHER, "data:text/html,hi", ALLOW },
  { PRODUCTION, OTHER, "not a uri", ALLOW },
  /* The main frame shows the sign-in's origin or about:, nothing else. */
  { PRODUCTION, RESPONSE, "https://my.tastytrade.com/auth.html", ALLOW },
  { PRODUCTION, RESPONSE, "https://my.tastytrade.com:443/app.html", ALLOW },
  { PRODUCTION, RESPONSE, "about:blank", ALLOW },
  { PRODUCTION, RESPONSE, "ABOUT:BLANK", ALLOW },
  { PRODUCTION, RESPONSE, "about:srcdoc", ALLOW },
  { PRODUCTION, RESPONSE, "about:blank#%ZZ", REFUSE },
  { PRODUCTION, RESPONSE, "https://evil.example/", REFUSE },
  { PRODUCTION, RESPONSE, "https://my.tastytrade.com.evil.example/", REFUSE },
  { PRODUCTION, RESPONSE, "http://my.tastytrade.com/auth.html", REFUSE },
  { PRODUCTION, RESPONSE, "https://my.tastytrade.com:8443/auth.html", REFUSE },
  { PRODUCTION, RESPONSE, "https://my.tastytrade.com/auth.html?q=%ZZ", REFUSE },
  { PRODUCTION, RESPONSE, "data:text/html,<h1>Sign in</h1>", REFUSE },
  { PRODUCTION, RESPONSE, "blob:https://my.tastytrade.com/0b7e", REFUSE },
  { PRODUCTION, RESPONSE, "javascript:alert(1)", REFUSE },
  { PRODUCTION, RESPONSE, "file:///etc/passwd", REFUSE },
  { PRODUCTION, RESPONSE, "http://localhost:8000/?code=a&state=b", REFUSE },
  { PRODUCTION, RESPONSE, NULL, REFUSE },
  /* A custom http sign-in page: its own origin, but its plain http never goes out. */
  { CUSTOM_HTTP, LINK, "http://127.0.0.2:8080/next", ALLOW },
  { CUSTOM_HTTP, LINK, "http://127.0.0.2:8081/next", REFUSE },
  { CUSTOM_HTTP, FORM, "http://127.0.0.2:8080/login", ALLOW },
  { CUSTOM_HTTP, NEW_WINDOW, "http://127.0.0.2:8080/terms", REFUSE },
  { CUSTOM_HTTP, RESPONSE, "http://127.0.0.2:8080/auth.html", ALLOW },
  { CUSTOM_HTTP, RESPONSE, "https://my.tastytrade.com/auth.html", REFUSE },
  /* No sign-in page yet (the blank view the page starts with): nothing of any site shows,
   * and links still go to the browser only when they are https. */
  { NONE, LINK, "https://my.tastytrade.com/auth.html", BROWSER },
  { NONE, LINK, "http://my.tastytrade.com/auth.html", REFUSE },
  { NONE, FORM, "https://my.tastytrade.com/auth.html", REFUSE },
  { NONE, NEW_WINDOW, "https://my.tastytrade.com/auth.html", BROWSER },
  { NONE, OTHER, "https://my.tastytrade.com/auth.html", ALLOW },
  { NONE, RESPONSE, "about:blank", ALLOW },
  { NONE, RESPONSE, "https://my.tastytrade.com/auth.html", REFUSE },
};

static void
test_decide (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (decide_cases); i++)
    {
      const DecideCase *c = &decide_cases[i];
      g_autoptr(GUri) page = signin_page (c->signin, G_URI_FLAGS_NONE);
      TtsNavigationVerdict verdict = tts_navigation_policy_decide (page, c->kind, c->uri);

      if (verdict != c->verdict)
        mismatch ("sign-in %s, %s to %s: %s, not %s",
                            c->signin != NULL ? c->signin : "production", kind_name (c->kind),
                            c->uri, verdict_name (verdict), verdict_name (c->verdict));
    }
}

/* What goes to the browser is what tts_navigation_policy_may_open_in_browser() allows. */
static void
test_may_open_in_browser (void)
{
  static const struct { const char *uri; gboolean may_open; } cases[] = {
    { "https://tastytrade.com/help", TRUE },
    { "HTTPS://TASTYTRADE.COM/help", TRUE },
    { "https://[2001:db8::1]/", TRUE },
    { "https://tastytrade.com:8443/", TRUE },
    { "http://tastytrade.com/help", FALSE },
    { "mailto:support@tastytrade.com", FALSE },
    { "javascript:alert(1)", FALSE },
    { "data:text/html,hi", FALSE },
    { "blob:https://tastytrade.com/0b7e", FALSE },
    { "file:///etc/passwd", FALSE },
    { "about:blank", FALSE },
    { "https://tastytrade.com/?q=%ZZ", FALSE },
    { "", FALSE },
    { NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (tts_navigation_policy_may_open_in_browser (cases[i].uri) != cases[i].may_open)
        mismatch ("%s %s go to the browser", cases[i].uri,
                            cases[i].may_open ? "does not" : "would");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/navigation-policy/effective-port", test_effective_port);
  g_test_add_func ("/navigation-policy/same-origin", test_same_origin);
  g_test_add_func ("/navigation-policy/may-show", test_may_show);
  g_test_add_func ("/navigation-policy/is-redirect", test_is_redirect);
  g_test_add_func ("/navigation-policy/may-open-in-browser", test_may_open_in_browser);
  g_test_add_func ("/navigation-policy/decide", test_decide);

  return g_test_run ();
}

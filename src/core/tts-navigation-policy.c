/* tts-navigation-policy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-navigation-policy.h"

/* G_URI_FLAGS_SCHEME_NORMALIZE changes nothing but the default port and an empty http(s)
 * path ("/"): the same addresses parse as without it. */
#define PARSE_FLAGS G_URI_FLAGS_SCHEME_NORMALIZE

static GUri *
parse (const char *uri)
{
  return uri != NULL ? g_uri_parse (uri, PARSE_FLAGS, NULL) : NULL;
}

int
tts_navigation_policy_get_effective_port (GUri *uri)
{
  g_autoptr(GUri) normalized = NULL;

  g_return_val_if_fail (uri != NULL, -1);

  if (g_uri_get_port (uri) != -1 || (g_uri_get_flags (uri) & G_URI_FLAGS_SCHEME_NORMALIZE) != 0)
    return g_uri_get_port (uri);

  /* Parsed without G_URI_FLAGS_SCHEME_NORMALIZE: the default of the scheme all the same. */
  normalized = g_uri_build (G_URI_FLAGS_SCHEME_NORMALIZE, g_uri_get_scheme (uri),
                            NULL, NULL, -1, "", NULL, NULL);
  return g_uri_get_port (normalized);
}

gboolean
tts_navigation_policy_same_origin (GUri *a,
                                   GUri *b)
{
  const char *host_a;
  const char *host_b;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  host_a = g_uri_get_host (a);
  host_b = g_uri_get_host (b);

  return host_a != NULL && host_b != NULL && host_a[0] != '\0' && host_b[0] != '\0' &&
         g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_ascii_strcasecmp (host_a, host_b) == 0 &&
         tts_navigation_policy_get_effective_port (a) == tts_navigation_policy_get_effective_port (b);
}

gboolean
tts_navigation_policy_is_redirect (GUri       *redirect,
                                   const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *base = NULL;
  const char *path;

  g_return_val_if_fail (redirect != NULL, FALSE);

  if (uri == NULL)
    return FALSE;

  /* Compare parsed parts: "http://localhost:8000.evil.example/" has a prefix in common
   * with the redirect URI but is another host. Only what comes before the query (scheme,
   * host, port, path): g_uri_parse() refuses a query of bad percent-encoding, and the view
   * must block such an address too. */
  base = g_strndup (uri, strcspn (uri, "?#"));
  parsed = parse (base);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (g_uri_get_scheme (parsed), g_uri_get_scheme (redirect)) != 0)
    return FALSE;
  if (g_ascii_strcasecmp (g_uri_get_host (parsed), g_uri_get_host (redirect)) != 0)
    return FALSE;
  if (tts_navigation_policy_get_effective_port (parsed) !=
      tts_navigation_policy_get_effective_port (redirect))
    return FALSE;
  if (g_uri_get_userinfo (parsed) != NULL)
    return FALSE;

  path = g_uri_get_path (parsed);
  return path[0] == '\0' || g_strcmp0 (path, "/") == 0;
}

gboolean
tts_navigation_policy_may_show (GUri       *signin,
                                const char *uri)
{
  g_autoptr(GUri) parsed = NULL;

  if (signin == NULL)
    return FALSE;

  parsed = parse (uri);
  return parsed != NULL && tts_navigation_policy_same_origin (parsed, signin);
}

gboolean
tts_navigation_policy_may_open_in_browser (const char *uri)
{
  g_autoptr(GUri) parsed = parse (uri);

  return parsed != NULL && g_uri_get_host (parsed) != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") == 0;
}

/* about:blank between attempts, and any other about: page (they are all blank). */
static gboolean
is_about (const char *uri)
{
  g_autoptr(GUri) parsed = parse (uri);

  return parsed != NULL && g_ascii_strcasecmp (g_uri_get_scheme (parsed), "about") == 0;
}

/* A page that leaves the sign-in. */
static TtsNavigationVerdict
leave (const char *uri)
{
  return tts_navigation_policy_may_open_in_browser (uri) ? TTS_NAVIGATION_OPEN_IN_BROWSER :
                                                           TTS_NAVIGATION_REFUSE;
}

TtsNavigationVerdict
tts_navigation_policy_decide (GUri              *signin,
                              TtsNavigationKind  kind,
                              const char        *uri)
{
  switch (kind)
    {
    case TTS_NAVIGATION_LINK:
      return tts_navigation_policy_may_show (signin, uri) ? TTS_NAVIGATION_ALLOW : leave (uri);

    case TTS_NAVIGATION_FORM:
      return tts_navigation_policy_may_show (signin, uri) ? TTS_NAVIGATION_ALLOW :
                                                            TTS_NAVIGATION_REFUSE;

    case TTS_NAVIGATION_NEW_WINDOW:
      return leave (uri);

    case TTS_NAVIGATION_OTHER:
      return TTS_NAVIGATION_ALLOW;

    case TTS_NAVIGATION_MAIN_FRAME_RESPONSE:
      return is_about (uri) || tts_navigation_policy_may_show (signin, uri) ?
             TTS_NAVIGATION_ALLOW : TTS_NAVIGATION_REFUSE;

    default:
      g_return_val_if_reached (TTS_NAVIGATION_REFUSE);
    }
}

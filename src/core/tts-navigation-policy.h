/* tts-navigation-policy.h: which addresses the sign-in view may show, which one is the
 * redirect, and where the others go
 *
 * Security-critical and pure: addresses in, answers out, no WebKit and no display. The
 * sign-in page keeps only the glue (which WebKit decision, a toast); the auth request takes
 * the redirect through tts_navigation_policy_is_redirect().
 *
 * Every address is parsed, never compared as a string, and everything that does not parse
 * as an absolute URI (GLib's strict rules: bad percent-encoding anywhere is not a URI) is
 * treated as foreign. WebKit hands over canonical URLs (lower-case scheme and host,
 * backslashes turned into slashes, IPv6 written short); the rules below rely on that only
 * for comparing host names as written.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What asks the view to go somewhere. WebKitGTK 6.0 does not say which frame a navigation is
 * for, only whether a response is for the main frame. */
typedef enum
{
  TTS_NAVIGATION_LINK,                /* a person followed a link */
  TTS_NAVIGATION_FORM,                /* a form was sent, or sent again */
  TTS_NAVIGATION_NEW_WINDOW,          /* a link with a target such as _blank, or window.open() */
  TTS_NAVIGATION_OTHER,               /* a script, a server redirect, back or forward, a reload,
                                       * a frame's own load */
  TTS_NAVIGATION_MAIN_FRAME_RESPONSE, /* a document the main frame is about to show */
} TtsNavigationKind;

typedef enum
{
  TTS_NAVIGATION_ALLOW,           /* it loads, or shows, in the view */
  TTS_NAVIGATION_OPEN_IN_BROWSER, /* not in the view: in the user's browser, where they see and
                                   * judge the address */
  TTS_NAVIGATION_REFUSE,          /* nowhere; the user is told */
} TtsNavigationVerdict;

/* The one effective-port rule: the port @uri names, else its scheme's default as GLib's
 * G_URI_FLAGS_SCHEME_NORMALIZE knows it (http and ws 80, https and wss 443, ftp 21), else
 * -1. The same whatever flags @uri was parsed with. An explicit port 0 stays 0. */
int                   tts_navigation_policy_get_effective_port  (GUri *uri);

/* Same scheme, host and effective port, the web's origin. Scheme and host compare without
 * regard to ASCII case, after GLib's percent-decoding of the host; any other spelling is
 * another host (a trailing dot, 127.0.0.1 for localhost, an IPv6 address written long).
 * Userinfo, path, query and fragment do not count. FALSE when either has no host or an
 * empty one (about:, data:, javascript:, blob:, file:///…). */
gboolean              tts_navigation_policy_same_origin         (GUri *a,
                                                                 GUri *b);

/* Whether @uri is the redirect URI @redirect: same scheme, host and effective port, no
 * userinfo, and a path that is empty or "/". What follows the path (query, fragment) is
 * not looked at, nor need it be valid percent-encoding: such an answer is still the
 * redirect, to be kept from loading. FALSE for NULL. */
gboolean              tts_navigation_policy_is_redirect         (GUri       *redirect,
                                                                 const char *uri);

/* Whether the view may show @uri: the sign-in page @signin's origin only. @signin may be
 * NULL (no sign-in page yet): then nothing may show. FALSE for NULL. */
gboolean              tts_navigation_policy_may_show            (GUri       *signin,
                                                                 const char *uri);

/* Whether @uri may go to the user's browser, where they can see and judge the address:
 * https with a host part (GLib reads https:///x as an empty host, which counts). Plain http,
 * mailto:, file: and the like go nowhere. */
gboolean              tts_navigation_policy_may_open_in_browser (const char *uri);

/* What the view does with @uri, asked by @kind, while @signin (or NULL, see
 * tts_navigation_policy_may_show()) is the sign-in page:
 *  - a link: the sign-in's origin loads; another goes to the browser if it may
 *    (tts_navigation_policy_may_open_in_browser()), else nowhere;
 *  - a form: the sign-in's origin only; a form may carry the password, so it never goes
 *    elsewhere, nor to the browser;
 *  - a new window: never a second view, even of the sign-in's origin: the browser if it may;
 *  - anything else: allowed, as it may be a frame (a captcha of another site); the main
 *    frame's response is asked again before anything shows;
 *  - the main frame's response: the sign-in's origin, or about: (the blank view between
 *    attempts); nothing else shows.
 * The redirect URI is not this function's: the flow takes it first
 * (tts_flow_handle_navigation()), and it is the redirect only while a request exists. */
TtsNavigationVerdict  tts_navigation_policy_decide              (GUri               *signin,
                                                                 TtsNavigationKind   kind,
                                                                 const char         *uri);

G_END_DECLS

/* tts-environment.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tts-core-enums.h"
#include "tts-environment.h"
#include "tts-error.h"

struct _TtsEnvironment
{
  GObject             parent_instance;

  TtsEnvironmentKind  kind;
  char               *auth_uri;
  char               *api_uri;
  char               *redirect_uri;
  guint               redirect_port;
  gboolean            custom;
};

G_DEFINE_FINAL_TYPE (TtsEnvironment, tts_environment, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_AUTH_URI,
  PROP_API_URI,
  PROP_REDIRECT_URI,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const char *auth_uri;
  const char *api_uri;
  const char *manage_uri;
} TtsEnvironmentDefaults;

/* From tastytrade's developer documentation (see the contract page). */
static const TtsEnvironmentDefaults defaults[] = {
  [TTS_ENVIRONMENT_PRODUCTION] = {
    "https://my.tastytrade.com/auth.html",
    "https://api.tastyworks.com",
    "https://my.tastytrade.com/app.html#/manage/api-access/oauth-applications",
  },
  [TTS_ENVIRONMENT_SANDBOX] = {
    "https://cert-my.staging-tasty.works/auth.html",
    "https://api.cert.tastyworks.com",
    "https://cert-my.staging-tasty.works/app.html#/manage/api-access/oauth-applications",
  },
};

static void
tts_environment_finalize (GObject *object)
{
  TtsEnvironment *self = (TtsEnvironment *) object;

  g_clear_pointer (&self->auth_uri, g_free);
  g_clear_pointer (&self->api_uri, g_free);
  g_clear_pointer (&self->redirect_uri, g_free);

  G_OBJECT_CLASS (tts_environment_parent_class)->finalize (object);
}

static void
tts_environment_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TtsEnvironment *self = TTS_ENVIRONMENT (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_AUTH_URI:
      g_value_set_string (value, self->auth_uri);
      break;

    case PROP_API_URI:
      g_value_set_string (value, self->api_uri);
      break;

    case PROP_REDIRECT_URI:
      g_value_set_string (value, self->redirect_uri);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tts_environment_class_init (TtsEnvironmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_environment_finalize;
  object_class->get_property = tts_environment_get_property;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       TTS_TYPE_ENVIRONMENT_KIND, TTS_ENVIRONMENT_PRODUCTION,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH_URI] =
    g_param_spec_string ("auth-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_URI] =
    g_param_spec_string ("api-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REDIRECT_URI] =
    g_param_spec_string ("redirect-uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tts_environment_init (TtsEnvironment *self)
{
}

static gboolean
is_loopback_host (const char *host)
{
  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_strcmp0 (host, "127.0.0.1") == 0 ||
         g_strcmp0 (host, "::1") == 0;
}

static gboolean
check_web_uri (const char  *uri,
               const char  *option,
               GError     **error)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  if (parsed != NULL)
    scheme = g_uri_get_scheme (parsed);

  if (parsed == NULL || g_uri_get_host (parsed) == NULL ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_set_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                   /* Translators: %s is a command-line option such as --api-url */
                   _("The address given with %s is not an http or https address."),
                   option);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_redirect_uri (const char  *uri,
                    guint       *port,
                    GError     **error)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *path;

  /* The same string is registered on tastytrade's site and sent twice, so only accept
   * what a loopback listener can actually receive. */
  if (parsed == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (parsed), "http") != 0 ||
      g_uri_get_host (parsed) == NULL ||
      !is_loopback_host (g_uri_get_host (parsed)) ||
      g_uri_get_port (parsed) <= 0 ||
      g_uri_get_userinfo (parsed) != NULL ||
      g_uri_get_query (parsed) != NULL ||
      g_uri_get_fragment (parsed) != NULL)
    goto invalid;

  path = g_uri_get_path (parsed);
  if (path[0] != '\0' && g_strcmp0 (path, "/") != 0)
    goto invalid;

  *port = (guint) g_uri_get_port (parsed);
  return TRUE;

invalid:
  g_set_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
               _("The redirect URI must be an http address on this computer with a port, "
                 "such as http://localhost:8000."));
  return FALSE;
}

TtsEnvironment *
tts_environment_new (TtsEnvironmentKind   kind,
                     const char          *auth_uri,
                     const char          *api_uri,
                     const char          *redirect_uri,
                     GError             **error)
{
  g_autoptr(TtsEnvironment) self = NULL;
  guint port = 0;

  g_return_val_if_fail (kind == TTS_ENVIRONMENT_PRODUCTION || kind == TTS_ENVIRONMENT_SANDBOX, NULL);

  if (auth_uri != NULL && !check_web_uri (auth_uri, "--auth-url", error))
    return NULL;
  if (api_uri != NULL && !check_web_uri (api_uri, "--api-url", error))
    return NULL;
  if (redirect_uri == NULL)
    redirect_uri = TTS_DEFAULT_REDIRECT_URI;
  if (!parse_redirect_uri (redirect_uri, &port, error))
    return NULL;

  self = g_object_new (TTS_TYPE_ENVIRONMENT, NULL);
  self->kind = kind;
  self->custom = auth_uri != NULL || api_uri != NULL;
  self->auth_uri = g_strdup (auth_uri != NULL ? auth_uri : defaults[kind].auth_uri);
  self->api_uri = g_strdup (api_uri != NULL ? api_uri : defaults[kind].api_uri);
  /* Kept byte for byte: tastytrade compares it with the registered one. */
  self->redirect_uri = g_strdup (redirect_uri);
  self->redirect_port = port;

  return g_steal_pointer (&self);
}

TtsEnvironmentKind
tts_environment_get_kind (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), TTS_ENVIRONMENT_PRODUCTION);

  return self->kind;
}

const char *
tts_environment_get_auth_uri (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), NULL);

  return self->auth_uri;
}

const char *
tts_environment_get_api_uri (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), NULL);

  return self->api_uri;
}

const char *
tts_environment_get_redirect_uri (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), NULL);

  return self->redirect_uri;
}

const char *
tts_environment_get_manage_uri (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), NULL);

  return defaults[self->kind].manage_uri;
}

guint
tts_environment_get_redirect_port (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), 0);

  return self->redirect_port;
}

gboolean
tts_environment_is_custom (TtsEnvironment *self)
{
  g_return_val_if_fail (TTS_IS_ENVIRONMENT (self), FALSE);

  return self->custom;
}

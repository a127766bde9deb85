/* tts-auth-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n-lib.h>

#include "tts-auth-request.h"
#include "tts-error.h"
#include "tts-navigation-policy.h"
#include "tts-wipe.h"

#define STATE_BYTES 32

struct _TtsAuthRequest
{
  GObject  parent_instance;

  char    *state;
  char    *uri;
  char    *redirect_uri;
  GUri    *redirect;
};

G_DEFINE_FINAL_TYPE (TtsAuthRequest, tts_auth_request, G_TYPE_OBJECT)

static void
tts_auth_request_finalize (GObject *object)
{
  TtsAuthRequest *self = (TtsAuthRequest *) object;

  g_clear_pointer (&self->state, tts_wipe_free);
  g_clear_pointer (&self->uri, tts_wipe_free);
  g_clear_pointer (&self->redirect_uri, g_free);
  g_clear_pointer (&self->redirect, g_uri_unref);

  G_OBJECT_CLASS (tts_auth_request_parent_class)->finalize (object);
}

static void
tts_auth_request_class_init (TtsAuthRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tts_auth_request_finalize;
}

static void
tts_auth_request_init (TtsAuthRequest *self)
{
}

char *
tts_auth_request_generate_state (gsize    n_bytes,
                                 GError **error)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  g_autofree char *encoded = NULL;
  gsize filled = 0;

  while (filled < n_bytes)
    {
      ssize_t got = getrandom (bytes + filled, n_bytes - filled, 0);

      if (got < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;

          g_set_error (error, TTS_ERROR, TTS_ERROR_FAILED,
                       _("This computer could not provide secure random numbers: %s."),
                       g_strerror (saved_errno));
          return NULL;
        }

      filled += (gsize) got;
    }

  encoded = g_base64_encode (bytes, n_bytes);
  tts_wipe (bytes, n_bytes);

  /* base64url without padding: safe in a query without escaping. */
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  g_strdelimit (encoded, "=", '\0');

  return g_steal_pointer (&encoded);
}

static void
append_param (GString    *uri,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (uri, "%s=%s&", name, escaped);
}

TtsAuthRequest *
tts_auth_request_new (TtsEnvironment  *environment,
                      const char      *client_id,
                      GError         **error)
{
  g_autoptr(TtsAuthRequest) self = NULL;
  g_autofree char *state = NULL;
  const char *auth_uri;
  GString *uri;

  g_return_val_if_fail (TTS_IS_ENVIRONMENT (environment), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  state = tts_auth_request_generate_state (STATE_BYTES, error);
  if (state == NULL)
    return NULL;

  self = g_object_new (TTS_TYPE_AUTH_REQUEST, NULL);
  self->state = g_steal_pointer (&state);
  self->redirect_uri = g_strdup (tts_environment_get_redirect_uri (environment));
  self->redirect = g_uri_parse (self->redirect_uri, G_URI_FLAGS_NONE, NULL);
  g_assert (self->redirect != NULL); /* TtsEnvironment validated it */

  auth_uri = tts_environment_get_auth_uri (environment);
  uri = g_string_new (auth_uri);
  g_string_append_c (uri, strchr (auth_uri, '?') != NULL ? '&' : '?');
  append_param (uri, "response_type", "code");
  append_param (uri, "client_id", client_id);
  append_param (uri, "redirect_uri", self->redirect_uri);
  append_param (uri, "scope", TTS_AUTH_SCOPE);
  append_param (uri, "state", self->state);
  g_string_truncate (uri, uri->len - 1);
  self->uri = g_string_free (uri, FALSE);

  return g_steal_pointer (&self);
}

const char *
tts_auth_request_get_state (TtsAuthRequest *self)
{
  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), NULL);

  return self->state;
}

const char *
tts_auth_request_get_uri (TtsAuthRequest *self)
{
  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), NULL);

  return self->uri;
}

const char *
tts_auth_request_get_redirect_uri (TtsAuthRequest *self)
{
  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), NULL);

  return self->redirect_uri;
}

gboolean
tts_auth_request_is_redirect (TtsAuthRequest *self,
                              const char     *uri)
{
  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), FALSE);

  return tts_navigation_policy_is_redirect (self->redirect, uri);
}

static gboolean
equal_in_constant_time (const char *a,
                        const char *b)
{
  gsize len_a = strlen (a);
  gsize len_b = strlen (b);
  guint8 diff = len_a != len_b;

  for (gsize i = 0; i < len_a && i < len_b; i++)
    diff |= (guint8) (a[i] ^ b[i]);

  return diff == 0;
}

/* Keeps only printable text of a server message we show, and not too much of it. */
static char *
sanitize_description (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; p != NULL && *p != '\0' && out->len < 200; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isprint (c))
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  char  *value;
  guint  count;
} Param;

static void
param_set (Param      *param,
           const char *value)
{
  param->count++;
  g_clear_pointer (&param->value, tts_wipe_free);
  param->value = g_strdup (value);
}

/* @state_required: FALSE only for what the user pasted, where a missing state is a code
 * copied on its own, not someone else's redirect. */
static TtsRedirectResult
parse_params (TtsAuthRequest  *self,
              const char      *query,
              gboolean         state_required,
              char           **code,
              GError         **error)
{
  Param p_code = { 0 }, p_state = { 0 }, p_error = { 0 }, p_description = { 0 };
  TtsRedirectResult result = TTS_REDIRECT_REJECTED;
  gboolean malformed = FALSE;
  GUriParamsIter iter;
  char *name = NULL;
  char *value = NULL;

  if (query == NULL)
    query = "";

  if (strlen (query) > TTS_AUTH_MAX_QUERY_LENGTH)
    {
      malformed = TRUE;
    }
  else
    {
      g_autoptr(GError) local_error = NULL;

      g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
      while (g_uri_params_iter_next (&iter, &name, &value, &local_error))
        {
          /* Unknown keys are ignored, as the contract asks. */
          if (g_strcmp0 (name, "code") == 0)
            param_set (&p_code, value);
          else if (g_strcmp0 (name, "state") == 0)
            param_set (&p_state, value);
          else if (g_strcmp0 (name, "error") == 0)
            param_set (&p_error, value);
          else if (g_strcmp0 (name, "error_description") == 0)
            param_set (&p_description, value);

          g_clear_pointer (&name, g_free);
          g_clear_pointer (&value, tts_wipe_free);
        }

      malformed = local_error != NULL;
    }

  /* Nothing but a redirect carrying exactly our state may influence the flow. */
  if (malformed || p_state.count > 1 || (p_state.count == 0 && state_required) ||
      (p_state.count == 1 && !equal_in_constant_time (p_state.value, self->state)))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_STATE_MISMATCH,
                           _("The sign-in answer did not belong to this sign-in."));
    }
  else if (p_error.count > 0)
    {
      if (p_error.count == 1 && g_strcmp0 (p_error.value, "access_denied") == 0)
        {
          g_set_error_literal (error, TTS_ERROR, TTS_ERROR_ACCESS_DENIED,
                               _("Access was declined on tastytrade’s page."));
        }
      else
        {
          g_autofree char *description = sanitize_description (p_description.count == 1 ?
                                                               p_description.value :
                                                               p_error.value);

          g_set_error (error, TTS_ERROR, TTS_ERROR_AUTHORIZATION_FAILED,
                       /* Translators: %s is tastytrade's own explanation, in English */
                       _("tastytrade could not complete the sign-in (“%s”)."),
                       description);
        }
    }
  else if (p_code.count != 1 || p_code.value[0] == '\0')
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_PROTOCOL,
                           _("tastytrade’s sign-in answer did not contain an authorization code."));
    }
  else
    {
      *code = g_steal_pointer (&p_code.value);
      result = TTS_REDIRECT_CODE;
    }

  g_clear_pointer (&p_code.value, tts_wipe_free);
  g_clear_pointer (&p_state.value, tts_wipe_free);
  g_clear_pointer (&p_error.value, g_free);
  g_clear_pointer (&p_description.value, g_free);

  return result;
}

TtsRedirectResult
tts_auth_request_parse_query (TtsAuthRequest  *self,
                              const char      *query,
                              char           **code,
                              GError         **error)
{
  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), TTS_REDIRECT_REJECTED);
  g_return_val_if_fail (code != NULL && *code == NULL, TTS_REDIRECT_REJECTED);

  return parse_params (self, query, TRUE, code, error);
}

static gboolean
query_has (const char *query,
           const char *wanted)
{
  GUriParamsIter iter;
  char *name = NULL;
  gboolean found = FALSE;

  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
  while (!found && g_uri_params_iter_next (&iter, &name, NULL, NULL))
    {
      found = g_strcmp0 (name, wanted) == 0;
      g_clear_pointer (&name, g_free);
    }

  return found;
}

/* What a code can look like: printable ASCII without spaces or URL delimiters. */
static gboolean
looks_like_code (const char *text)
{
  gsize length = strlen (text);

  if (length == 0 || length > TTS_AUTH_MAX_QUERY_LENGTH)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p) || strchr ("?&=#/:\"'<>\\", *p) != NULL)
      return FALSE;

  return TRUE;
}

TtsRedirectResult
tts_auth_request_parse_pasted (TtsAuthRequest  *self,
                               const char      *text,
                               char           **code,
                               GError         **error)
{
  g_autoptr(TtsSecret) trimmed = NULL;
  g_autoptr(GError) local_error = NULL;
  char *query;
  char *fragment;

  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), TTS_REDIRECT_REJECTED);
  g_return_val_if_fail (text != NULL, TTS_REDIRECT_REJECTED);
  g_return_val_if_fail (code != NULL && *code == NULL, TTS_REDIRECT_REJECTED);

  trimmed = g_strstrip (g_strdup (text));

  /* The address the browser ended on, or its query: http://localhost:8000/?code=…&state=… */
  query = strchr (trimmed, '?');
  if (query != NULL)
    query++;
  else if (strchr (trimmed, '=') != NULL && strstr (trimmed, "://") == NULL)
    query = trimmed;

  if (query != NULL && (fragment = strchr (query, '#')) != NULL)
    *fragment = '\0';

  /* A code without our state may be anyone's: a user talked into pasting someone else's
   * would save a token to that person's account. */
  if ((query == NULL && looks_like_code (trimmed)) ||
      (query != NULL && query_has (query, "code") && !query_has (query, "state")))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                           _("This code comes without the sign-in’s state, so nothing shows "
                             "that it is from this sign-in. Copy the whole address from the "
                             "browser’s address bar."));
      return TTS_REDIRECT_REJECTED;
    }

  if (query != NULL && query_has (query, "state"))
    {
      TtsRedirectResult result;

      result = parse_params (self, query, TRUE, code, &local_error);
      /* A query without a code is junk like any other. */
      if (result == TTS_REDIRECT_CODE)
        return result;
      if (!g_error_matches (local_error, TTS_ERROR, TTS_ERROR_PROTOCOL))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return result;
        }
    }

  if (trimmed[0] == '\0')
    g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                         _("Paste the address your browser ended on."));
  else
    g_set_error_literal (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                         _("This is not the address your browser ended on. Copy the whole "
                           "address from the browser’s address bar."));

  return TTS_REDIRECT_REJECTED;
}

TtsRedirectResult
tts_auth_request_parse_redirect (TtsAuthRequest  *self,
                                 const char      *uri,
                                 char           **code,
                                 GError         **error)
{
  g_autoptr(GUri) parsed = NULL;

  g_return_val_if_fail (TTS_IS_AUTH_REQUEST (self), TTS_REDIRECT_NOT_OURS);

  if (!tts_auth_request_is_redirect (self, uri))
    return TTS_REDIRECT_NOT_OURS;

  /* Not valid percent-encoding: read as an answer without a state. */
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  return tts_auth_request_parse_query (self, parsed != NULL ? g_uri_get_query (parsed) : NULL,
                                       code, error);
}

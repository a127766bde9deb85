/* tts-test-browser.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "tts-test-browser.h"

/* Requests in one journey, redirects and form submissions together. */
#define MAX_STEPS       20
/* A stuck server fails the journey rather than hang the test. */
#define TIMEOUT_SECONDS 20
#define USER_AGENT      "Mozilla/5.0 (X11; Linux x86_64) tts-test-browser/1.0"
#define ACCEPT_HTML     "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
#define FORM_TYPE       "application/x-www-form-urlencoded"

/* A tag's attributes, quotes respected so that a '>' in a value does not end the tag. */
#define TAG_ATTRIBUTES "((?:[^>\"']|\"[^\"]*\"|'[^']*')*)"

/* What the buttons that say yes or no are called (their id or value). */
static const char * const allow_words[] = { "allow", "authorize", "approve", "accept", NULL };
static const char * const deny_words[] = { "deny", "decline", "reject", "cancel", NULL };

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  GBytes      *request_body;  /* of the request under way, for 307 and 308 */
  char        *username;
  char        *password;
  char        *otp;
  gboolean     allow;
  guint        steps;
  GHashTable  *sent_forms;    /* method, action and field names of each form sent */
  guint        status;
  char        *final_uri;
} Journey;

typedef struct
{
  char       *tag;            /* "input" or "button" */
  GHashTable *attributes;     /* lower-case name → decoded value */
} Control;

typedef struct
{
  GHashTable *attributes;
  GPtrArray  *controls;       /* Control, in document order */
} Form;

static void
journey_free (Journey *journey)
{
  g_clear_object (&journey->msg);
  g_clear_object (&journey->session);
  g_clear_pointer (&journey->request_body, g_bytes_unref);
  g_clear_pointer (&journey->username, g_free);
  g_clear_pointer (&journey->password, g_free);
  g_clear_pointer (&journey->otp, g_free);
  g_clear_pointer (&journey->sent_forms, g_hash_table_unref);
  g_clear_pointer (&journey->final_uri, g_free);
  g_free (journey);
}

static void
control_free (Control *control)
{
  g_free (control->tag);
  g_hash_table_unref (control->attributes);
  g_free (control);
}

static void
form_free (Form *form)
{
  g_hash_table_unref (form->attributes);
  g_ptr_array_unref (form->controls);
  g_free (form);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Form, form_free)

/* HTML parsing: enough for pages made by a program, not a general parser */

static char *
decode_entities (const char *text)
{
  static const struct
  {
    const char *name;
    gunichar    c;
  } named[] = {
    { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
  };
  GString *out = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      const char *semicolon = *p == '&' ? strchr (p, ';') : NULL;
      gunichar c = 0;

      if (semicolon != NULL && semicolon - p <= 10)
        {
          g_autofree char *name = g_strndup (p + 1, semicolon - p - 1);
          char *end = NULL;

          if (name[0] == '#' && (name[1] == 'x' || name[1] == 'X'))
            c = (gunichar) g_ascii_strtoull (name + 2, &end, 16);
          else if (name[0] == '#')
            c = (gunichar) g_ascii_strtoull (name + 1, &end, 10);

          if (end != NULL && *end != '\0')
            c = 0;

          for (gsize i = 0; end == NULL && i < G_N_ELEMENTS (named); i++)
            {
              if (strcmp (name, named[i].name) == 0)
                c = named[i].c;
            }
        }

      if (c != 0 && g_unichar_validate (c))
        {
          g_string_append_unichar (out, c);
          p = semicolon + 1;
        }
      else
        {
          g_string_append_c (out, *p);
          p++;
        }
    }

  return g_string_free (out, FALSE);
}

/* The text of group @group of @info, or NULL when that group took no part in the match. */
static char *
fetch_group (GMatchInfo *info,
             int         group)
{
  int start = -1;
  int end = -1;

  if (!g_match_info_fetch_pos (info, group, &start, &end) || start < 0)
    return NULL;

  return g_match_info_fetch (info, group);
}

/* The attributes in @text (what follows a tag's name); the first of a name wins, as in HTML. */
static GHashTable *
parse_attributes (const char *text)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) info = NULL;
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  regex = g_regex_new ("([^\\s\"'<>/=]+)(?:\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s\"'=<>`]+)))?",
                       G_REGEX_OPTIMIZE, 0, NULL);
  g_assert_nonnull (regex);

  g_regex_match (regex, text, 0, &info);
  while (g_match_info_matches (info))
    {
      g_autofree char *fetched = g_match_info_fetch (info, 1);
      g_autofree char *name = g_ascii_strdown (fetched, -1);
      g_autofree char *raw = NULL;

      for (int group = 2; raw == NULL && group <= 4; group++)
        raw = fetch_group (info, group);

      if (!g_hash_table_contains (attributes, name))
        g_hash_table_insert (attributes, g_steal_pointer (&name),
                             raw != NULL ? decode_entities (raw) : g_strdup (""));

      g_match_info_next (info, NULL);
    }

  return attributes;
}

static const char *
attribute (GHashTable *attributes,
           const char *name)
{
  return g_hash_table_lookup (attributes, name);
}

static const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

static gboolean
attribute_is (GHashTable *attributes,
              const char *name,
              const char *value)
{
  const char *actual = attribute (attributes, name);

  return actual != NULL && g_ascii_strcasecmp (actual, value) == 0;
}

/* Whether the space-separated list in attribute @name holds @word. */
static gboolean
attribute_has_word (GHashTable *attributes,
                    const char *name,
                    const char *word)
{
  const char *value = attribute (attributes, name);
  g_auto(GStrv) words = NULL;

  if (value == NULL)
    return FALSE;

  words = g_strsplit_set (value, " \t\n", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (words[i], word) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The first form of @html, or NULL. */
static Form *
find_form (const char *html)
{
  g_autoptr(GRegex) form_regex = NULL;
  g_autoptr(GRegex) control_regex = NULL;
  g_autoptr(GMatchInfo) form_info = NULL;
  g_autoptr(GMatchInfo) control_info = NULL;
  g_autofree char *form_attributes = NULL;
  g_autofree char *content = NULL;
  Form *form;

  form_regex = g_regex_new ("<form\\b" TAG_ATTRIBUTES ">(.*?)</form\\s*>",
                            G_REGEX_CASELESS | G_REGEX_DOTALL, 0, NULL);
  control_regex = g_regex_new ("<(input|button)\\b" TAG_ATTRIBUTES ">", G_REGEX_CASELESS, 0, NULL);
  g_assert_nonnull (form_regex);
  g_assert_nonnull (control_regex);

  if (!g_regex_match (form_regex, html, 0, &form_info))
    return NULL;

  form_attributes = g_match_info_fetch (form_info, 1);
  content = g_match_info_fetch (form_info, 2);

  form = g_new0 (Form, 1);
  form->attributes = parse_attributes (form_attributes);
  form->controls = g_ptr_array_new_with_free_func ((GDestroyNotify) control_free);

  g_regex_match (control_regex, content, 0, &control_info);
  while (g_match_info_matches (control_info))
    {
      g_autofree char *tag = g_match_info_fetch (control_info, 1);
      g_autofree char *attributes = g_match_info_fetch (control_info, 2);
      Control *control = g_new0 (Control, 1);

      control->tag = g_ascii_strdown (tag, -1);
      control->attributes = parse_attributes (attributes);
      if (!g_hash_table_contains (control->attributes, "disabled"))
        g_ptr_array_add (form->controls, control);
      else
        control_free (control);

      g_match_info_next (control_info, NULL);
    }

  return form;
}

/* Filling in and sending a form */

static gboolean
is_submitter (Control *control)
{
  const char *type = attribute (control->attributes, "type");

  if (strcmp (control->tag, "button") == 0)
    return type == NULL || g_ascii_strcasecmp (type, "submit") == 0;

  return type != NULL && g_ascii_strcasecmp (type, "submit") == 0;
}

static gboolean
says_any (Control            *control,
          const char * const *words)
{
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (attribute_is (control->attributes, "id", words[i]) ||
          attribute_is (control->attributes, "value", words[i]))
        return TRUE;
    }

  return FALSE;
}

/* The button the user clicks: the only one, or the one that says Authorize or Deny.
 * *out_submitter stays NULL for a form without buttons (submitted with Enter). */
static gboolean
choose_submitter (Journey  *journey,
                  Form     *form,
                  GUri     *page,
                  Control **out_submitter,
                  GError  **error)
{
  const char * const *words = journey->allow ? allow_words : deny_words;
  Control *only = NULL;
  guint count = 0;

  *out_submitter = NULL;

  for (guint i = 0; i < form->controls->len; i++)
    {
      Control *control = g_ptr_array_index (form->controls, i);

      if (!is_submitter (control))
        continue;

      count++;
      only = control;
      if (says_any (control, words))
        {
          *out_submitter = control;
          return TRUE;
        }
    }

  if (count <= 1)
    {
      *out_submitter = only;
      return TRUE;
    }

  {
    g_autofree char *uri = g_uri_to_string (page);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "The form on %s has %u buttons and none says %s", uri, count, words[0]);
  }
  return FALSE;
}

/* What the user types into a field: the login into the fields made for it (as a password
 * manager finds them), the value already there otherwise. */
static const char *
field_value (Journey *journey,
             Control *control)
{
  GHashTable *attributes = control->attributes;
  const char *value = attribute (attributes, "value");

  if (attribute_is (attributes, "type", "hidden"))
    return or_empty (value);

  if (attribute_has_word (attributes, "autocomplete", "username") ||
      attribute_is (attributes, "name", "username"))
    return or_empty (journey->username);

  if (attribute_has_word (attributes, "autocomplete", "current-password") ||
      attribute_is (attributes, "type", "password"))
    return or_empty (journey->password);

  if (attribute_has_word (attributes, "autocomplete", "one-time-code") ||
      attribute_is (attributes, "name", "otp"))
    return or_empty (journey->otp);

  return or_empty (value);
}

/* application/x-www-form-urlencoded as browsers write it. */
static void
append_form_escaped (GString    *out,
                     const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("*-._", *p) != NULL)
        g_string_append_c (out, (char) *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
}

static void
append_field (GString    *data,
              const char *name,
              const char *value)
{
  if (data->len > 0)
    g_string_append_c (data, '&');
  append_form_escaped (data, name);
  g_string_append_c (data, '=');
  append_form_escaped (data, value);
}

/* Where and how to send @form from @page. *out_uri stays NULL when this same form was
 * sent already (the site refused what was typed): the page is then the journey's end. */
static gboolean
prepare_submission (Journey  *journey,
                    GUri     *page,
                    Form     *form,
                    char    **out_method,
                    GUri    **out_uri,
                    GBytes  **out_body,
                    GError  **error)
{
  const char *method_attribute = attribute (form->attributes, "method");
  const char *action = attribute (form->attributes, "action");
  g_autofree char *method = g_ascii_strup (method_attribute != NULL ? method_attribute : "get", -1);
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GString) signature = NULL;
  g_autoptr(GUri) target = NULL;
  g_autofree char *target_string = NULL;
  Control *submitter = NULL;

  *out_method = NULL;
  *out_uri = NULL;
  *out_body = NULL;

  if (strcmp (method, "GET") != 0 && strcmp (method, "POST") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "A form with method \"%s\"", method);
      return FALSE;
    }

  if (action == NULL || action[0] == '\0')
    target = g_uri_ref (page);
  else
    target = g_uri_parse_relative (page, action, SOUP_HTTP_URI_FLAGS, error);
  if (target == NULL)
    return FALSE;
  target_string = g_uri_to_string (target);

  if (!choose_submitter (journey, form, page, &submitter, error))
    return FALSE;

  signature = g_string_new (method);
  g_string_append_printf (signature, " %s", target_string);

  for (guint i = 0; i < form->controls->len; i++)
    {
      Control *control = g_ptr_array_index (form->controls, i);
      const char *name = attribute (control->attributes, "name");
      const char *type = attribute (control->attributes, "type");

      if (name == NULL || name[0] == '\0')
        continue;

      if (is_submitter (control))
        {
          if (control == submitter)
            append_field (data, name, or_empty (attribute (control->attributes, "value")));
          continue;
        }

      /* Buttons that do not submit, and what a script-free browser would not send. */
      if (strcmp (control->tag, "button") == 0 ||
          (type != NULL && (g_ascii_strcasecmp (type, "reset") == 0 ||
                            g_ascii_strcasecmp (type, "button") == 0 ||
                            g_ascii_strcasecmp (type, "image") == 0 ||
                            g_ascii_strcasecmp (type, "file") == 0)))
        continue;

      if (type != NULL && (g_ascii_strcasecmp (type, "checkbox") == 0 ||
                           g_ascii_strcasecmp (type, "radio") == 0))
        {
          if (g_hash_table_contains (control->attributes, "checked"))
            append_field (data, name, attribute (control->attributes, "value") != NULL ?
                                      attribute (control->attributes, "value") : "on");
          continue;
        }

      append_field (data, name, field_value (journey, control));
      g_string_append_printf (signature, " %s", name);
    }

  if (g_hash_table_contains (journey->sent_forms, signature->str))
    return TRUE;
  g_hash_table_add (journey->sent_forms, g_strdup (signature->str));

  if (strcmp (method, "POST") == 0)
    {
      *out_uri = g_steal_pointer (&target);
      *out_body = g_bytes_new (data->str, data->len);
    }
  else
    {
      *out_uri = g_uri_build (SOUP_HTTP_URI_FLAGS,
                              g_uri_get_scheme (target), g_uri_get_userinfo (target),
                              g_uri_get_host (target), g_uri_get_port (target),
                              g_uri_get_path (target), data->str, NULL);
    }
  *out_method = g_steal_pointer (&method);

  return TRUE;
}

/* The journey */

static void send_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

static void
send (GTask      *task,
      const char *method,
      GUri       *uri,
      GBytes     *body)
{
  Journey *journey = g_task_get_task_data (task);
  g_autoptr(GBytes) request_body = body != NULL ? g_bytes_ref (body) : NULL;
  g_autoptr(GUri) request_uri = NULL;
  const char *scheme = g_uri_get_scheme (uri);

  if (++journey->steps > MAX_STEPS)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "Gave up after %u requests", MAX_STEPS);
      return;
    }

  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_autofree char *text = g_uri_to_string (uri);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Cannot open %s", text);
      return;
    }

  /* A browser never sends the fragment. */
  request_uri = soup_uri_copy (uri, SOUP_URI_FRAGMENT, NULL, SOUP_URI_NONE);

  g_clear_object (&journey->msg);
  journey->msg = soup_message_new_from_uri (method, request_uri);
  /* Redirects are followed here, as a browser does: to the listener too, and with GET
   * after a POST answered 302 or 303. */
  soup_message_add_flags (journey->msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (journey->msg),
                                "Accept", ACCEPT_HTML);
  if (request_body != NULL)
    soup_message_set_request_body_from_bytes (journey->msg, FORM_TYPE, request_body);

  g_clear_pointer (&journey->request_body, g_bytes_unref);
  journey->request_body = g_steal_pointer (&request_body);

  soup_session_send_and_read_async (journey->session, journey->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), send_cb, g_object_ref (task));
}

static gboolean
is_redirect (guint status)
{
  return status == SOUP_STATUS_MOVED_PERMANENTLY || status == SOUP_STATUS_FOUND ||
         status == SOUP_STATUS_SEE_OTHER || status == SOUP_STATUS_TEMPORARY_REDIRECT ||
         status == SOUP_STATUS_PERMANENT_REDIRECT;
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Journey *journey = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(Form) form = NULL;
  g_autofree char *text = NULL;
  SoupMessageHeaders *headers;
  const char *location;
  const char *content_type;
  GUri *page;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = soup_message_get_status (journey->msg);
  page = soup_message_get_uri (journey->msg);
  headers = soup_message_get_response_headers (journey->msg);
  location = soup_message_headers_get_one (headers, "Location");
  content_type = soup_message_headers_get_content_type (headers, NULL);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  if (is_redirect (status) && location != NULL)
    {
      g_autoptr(GUri) next = g_uri_parse_relative (page, location, SOUP_HTTP_URI_FLAGS, &error);
      g_autoptr(GBytes) body = NULL;
      g_autofree char *method = NULL;

      if (next == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* 307 and 308 repeat the request as it was; the others turn it into a GET. */
      if (status == SOUP_STATUS_TEMPORARY_REDIRECT || status == SOUP_STATUS_PERMANENT_REDIRECT)
        {
          method = g_strdup (soup_message_get_method (journey->msg));
          body = journey->request_body != NULL ? g_bytes_ref (journey->request_body) : NULL;
        }
      else
        {
          method = g_strdup (SOUP_METHOD_GET);
        }

      send (task, method, next, body);
      return;
    }

  if (content_type == NULL || g_ascii_strcasecmp (content_type, "text/html") == 0)
    form = find_form (text);

  if (form != NULL)
    {
      g_autofree char *method = NULL;
      g_autoptr(GUri) target = NULL;
      g_autoptr(GBytes) body = NULL;

      if (!prepare_submission (journey, page, form, &method, &target, &body, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      if (target != NULL)
        {
          send (task, method, target, body);
          return;
        }
    }

  journey->status = status;
  journey->final_uri = g_uri_to_string (page);
  g_task_return_pointer (task, g_steal_pointer (&text), g_free);
}

void
tts_test_browser_follow_async (const char          *authorize_uri,
                               const char          *username,
                               const char          *password,
                               const char          *otp,
                               gboolean             allow,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  Journey *journey;

  g_return_if_fail (authorize_uri != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tts_test_browser_follow_async);

  journey = g_new0 (Journey, 1);
  /* Its own session, as a browser has its own connections and no part of the program's. */
  journey->session = soup_session_new_with_options ("user-agent", USER_AGENT,
                                                    "timeout", TIMEOUT_SECONDS,
                                                    NULL);
  journey->username = g_strdup (username);
  journey->password = g_strdup (password);
  journey->otp = g_strdup (otp);
  journey->allow = allow;
  journey->sent_forms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_task_set_task_data (task, journey, (GDestroyNotify) journey_free);

  uri = g_uri_parse (authorize_uri, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  send (task, SOUP_METHOD_GET, uri, NULL);
}

char *
tts_test_browser_follow_finish (GAsyncResult  *result,
                                guint         *out_status,
                                char         **out_final_uri,
                                GError       **error)
{
  Journey *journey;
  char *body;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tts_test_browser_follow_async,
                        NULL);

  body = g_task_propagate_pointer (G_TASK (result), error);
  journey = g_task_get_task_data (G_TASK (result));

  if (out_status != NULL)
    *out_status = body != NULL ? journey->status : 0;
  if (out_final_uri != NULL)
    *out_final_uri = body != NULL ? g_strdup (journey->final_uri) : NULL;

  return body;
}

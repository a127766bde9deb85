/* tts-dotenv.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-wipe.h"

/* The parser below follows python-dotenv's parser.py (0.21, Debian 12) step by step,
 * so that lookup and merge see the same bindings as the user's scripts: quoted values
 * may span lines, and a line python-dotenv cannot parse is skipped to its end.
 * Python reads the file with universal newlines, so \r\n and a lone \r are line breaks. */

static const char new_file_header[] =
  "# Tastytrade OAuth credentials, written by Tastytrade API Setup\n"
  "# DO NOT COMMIT THIS FILE TO VERSION CONTROL\n"
  "# Keep this file secure and private\n"
  "\n";

/* A growing buffer that wipes every block it lets go of: it holds secrets. */
typedef struct
{
  char  *data;
  gsize  len;
  gsize  cap;
} Buf;

static void
buf_reserve (Buf   *buf,
             gsize  extra)
{
  char *data;
  gsize cap;

  if (buf->len + extra + 1 <= buf->cap)
    return;

  cap = MAX (MAX (buf->cap * 2, buf->len + extra + 1), 256);
  data = g_malloc (cap);
  if (buf->len > 0)
    memcpy (data, buf->data, buf->len);
  if (buf->data != NULL)
    {
      tts_wipe (buf->data, buf->cap);
      g_free (buf->data);
    }
  buf->data = data;
  buf->cap = cap;
}

static void
buf_append_len (Buf        *buf,
                const char *data,
                gsize       len)
{
  buf_reserve (buf, len);
  if (len > 0)
    memcpy (buf->data + buf->len, data, len);
  buf->len += len;
  buf->data[buf->len] = '\0';
}

static void
buf_append (Buf        *buf,
            const char *str)
{
  buf_append_len (buf, str, strlen (str));
}

static void
buf_append_c (Buf  *buf,
              char  c)
{
  buf_append_len (buf, &c, 1);
}

static void
buf_clear (Buf *buf)
{
  if (buf->data != NULL)
    {
      tts_wipe (buf->data, buf->cap);
      g_free (buf->data);
    }
  buf->data = NULL;
  buf->len = buf->cap = 0;
}

static char *
buf_steal (Buf   *buf,
           gsize *len)
{
  char *data;

  buf_reserve (buf, 0);
  buf->data[buf->len] = '\0';
  data = buf->data;
  if (len != NULL)
    *len = buf->len;
  buf->data = NULL;
  buf->len = buf->cap = 0;

  return data;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Buf, buf_clear)

/* Byte length of the character at @pos when Python's str.isspace() is true for it, else 0. */
static gsize
space_len (const char *text,
           gsize       length,
           gsize       pos)
{
  guchar c = (guchar) text[pos];
  gunichar u;

  if (c < 0x80)
    return (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)) ? 1 : 0;

  u = g_utf8_get_char_validated (text + pos, length - pos);
  if (u == (gunichar) -1 || u == (gunichar) -2)
    return 0;

  if (u == 0x85 || u == 0xa0 || u == 0x1680 || (u >= 0x2000 && u <= 0x200a)
      || u == 0x2028 || u == 0x2029 || u == 0x202f || u == 0x205f || u == 0x3000)
    return g_unichar_to_utf8 (u, NULL);

  return 0;
}

static inline gboolean
is_line_break (char c)
{
  return c == '\n' || c == '\r';
}

static gsize
line_break_len (const char *text,
                gsize       length,
                gsize       pos)
{
  if (pos >= length)
    return 0;
  if (text[pos] == '\r')
    return (pos + 1 < length && text[pos + 1] == '\n') ? 2 : 1;
  return text[pos] == '\n' ? 1 : 0;
}

/* \s* when @multiline, else [^\S\r\n]* */
static gsize
skip_spaces (const char *text,
             gsize       length,
             gsize       pos,
             gboolean    multiline)
{
  while (pos < length)
    {
      gsize len;

      if (!multiline && is_line_break (text[pos]))
        break;
      len = space_len (text, length, pos);
      if (len == 0)
        break;
      pos += len;
    }

  return pos;
}

/* '((?:\\'|[^'])*)' with Python's backtracking: the first unescaped quote closes;
 * without one, the last \' does. */
static gboolean
match_quoted (const char *text,
              gsize       length,
              gsize       pos,
              char        quote,
              gsize      *close)
{
  gsize i = pos + 1;
  gssize last_escape = -1;

  while (i < length)
    {
      if (text[i] == '\\' && i + 1 < length && text[i + 1] == quote)
        {
          last_escape = i;
          i += 2;
        }
      else if (text[i] == quote)
        {
          *close = i;
          return TRUE;
        }
      else
        i++;
    }

  if (last_escape >= 0)
    {
      *close = last_escape + 1;
      return TRUE;
    }

  return FALSE;
}

/* re.sub (r"\s+#.*", "", value).rstrip (): where an unquoted value really ends. */
static gsize
unquoted_end (const char *text,
              gsize       eol,
              gsize       pos)
{
  gsize last = pos;

  while (pos < eol)
    {
      if (space_len (text, eol, pos) > 0)
        {
          gsize len;

          while (pos < eol && (len = space_len (text, eol, pos)) > 0)
            pos += len;
          if (pos < eol && text[pos] == '#')
            break;
        }
      else
        last = ++pos;
    }

  return last;
}

typedef struct
{
  gsize    start;
  gsize    key_start;      /* after leading blank lines, indentation and `export ` */
  gsize    key_text_start;
  gsize    key_text_end;
  gsize    key_end;        /* after the key, closing quote included */
  gsize    value_start;    /* opening quote included */
  gsize    value_end;      /* closing quote included; trailing blanks and comment excluded */
  gsize    content_end;    /* where the line break ending the binding starts */
  gsize    end;
  char     quote;
  gboolean has_key;
  gboolean has_value;
  gboolean error;
} Binding;

static void
parse_binding (const char *text,
               gsize       length,
               gsize       pos,
               Binding    *b)
{
  gsize p;

  memset (b, 0, sizeof *b);
  b->start = pos;

  p = skip_spaces (text, length, pos, TRUE);
  b->key_start = p;
  if (p == length)
    {
      b->content_end = b->end = length;
      return;
    }

  if (length - p > 6 && memcmp (text + p, "export", 6) == 0)
    {
      gsize after = skip_spaces (text, length, p + 6, FALSE);

      if (after > p + 6)
        p = after;
    }
  b->key_start = p;
  if (p == length)
    goto error;

  if (text[p] == '\'')
    {
      const char *close = memchr (text + p + 1, '\'', length - p - 1);

      if (close == NULL || close == text + p + 1)
        goto error;
      b->has_key = TRUE;
      b->key_text_start = p + 1;
      b->key_text_end = close - text;
      b->key_end = p = b->key_text_end + 1;
    }
  else if (text[p] != '#')
    {
      gsize q = p;

      while (q < length && text[q] != '=' && text[q] != '#' && space_len (text, length, q) == 0)
        q++;
      if (q == p)
        goto error;
      b->has_key = TRUE;
      b->key_text_start = p;
      b->key_text_end = b->key_end = p = q;
    }

  p = skip_spaces (text, length, p, FALSE);
  if (b->has_key && p < length && text[p] == '=')
    {
      p = skip_spaces (text, length, p + 1, FALSE);
      b->has_value = TRUE;
      b->value_start = p;

      if (p < length && (text[p] == '\'' || text[p] == '"'))
        {
          gsize close;

          if (!match_quoted (text, length, p, text[p], &close))
            goto error;
          b->quote = text[p];
          b->value_end = p = close + 1;
        }
      else if (p < length && !is_line_break (text[p]))
        {
          gsize eol = p;

          while (eol < length && !is_line_break (text[eol]))
            eol++;
          b->value_end = unquoted_end (text, eol, p);
          p = eol;
        }
      else
        b->value_end = p;
    }

  /* An optional comment, then the end of the line. */
  {
    gsize q = skip_spaces (text, length, p, FALSE);
    gsize eol_len;

    if (q < length && text[q] == '#')
      {
        while (q < length && !is_line_break (text[q]))
          q++;
        p = q;
      }

    q = skip_spaces (text, length, p, FALSE);
    eol_len = line_break_len (text, length, q);
    if (eol_len == 0 && q < length)
      goto error;

    b->content_end = q;
    b->end = q + eol_len;
    return;
  }

error:
  b->error = TRUE;
  while (p < length && !is_line_break (text[p]))
    p++;
  b->content_end = p;
  b->end = p + line_break_len (text, length, p);
}

static gboolean
binding_has_key (const char    *text,
                 const Binding *b,
                 const char    *key)
{
  gsize len = strlen (key);

  return b->has_key
         && b->key_text_end - b->key_text_start == len
         && memcmp (text + b->key_text_start, key, len) == 0;
}

/* Appends text[from, to) with each line break read as \n, as Python's universal newlines do. */
static void
append_newlines_normalized (Buf        *buf,
                            const char *text,
                            gsize       from,
                            gsize       to)
{
  while (from < to)
    {
      if (text[from] == '\r')
        {
          buf_append_c (buf, '\n');
          from += (from + 1 < to && text[from + 1] == '\n') ? 2 : 1;
        }
      else
        buf_append_c (buf, text[from++]);
    }
}

static void
append_value (Buf           *buf,
              const char    *text,
              const Binding *b)
{
  /* The escapes python-dotenv decodes in double quotes, besides \\ \' and \". */
  static const char letters[] = "abfnrtv";
  static const char controls[] = "\a\b\f\n\r\t\v";
  const char *letter;
  gsize i, end;

  if (b->quote == 0)
    {
      buf_append_len (buf, text + b->value_start, b->value_end - b->value_start);
      return;
    }

  i = b->value_start + 1;
  end = b->value_end - 1;
  while (i < end)
    {
      if (text[i] == '\\' && i + 1 < end)
        {
          char c = text[i + 1];
          char decoded = 0;

          if (c == '\\' || c == '\'' || (b->quote == '"' && c == '"'))
            decoded = c;
          else if (b->quote == '"' && c != '\0' && (letter = strchr (letters, c)) != NULL)
            decoded = controls[letter - letters];

          if (decoded != 0)
            {
              buf_append_c (buf, decoded);
              i += 2;
              continue;
            }
        }

      if (text[i] == '\r')
        {
          buf_append_c (buf, '\n');
          i += (i + 1 < end && text[i + 1] == '\n') ? 2 : 1;
        }
      else
        buf_append_c (buf, text[i++]);
    }
}

/* Calls @func for each binding; stops early when it returns FALSE. */
typedef gboolean (*BindingFunc) (const char    *text,
                                 const Binding *b,
                                 gpointer       user_data);

static void
foreach_binding (const char  *text,
                 gsize        length,
                 BindingFunc  func,
                 gpointer     user_data)
{
  gsize pos = 0;

  while (pos < length)
    {
      Binding b;

      parse_binding (text, length, pos, &b);
      /* Every binding consumes at least one byte; stay safe if that ever breaks. */
      g_assert (b.end > pos);
      if (!func (text, &b, user_data))
        return;
      pos = b.end;
    }
}

typedef struct
{
  const char *key;
  Binding     last;
  gboolean    found;
} LookupData;

static gboolean
lookup_cb (const char    *text,
           const Binding *b,
           gpointer       user_data)
{
  LookupData *data = user_data;

  if (!b->error && binding_has_key (text, b, data->key))
    {
      data->last = *b;
      data->found = TRUE;
    }

  return TRUE;
}

char *
tts_dotenv_lookup (const char *text,
                   gsize       length,
                   const char *key)
{
  g_auto(Buf) buf = { 0 };
  LookupData data = { key, };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  foreach_binding (text, length, lookup_cb, &data);
  if (!data.found || !data.last.has_value)
    return NULL;

  append_value (&buf, text, &data.last);

  return buf_steal (&buf, NULL);
}

static gboolean
is_safe_unquoted (char c)
{
  return g_ascii_isalnum (c) || strchr ("._~+/:@%,=-", c) != NULL;
}

/* python-dotenv expands ${NAME} and ${NAME:-default} in every value, quoted or not, and
 * has no escape for it. Refuse anything that could look like one. */
static gboolean
has_expansion (const char *value)
{
  const char *dollar = strstr (value, "${");

  return dollar != NULL && strchr (dollar + 2, '}') != NULL;
}

char *
tts_dotenv_quote_value (const char *value)
{
  g_auto(Buf) buf = { 0 };
  gsize len;
  gboolean safe = TRUE;
  gboolean printable = TRUE;

  g_return_val_if_fail (value != NULL, NULL);

  len = strlen (value);
  if (!g_utf8_validate (value, len, NULL) || strpbrk (value, "\r\n") != NULL
      || has_expansion (value))
    return NULL;

  if (len == 0)
    return g_strdup ("''");

  for (gsize i = 0; i < len; i++)
    {
      safe = safe && is_safe_unquoted (value[i]);
      printable = printable && (guchar) value[i] > ' ' && (guchar) value[i] < 0x7f;
    }

  if (safe)
    return g_strdup (value);

  /* In quotes, a final backslash would escape the closing quote for python-dotenv's
   * regex, which then runs on to the next quote in the file. Unquoted it is read as is,
   * as long as there is no blank (comments, trimming) or leading quote. */
  if (value[len - 1] == '\\')
    {
      if (printable && value[0] != '\'' && value[0] != '"')
        return g_strdup (value);
      return NULL;
    }

  buf_append_c (&buf, '\'');
  for (gsize i = 0; i < len; i++)
    {
      if (value[i] == '\\' || value[i] == '\'')
        buf_append_c (&buf, '\\');
      buf_append_c (&buf, value[i]);
    }
  buf_append_c (&buf, '\'');

  return buf_steal (&buf, NULL);
}

static int
key_index (const char         *text,
           const Binding      *b,
           const char * const *keys)
{
  for (int i = 0; keys[i] != NULL; i++)
    if (binding_has_key (text, b, keys[i]))
      return i;

  return -1;
}

static const char *
dominant_line_break (const char *text,
                     gsize       length)
{
  gsize lf = 0, crlf = 0, cr = 0;

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '\n')
        lf++;
      else if (text[i] == '\r' && i + 1 < length && text[i + 1] == '\n')
        {
          crlf++;
          i++;
        }
      else if (text[i] == '\r')
        cr++;
    }

  if (crlf > lf && crlf >= cr)
    return "\r\n";
  if (cr > lf && cr > crlf)
    return "\r";
  return "\n";
}

typedef struct
{
  const char * const *keys;
  Buf                *out;
} SerializeData;

static void
append_sized (Buf        *buf,
              const char *data,
              gsize       len)
{
  buf_append_len (buf, (const char *) &len, sizeof len);
  buf_append_len (buf, data, len);
}

/* Writes each binding of a key not in @keys, key and decoded value, to compare two texts. */
static gboolean
serialize_others_cb (const char    *text,
                     const Binding *b,
                     gpointer       user_data)
{
  SerializeData *data = user_data;
  g_auto(Buf) part = { 0 };

  if (b->error || !b->has_key || key_index (text, b, data->keys) >= 0)
    return TRUE;

  append_newlines_normalized (&part, text, b->key_text_start, b->key_text_end);
  append_sized (data->out, part.data, part.len);
  buf_clear (&part);

  buf_append_c (data->out, b->has_value ? 'v' : 'n');
  if (b->has_value)
    {
      append_value (&part, text, b);
      append_sized (data->out, part.data != NULL ? part.data : "", part.len);
    }

  return TRUE;
}

/* The safety net: python-dotenv must read our values exactly from @merged, and every
 * other key exactly as it read it from @existing. */
static gboolean
merge_is_faithful (const char         *existing,
                   gsize               existing_length,
                   const char         *merged,
                   gsize               merged_length,
                   const char * const *keys,
                   const char * const *values)
{
  g_auto(Buf) before = { 0 };
  g_auto(Buf) after = { 0 };
  SerializeData data;

  for (int i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(TtsSecret) read_back = tts_dotenv_lookup (merged, merged_length, keys[i]);

      if (read_back == NULL || strcmp (read_back, values[i]) != 0)
        return FALSE;
    }

  data.keys = keys;
  data.out = &before;
  if (existing != NULL)
    foreach_binding (existing, existing_length, serialize_others_cb, &data);
  data.out = &after;
  foreach_binding (merged, merged_length, serialize_others_cb, &data);

  return before.len == after.len && (before.len == 0 || memcmp (before.data, after.data, before.len) == 0);
}

static void
append_assignment (Buf        *out,
                   const char *key,
                   const char *quoted)
{
  buf_append (out, key);
  buf_append_c (out, '=');
  buf_append (out, quoted);
}

/* A comment right after the old value must not become part of an unquoted new one. */
static void
append_tail (Buf        *out,
             const char *text,
             gsize       from,
             gsize       to)
{
  if (from < to && text[from] == '#')
    buf_append_c (out, ' ');
  buf_append_len (out, text + from, to - from);
}

char *
tts_dotenv_merge (const char         *existing,
                  gsize               existing_length,
                  const char * const *keys,
                  const char * const *values,
                  gsize              *out_length,
                  GError            **error)
{
  g_auto(Buf) out = { 0 };
  g_autofree gboolean *seen = NULL;
  char **quoted;
  guint n_keys;
  gboolean ok = FALSE;

  g_return_val_if_fail (existing != NULL || existing_length == 0, NULL);
  g_return_val_if_fail (keys != NULL, NULL);
  g_return_val_if_fail (values != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_keys = g_strv_length ((char **) keys);
  for (guint i = 0; i < n_keys; i++)
    g_return_val_if_fail (values[i] != NULL, NULL);

  quoted = g_new0 (char *, n_keys + 1);
  seen = g_new0 (gboolean, n_keys);

  for (guint i = 0; i < n_keys; i++)
    {
      quoted[i] = tts_dotenv_quote_value (values[i]);
      if (quoted[i] == NULL)
        {
          g_set_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT,
                       /* Translators: %s is a name such as TT_API_CLIENT_SECRET. */
                       _("The value for %s contains characters that cannot be saved in a "
                         ".secrets file."),
                       keys[i]);
          goto out;
        }
    }

  if (existing == NULL || existing_length == 0)
    {
      buf_append (&out, new_file_header);
      for (guint i = 0; i < n_keys; i++)
        {
          append_assignment (&out, keys[i], quoted[i]);
          buf_append_c (&out, '\n');
        }
    }
  else
    {
      const char *text = existing;
      gsize pos = 0;
      gboolean missing = FALSE;

      while (pos < existing_length)
        {
          Binding b;
          int i;

          parse_binding (text, existing_length, pos, &b);
          g_assert (b.end > pos);
          pos = b.end;

          i = key_index (text, &b, keys);
          if (i < 0)
            {
              buf_append_len (&out, text + b.start, b.end - b.start);
              continue;
            }

          /* Keep what leads the key (blank lines, indentation, `export `) and what ends it. */
          seen[i] = TRUE;
          buf_append_len (&out, text + b.start, b.key_start - b.start);
          if (b.error)
            {
              append_assignment (&out, keys[i], quoted[i]);
              buf_append_len (&out, text + b.content_end, b.end - b.content_end);
            }
          else if (b.has_value)
            {
              buf_append (&out, keys[i]);
              buf_append_len (&out, text + b.key_end, b.value_start - b.key_end);
              buf_append (&out, quoted[i]);
              append_tail (&out, text, b.value_end, b.end);
            }
          else
            {
              append_assignment (&out, keys[i], quoted[i]);
              append_tail (&out, text, b.key_end, b.end);
            }
        }

      for (guint i = 0; i < n_keys; i++)
        missing = missing || !seen[i];

      if (missing)
        {
          const char *eol = dominant_line_break (text, existing_length);

          if (!is_line_break (text[existing_length - 1]))
            buf_append (&out, eol);
          for (guint i = 0; i < n_keys; i++)
            {
              if (seen[i])
                continue;
              append_assignment (&out, keys[i], quoted[i]);
              buf_append (&out, eol);
            }
        }
    }

  if (!merge_is_faithful (existing, existing_length, out.data, out.len, keys, values))
    {
      g_set_error_literal (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE,
                           _("The existing file has a line that could not be kept as it is "
                             "while adding the new values."));
      goto out;
    }

  ok = TRUE;

out:
  for (guint i = 0; i < n_keys; i++)
    tts_wipe_free (quoted[i]);
  g_free (quoted);

  if (!ok)
    return NULL;

  return buf_steal (&out, out_length);
}

/* fuzz-dotenv.c: the .secrets reader and merger on whatever a user's file holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is an existing file, any bytes, NULs included. It is read with tts_dotenv_lookup()
 * and merged with tts_dotenv_merge() twice, with realistic values and with values that need
 * quoting. When it holds NULs, the last (up to) three NUL-separated pieces are values for the
 * three keys instead: "existing\0client id\0client secret\0refresh token"; those are also
 * written into a new file. What a successful merge must hold:
 *  - each key reads back exactly the value written;
 *  - every line that does not mention one of the three keys survives byte for byte (when a
 *    line that does has a quote, whose value may run over several lines, only the text before
 *    it is checked);
 *  - every other key reads back as before;
 *  - merging the result again with the same values changes nothing.
 * A merge fails only with TTS_ERROR_INVALID_INPUT, exactly when a value cannot be written, or
 * with TTS_ERROR_UNSAFE_FILE for an existing file, never for a new one.
 */

#include "config.h"

#include <string.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-wipe.h"

#include "fuzz-target.h"

#define N_KEYS 3
/* Enough other keys to compare; the merger itself compares them all. */
#define MAX_OTHER_KEYS 8

static const char * const keys[N_KEYS + 1] = {
  TTS_DOTENV_KEY_CLIENT_ID,
  TTS_DOTENV_KEY_CLIENT_SECRET,
  TTS_DOTENV_KEY_REFRESH_TOKEN,
  NULL
};

static const char * const plain_values[N_KEYS + 1] = {
  "3f2a9c1e-5b7d-4e8f-a6b2-0c9d8e7f6a5b",
  "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c",
  "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ0YXN0eXRyYWRlIn0.c2lnbmF0dXJl",
  NULL
};

/* Each needs quotes, and can be written. */
static const char * const quoted_values[N_KEYS + 1] = {
  "it's a \"client\" #1 = $HOME",
  "",
  "\u00fcn\u00efc\u00f6de \\ ${NOT_CLOSED",
  NULL
};

/* Offset of @needle in @haystack[0, @length), or -1; both may hold NULs. */
static gssize
find (const char *haystack,
      gsize       length,
      const char *needle,
      gsize       needle_length)
{
  for (gsize i = 0; i + needle_length <= length; i++)
    if (memcmp (haystack + i, needle, needle_length) == 0)
      return i;

  return -1;
}

static gssize
last_nul (const char *text,
          gsize       length)
{
  while (length > 0)
    if (text[--length] == '\0')
      return length;

  return -1;
}

static gboolean
mentions_a_key (const char *line,
                gsize       length)
{
  for (guint i = 0; i < N_KEYS; i++)
    if (find (line, length, keys[i], strlen (keys[i])) >= 0)
      return TRUE;

  return FALSE;
}

static gboolean
has_quote (const char *line,
           gsize       length)
{
  return memchr (line, '\'', length) != NULL || memchr (line, '"', length) != NULL;
}

/* End of the line starting at @start, its \n included. */
static gsize
line_end (const char *text,
          gsize       length,
          gsize       start)
{
  const char *newline = memchr (text + start, '\n', length - start);

  return newline != NULL ? (gsize) (newline - text) + 1 : length;
}

static void
check_other_lines_kept (const char *existing,
                        gsize       existing_length,
                        const char *merged,
                        gsize       merged_length)
{
  gsize first_key_line = existing_length;
  gboolean quoted_key_line = FALSE;
  gsize start, merged_start;

  for (start = 0; start < existing_length; start = line_end (existing, existing_length, start))
    {
      gsize end = line_end (existing, existing_length, start);

      if (mentions_a_key (existing + start, end - start))
        {
          first_key_line = MIN (first_key_line, start);
          quoted_key_line = quoted_key_line || has_quote (existing + start, end - start);
        }
    }

  /* A quoted value may run over lines, and all of them are rewritten: only what comes
   * before the first line naming a key is sure to be kept. */
  if (quoted_key_line)
    {
      g_assert_cmpuint (merged_length, >=, first_key_line);
      g_assert_true (first_key_line == 0 || memcmp (existing, merged, first_key_line) == 0);
      return;
    }

  /* Otherwise each binding of a key is one line, rewritten as one line (values never hold
   * line breaks), and keys not found are appended: the lines correspond one to one. */
  merged_start = 0;
  for (start = 0; start < existing_length; start = line_end (existing, existing_length, start))
    {
      gsize end = line_end (existing, existing_length, start);
      gsize merged_end;

      g_assert_cmpuint (merged_start, <, merged_length);
      merged_end = line_end (merged, merged_length, merged_start);

      if (!mentions_a_key (existing + start, end - start))
        {
          gsize length = end - start;

          /* A last line without a line break may have gained one, and the appended keys. */
          if (existing[end - 1] == '\n')
            g_assert_cmpuint (merged_end - merged_start, ==, length);
          else
            g_assert_cmpuint (merged_end - merged_start, >=, length);
          g_assert_true (memcmp (existing + start, merged + merged_start, length) == 0);
        }

      merged_start = merged_end;
    }
}

/* Names that look assigned on some line: `[export ]NAME=`. */
static GPtrArray *
other_keys (const char *text,
            gsize       length)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (gsize start = 0; start < length && names->len < MAX_OTHER_KEYS;
       start = line_end (text, length, start))
    {
      gsize end = line_end (text, length, start);
      gsize p = start, name_start;

      while (p < end && (text[p] == ' ' || text[p] == '\t'))
        p++;
      if (end - p > 7 && memcmp (text + p, "export ", 7) == 0)
        p += 7;
      name_start = p;
      while (p < end && strchr ("= \t\r\n#'\"", text[p]) == NULL)
        p++;
      if (p > name_start && p < end && text[p] == '=')
        {
          char *name = g_strndup (text + name_start, p - name_start);

          if (name[0] != '\0' && !g_strv_contains (keys, name))
            g_ptr_array_add (names, name);
          else
            g_free (name);
        }
    }

  return names;
}

static void
check_other_keys_unchanged (const char *existing,
                            gsize       existing_length,
                            const char *merged,
                            gsize       merged_length)
{
  g_autoptr(GPtrArray) names = other_keys (existing, existing_length);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *before = tts_dotenv_lookup (existing, existing_length, names->pdata[i]);
      g_autofree char *after = tts_dotenv_lookup (merged, merged_length, names->pdata[i]);

      g_assert_cmpstr (before, ==, after);
    }
}

static void
free_merged (char  *merged,
             gsize  length)
{
  /* tts_wipe_free() stops at a NUL; an existing file may have brought some. */
  tts_wipe (merged, length);
  g_free (merged);
}

static void
merge_and_check (const char         *existing,
                 gsize               existing_length,
                 const char * const *values)
{
  g_autoptr(GError) error = NULL;
  gboolean writable = TRUE;
  gsize merged_length = 0;
  char *merged;

  for (guint i = 0; i < N_KEYS; i++)
    {
      char *quoted = tts_dotenv_quote_value (values[i]);

      writable = writable && quoted != NULL;
      tts_wipe_free (quoted);
    }

  merged = tts_dotenv_merge (existing, existing_length, keys, values, &merged_length, &error);
  if (merged == NULL)
    {
      if (!writable)
        g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
      else
        g_assert_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);
      /* A new file can always take values that can be written. */
      g_assert_true (!writable || existing_length > 0);
      return;
    }

  g_assert_no_error (error);
  g_assert_true (writable);
  g_assert_cmpint (merged[merged_length], ==, '\0');

  for (guint i = 0; i < N_KEYS; i++)
    {
      g_autoptr(TtsSecret) read_back = tts_dotenv_lookup (merged, merged_length, keys[i]);

      g_assert_cmpstr (read_back, ==, values[i]);
    }

  check_other_lines_kept (existing, existing_length, merged, merged_length);
  check_other_keys_unchanged (existing, existing_length, merged, merged_length);

  /* Saving the same values again leaves the file as it is. */
  {
    g_autoptr(GError) again_error = NULL;
    gsize again_length = 0;
    char *again;

    again = tts_dotenv_merge (merged, merged_length, keys, values, &again_length, &again_error);
    g_assert_no_error (again_error);
    g_assert_cmpmem (again, again_length, merged, merged_length);
    free_merged (again, again_length);
  }

  free_merged (merged, merged_length);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;
  const char *text = (const char *) data;
  const char *values[N_KEYS + 1] = { NULL, };
  gsize existing_length = size;
  guint n_values = 0;

  if (!initialized)
    {
      fuzz_make_warnings_fatal ();
      for (guint i = 0; i < N_KEYS; i++)
        {
          g_autoptr(TtsSecret) quoted = tts_dotenv_quote_value (quoted_values[i]);

          g_assert_nonnull (quoted);
        }
      initialized = TRUE;
    }

  /* The reader on its own, on the raw input. */
  for (guint i = 0; i < N_KEYS; i++)
    tts_wipe_free (tts_dotenv_lookup (text, size, keys[i]));

  merge_and_check (text, size, plain_values);
  merge_and_check (text, size, quoted_values);

  /* "existing\0v1\0v2\0v3": split the last NUL-separated pieces off as values. */
  while (n_values < N_KEYS && existing_length > 0)
    {
      gssize nul = last_nul (text, existing_length);

      if (nul < 0)
        break;
      existing_length = nul;
      n_values++;
    }
  if (n_values == 0)
    return 0;

  {
    const char *p = text + existing_length;

    for (guint i = 0; i < N_KEYS; i++)
      {
        if (i < n_values)
          {
            /* Skip the NUL; the piece ends at the next one or at the end. */
            const char *start = p + 1;
            const char *end = memchr (start, '\0', size - (start - text));

            if (end == NULL)
              end = text + size;
            values[i] = g_strndup (start, end - start);
            p = end;
          }
        else
          values[i] = g_strdup (plain_values[i]);
      }
  }

  merge_and_check (text, existing_length, values);
  merge_and_check (NULL, 0, values);

  for (guint i = 0; i < N_KEYS; i++)
    tts_wipe_free ((char *) values[i]);

  return 0;
}

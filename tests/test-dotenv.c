/* test-dotenv.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tts-dotenv.h"
#include "tts-error.h"
#include "tts-test-python-dotenv.h"

static const char * const our_keys[] = {
  TTS_DOTENV_KEY_CLIENT_ID,
  TTS_DOTENV_KEY_CLIENT_SECRET,
  TTS_DOTENV_KEY_REFRESH_TOKEN,
  NULL
};

/* ---- helpers ---- */

static char *
merge_ok (const char         *existing,
          const char * const *keys,
          const char * const *values)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  char *merged;

  merged = tts_dotenv_merge (existing, existing != NULL ? strlen (existing) : 0,
                             keys, values, &length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (merged);
  g_assert_cmpuint (length, ==, strlen (merged));

  return merged;
}

static char *
lookup (const char *text,
        const char *key)
{
  return tts_dotenv_lookup (text, strlen (text), key);
}

static gboolean
skip_without_python (void)
{
  if (tts_test_python_dotenv_available ())
    return FALSE;

  g_test_skip ("python3 with the dotenv module is not installed");
  return TRUE;
}

/* Writes @text to a file and returns what python-dotenv reads from it. */
static GHashTable *
python_read (const char *text,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tts-dotenv-XXXXXX", &error);
  g_autofree char *path = NULL;
  GHashTable *values;

  g_assert_no_error (error);
  path = g_build_filename (dir, "env", NULL);
  g_assert_true (g_file_set_contents (path, text, length, &error));
  values = tts_test_python_dotenv_read (path);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  return values;
}

static char *
long_token (gsize length)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  char *token = g_malloc (length + 1);

  for (gsize i = 0; i < length; i++)
    token[i] = alphabet[(i * 7 + i / 13) % (sizeof alphabet - 1)];
  token[length] = '\0';

  return token;
}

/* ---- quoting ---- */

static void
test_quote_unquoted (void)
{
  static const char *plain[] = {
    "abc",
    "0123456789",
    "a-b_c.d~e+f/g:h@i%j,k",
    "a=b==",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl-_",
    "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  };

  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      g_autofree char *quoted = tts_dotenv_quote_value (plain[i]);

      g_assert_cmpstr (quoted, ==, plain[i]);
    }
}

static void
test_quote_quoted (void)
{
  static const struct { const char *value, *quoted; } cases[] = {
    { "", "''" },
    { "a#b", "'a#b'" },
    { "$HOME", "'$HOME'" },
    { "two words", "'two words'" },
    { "it's", "'it\\'s'" },
    { "say \"hi\"", "'say \"hi\"'" },
    { "a\\b", "'a\\\\b'" },
    { "\\'", "'\\\\\\''" },
    { "tab\there", "'tab\there'" },
    { "caf\xc3\xa9", "'caf\xc3\xa9'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *quoted = tts_dotenv_quote_value (cases[i].value);

      g_assert_cmpstr (quoted, ==, cases[i].quoted);
    }
}

static void
test_quote_refused (void)
{
  static const char *refused[] = {
    "line\nbreak",
    "carriage\rreturn",
    "\r\n",
    "invalid \xff utf-8",
    "${HOME}",
    "pre${X:-default}post",
    /* A final backslash in quotes would escape the closing quote. */
    "two words\\",
    "'quoted\\",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *quoted = tts_dotenv_quote_value (refused[i]);

      g_assert_null (quoted);
    }
}

static void
test_quote_trailing_backslash (void)
{
  g_autofree char *one = tts_dotenv_quote_value ("\\");
  g_autofree char *word = tts_dotenv_quote_value ("it's#odd\\");

  g_assert_cmpstr (one, ==, "\\");
  g_assert_cmpstr (word, ==, "it's#odd\\");
}

/* Every value python-dotenv must read back exactly. */
static const char *tricky_values[] = {
  "plain",
  "a=b=c",
  "=",
  "#hash",
  "a #b",
  "a# b",
  "a\t#b",
  "$",
  "$HOME",
  "${",
  "}{$",
  "it's",
  "'",
  "''",
  "\"",
  "\"\"",
  "say \"hi\"",
  "with space",
  "  padded  ",
  " ",
  "back\\slash",
  "\\\\",
  "two\\\\back slashes",
  "x\\'y",
  "\\'",
  "\\\"",
  "ends'",
  "'starts",
  "\"starts",
  "tab\there",
  "\\n is not a line break",
  "\\t\\v\\a",
  "caf\xc3\xa9 \xe2\x82\xac",
  "nbsp\xc2\xa0",
  "\x0b\x0c",
  "trailing\\",
  "\\",
  "it's#odd\\",
  "",
};

static void
test_python_round_trip (void)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  g_autofree char *token = long_token (800);
  g_autofree char *merged = NULL;
  g_autoptr(GHashTable) read = NULL;

  if (skip_without_python ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (tricky_values); i++)
    {
      g_ptr_array_add (keys, g_strdup_printf ("KEY_%u", i));
      g_ptr_array_add (values, (gpointer) tricky_values[i]);
    }
  g_ptr_array_add (keys, g_strdup (TTS_DOTENV_KEY_REFRESH_TOKEN));
  g_ptr_array_add (values, token);
  g_ptr_array_add (keys, NULL);
  g_ptr_array_add (values, NULL);

  merged = merge_ok (NULL, (const char * const *) keys->pdata, (const char * const *) values->pdata);
  read = python_read (merged, strlen (merged));

  g_assert_cmpuint (g_hash_table_size (read), ==, keys->len - 1);
  for (guint i = 0; i < keys->len - 1; i++)
    {
      const char *key = keys->pdata[i];
      g_autofree char *ours = lookup (merged, key);

      g_test_message ("%s", key);
      g_assert_cmpstr (g_hash_table_lookup (read, key), ==, values->pdata[i]);
      g_assert_cmpstr (ours, ==, values->pdata[i]);
    }
}

/* A file with every odd corner python-dotenv has; our reader must agree with it. */
static const char tricky_file[] =
  "# comment\n"
  "export A=1\n"
  "  B = two words  # comment\n"
  "C='single # not a comment' # comment\n"
  "D=\"double \\\"q\\\" \\n \\t \\x\"\n"
  "E='multi\n"
  "line'\n"
  "F\n"
  "G=\n"
  "H=#hash\n"
  "I=a#b\n"
  "K=k\n"
  "'L'=quoted key\n"
  "M=  'spaced'   \n"
  "N=x'y\n"
  "O='a\\\\'\n"
  "P='b'\n"
  "Q='x' junk\n"
  "R=r\r\n"
  "S=s\rS2=s2\n"
  "T=\xc2\xa0nb\xc2\xa0 \n"
  "export  U=u\n"
  "exportV=v\n"
  "W=\"w\"#c\n"
  "X='x\\'y'\n"
  "= nokey\n"
  "Y=last\n"
  "Y=wins\n"
  "Z=\"unterminated\n"
  "Z2=after";

static void
test_python_lookup_agrees (void)
{
  static const char *names[] = {
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "K", "L", "'L'", "M", "N", "O", "P", "Q",
    "R", "S", "S2", "T", "U", "V", "exportV", "W", "X", "Y", "Z", "Z2", "export", "nokey",
  };
  g_autoptr(GHashTable) read = NULL;
  gsize length = sizeof tricky_file - 1;

  if (skip_without_python ())
    return;

  read = python_read (tricky_file, length);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *ours = tts_dotenv_lookup (tricky_file, length, names[i]);

      g_test_message ("%s", names[i]);
      g_assert_cmpstr (ours, ==, g_hash_table_lookup (read, names[i]));
    }

  /* Every key python-dotenv found is one of the names above. */
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, read);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_true (g_strv_contains (names, key));
  }
}

/* Merging into the odd file changes our keys and nothing else python-dotenv reads. */
static void
test_python_merge_preserves_others (void)
{
  const char *values[] = { "new id", "new's secret#", "tok.en-1", NULL };
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autofree char *merged = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (skip_without_python ())
    return;

  merged = merge_ok (tricky_file, our_keys, values);
  g_assert_true (g_str_has_prefix (merged, tricky_file));

  before = python_read (tricky_file, strlen (tricky_file));
  after = python_read (merged, strlen (merged));

  g_assert_cmpuint (g_hash_table_size (after), ==, g_hash_table_size (before) + 3);
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_true (g_hash_table_contains (after, key));
      g_assert_cmpstr (g_hash_table_lookup (after, key), ==, value);
    }
  for (guint i = 0; our_keys[i] != NULL; i++)
    g_assert_cmpstr (g_hash_table_lookup (after, our_keys[i]), ==, values[i]);
}

/* ---- merging ---- */

static void
test_merge_new_file (void)
{
  const char *values[] = { "my-client-id", "my secret", "eyJ.tok-en_", NULL };
  g_autofree char *from_null = merge_ok (NULL, our_keys, values);
  g_autofree char *from_empty = merge_ok ("", our_keys, values);

  g_assert_cmpstr (from_null, ==,
                   "# Tastytrade OAuth credentials, written by Tastytrade API Setup\n"
                   "# DO NOT COMMIT THIS FILE TO VERSION CONTROL\n"
                   "# Keep this file secure and private\n"
                   "\n"
                   "TT_API_CLIENT_ID=my-client-id\n"
                   "TT_API_CLIENT_SECRET='my secret'\n"
                   "TT_REFRESH_TOKEN=eyJ.tok-en_\n");
  g_assert_cmpstr (from_empty, ==, from_null);
}

static void
test_merge_preserves_bytes (void)
{
  const char *values[] = { "new-id", "s#cret", "tok", NULL };
  g_autofree char *merged = NULL;

  /* CRLF, comments, blank lines, another key, indentation, export, a note after the
   * value, spaces around '=', no final newline: all kept, the token appended. */
  merged = merge_ok ("# My project\r\n"
                     "\r\n"
                     "OTHER=1\r\n"
                     "  export TT_API_CLIENT_ID=old-id   # keep this note\r\n"
                     "TT_API_CLIENT_SECRET = 'old secret'\r\n"
                     "\r\n"
                     "LAST=x",
                     our_keys, values);
  g_assert_cmpstr (merged, ==,
                   "# My project\r\n"
                   "\r\n"
                   "OTHER=1\r\n"
                   "  export TT_API_CLIENT_ID=new-id   # keep this note\r\n"
                   "TT_API_CLIENT_SECRET = 's#cret'\r\n"
                   "\r\n"
                   "LAST=x\r\n"
                   "TT_REFRESH_TOKEN=tok\r\n");
}

static void
test_merge_line_endings (void)
{
  const char *values[] = { "a", "b", "c", NULL };
  g_autofree char *lf = merge_ok ("X=1\nY=2", our_keys, values);
  g_autofree char *mixed = merge_ok ("X=1\r\nY=2\r\nZ=3\n", our_keys, values);
  g_autofree char *cr = merge_ok ("X=1\rY=2\r", our_keys, values);
  g_autofree char *comment_only = merge_ok ("# only a comment", our_keys, values);

  g_assert_cmpstr (lf, ==,
                   "X=1\nY=2\nTT_API_CLIENT_ID=a\nTT_API_CLIENT_SECRET=b\nTT_REFRESH_TOKEN=c\n");
  /* Each line keeps its own ending; appended lines take the dominant one. */
  g_assert_cmpstr (mixed, ==,
                   "X=1\r\nY=2\r\nZ=3\n"
                   "TT_API_CLIENT_ID=a\r\nTT_API_CLIENT_SECRET=b\r\nTT_REFRESH_TOKEN=c\r\n");
  g_assert_cmpstr (cr, ==,
                   "X=1\rY=2\rTT_API_CLIENT_ID=a\rTT_API_CLIENT_SECRET=b\rTT_REFRESH_TOKEN=c\r");
  g_assert_cmpstr (comment_only, ==,
                   "# only a comment\n"
                   "TT_API_CLIENT_ID=a\nTT_API_CLIENT_SECRET=b\nTT_REFRESH_TOKEN=c\n");
}

static void
test_merge_in_place_no_final_newline (void)
{
  const char *values[] = { "a", "b", "c", NULL };
  g_autofree char *merged = NULL;

  merged = merge_ok ("TT_REFRESH_TOKEN=old\nTT_API_CLIENT_ID=old\nTT_API_CLIENT_SECRET=old",
                     our_keys, values);
  g_assert_cmpstr (merged, ==,
                   "TT_REFRESH_TOKEN=c\nTT_API_CLIENT_ID=a\nTT_API_CLIENT_SECRET=b");
}

static void
test_merge_duplicates (void)
{
  const char *values[] = { "id", "secret", "new", NULL };
  g_autofree char *merged = NULL;
  g_autofree char *token = NULL;

  merged = merge_ok ("TT_REFRESH_TOKEN=first\n"
                     "TT_API_CLIENT_ID=x\n"
                     "TT_API_CLIENT_SECRET=y\n"
                     "export TT_REFRESH_TOKEN='second'\n"
                     "TT_REFRESH_TOKEN\n"
                     "'TT_REFRESH_TOKEN'=fourth # note\n",
                     our_keys, values);
  g_assert_cmpstr (merged, ==,
                   "TT_REFRESH_TOKEN=new\n"
                   "TT_API_CLIENT_ID=id\n"
                   "TT_API_CLIENT_SECRET=secret\n"
                   "export TT_REFRESH_TOKEN=new\n"
                   "TT_REFRESH_TOKEN=new\n"
                   "TT_REFRESH_TOKEN=new # note\n");
  token = lookup (merged, TTS_DOTENV_KEY_REFRESH_TOKEN);
  g_assert_cmpstr (token, ==, "new");
}

static void
test_merge_comment_after_value (void)
{
  const char *values[] = { "id", "secret", "new", NULL };
  g_autofree char *merged = NULL;
  g_autofree char *token = NULL;

  /* '#' right after a quoted value is a comment; after an unquoted one it would not be. */
  merged = merge_ok ("TT_API_CLIENT_ID=i\nTT_API_CLIENT_SECRET=s\nTT_REFRESH_TOKEN='old'#note\n",
                     our_keys, values);
  g_assert_cmpstr (merged, ==,
                   "TT_API_CLIENT_ID=id\nTT_API_CLIENT_SECRET=secret\nTT_REFRESH_TOKEN=new #note\n");
  token = lookup (merged, TTS_DOTENV_KEY_REFRESH_TOKEN);
  g_assert_cmpstr (token, ==, "new");
}

static void
test_merge_multiline_value_of_other_key (void)
{
  const char *values[] = { "id", "secret", "new", NULL };
  const char *existing = "NOTE='text that mentions\nTT_REFRESH_TOKEN=not-a-key\nin a quoted value'\n";
  g_autofree char *merged = merge_ok (existing, our_keys, values);
  g_autofree char *expected = g_strconcat (existing,
                                           "TT_API_CLIENT_ID=id\n"
                                           "TT_API_CLIENT_SECRET=secret\n"
                                           "TT_REFRESH_TOKEN=new\n",
                                           NULL);

  g_assert_cmpstr (merged, ==, expected);
}

static void
test_merge_malformed_line_of_ours (void)
{
  const char *values[] = { "id", "secret", "new", NULL };
  g_autofree char *merged = NULL;

  /* python-dotenv skips this line; it is still ours to rewrite. */
  merged = merge_ok ("A=1\nTT_REFRESH_TOKEN='old' junk\nTT_API_CLIENT_ID=x\nTT_API_CLIENT_SECRET=y\n",
                     our_keys, values);
  g_assert_cmpstr (merged, ==,
                   "A=1\nTT_REFRESH_TOKEN=new\nTT_API_CLIENT_ID=id\nTT_API_CLIENT_SECRET=secret\n");
}

static void
test_merge_invalid_value (void)
{
  const char *values[] = { "id", "two\nlines", "tok", NULL };
  g_autoptr(GError) error = NULL;
  gsize length = 1234;
  char *merged;

  merged = tts_dotenv_merge ("A=1\n", 4, our_keys, values, &length, &error);
  g_assert_null (merged);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, TTS_DOTENV_KEY_CLIENT_SECRET));
  /* The message names the key, never the value. */
  g_assert_null (strstr (error->message, "lines"));
}

static void
test_merge_refuses_changing_other_lines (void)
{
  const char *values[] = { "it's", "secret", "tok", NULL };
  const char *existing = "FOO='never closed\n";
  g_autoptr(GError) error = NULL;
  char *merged;

  /* Appended after an unclosed quote, our quote would close it and swallow our line. */
  merged = tts_dotenv_merge (existing, strlen (existing), our_keys, values, NULL, &error);
  g_assert_null (merged);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_UNSAFE_FILE);
}

/* ---- lookup ---- */

static void
test_lookup (void)
{
  const char *text =
    "# TT_REFRESH_TOKEN=in a comment\n"
    "TT_REFRESH_TOKEN=first\n"
    "export TT_REFRESH_TOKEN = second   # note\n"
    "OTHER='x'\n";
  g_autofree char *token = lookup (text, TTS_DOTENV_KEY_REFRESH_TOKEN);
  g_autofree char *other = lookup (text, "OTHER");
  g_autofree char *absent = lookup (text, "ABSENT");
  g_autofree char *prefix = lookup (text, "TT_REFRESH");
  g_autofree char *double_quoted = lookup ("K=\"a\\\\b\\\"c\\n\"", "K");
  g_autofree char *single_quoted = lookup ("K='a\\\\b\\'c\\n'", "K");
  g_autofree char *no_value = lookup ("K=1\nK\n", "K");
  g_autofree char *empty = tts_dotenv_lookup ("", 0, "K");

  g_assert_cmpstr (token, ==, "second");
  g_assert_cmpstr (other, ==, "x");
  g_assert_null (absent);
  g_assert_null (prefix);
  g_assert_cmpstr (double_quoted, ==, "a\\b\"c\n");
  g_assert_cmpstr (single_quoted, ==, "a\\b'c\\n");
  g_assert_null (no_value);
  g_assert_null (empty);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/dotenv/quote/unquoted", test_quote_unquoted);
  g_test_add_func ("/dotenv/quote/quoted", test_quote_quoted);
  g_test_add_func ("/dotenv/quote/refused", test_quote_refused);
  g_test_add_func ("/dotenv/quote/trailing-backslash", test_quote_trailing_backslash);
  g_test_add_func ("/dotenv/python/round-trip", test_python_round_trip);
  g_test_add_func ("/dotenv/python/lookup-agrees", test_python_lookup_agrees);
  g_test_add_func ("/dotenv/python/merge-preserves-others", test_python_merge_preserves_others);
  g_test_add_func ("/dotenv/merge/new-file", test_merge_new_file);
  g_test_add_func ("/dotenv/merge/preserves-bytes", test_merge_preserves_bytes);
  g_test_add_func ("/dotenv/merge/line-endings", test_merge_line_endings);
  g_test_add_func ("/dotenv/merge/in-place-no-final-newline", test_merge_in_place_no_final_newline);
  g_test_add_func ("/dotenv/merge/duplicates", test_merge_duplicates);
  g_test_add_func ("/dotenv/merge/comment-after-value", test_merge_comment_after_value);
  g_test_add_func ("/dotenv/merge/multiline-value-of-other-key",
                   test_merge_multiline_value_of_other_key);
  g_test_add_func ("/dotenv/merge/malformed-line-of-ours", test_merge_malformed_line_of_ours);
  g_test_add_func ("/dotenv/merge/invalid-value", test_merge_invalid_value);
  g_test_add_func ("/dotenv/merge/refuses-changing-other-lines",
                   test_merge_refuses_changing_other_lines);
  g_test_add_func ("/dotenv/lookup", test_lookup);

  return g_test_run ();
}

/* tts-dotenv.h: reading and rewriting dotenv text as python-dotenv reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The names the SPX Option Chain Fetcher's scripts read. */
#define TTS_DOTENV_KEY_CLIENT_ID     "TT_API_CLIENT_ID"
#define TTS_DOTENV_KEY_CLIENT_SECRET "TT_API_CLIENT_SECRET"
#define TTS_DOTENV_KEY_REFRESH_TOKEN "TT_REFRESH_TOKEN"

/* Returns value written so that python-dotenv reads back exactly @value:
 * unquoted when it holds only safe characters, else single-quoted with \\ and \' escaped.
 * Returns NULL for a value that cannot be written: line breaks, invalid UTF-8, anything
 * like ${NAME} (python-dotenv expands it even in single quotes, with no escape), or a final
 * backslash in a value that needs quotes (it would escape the closing quote).
 * The result holds the secret: free it with tts_wipe_free(). */
char    *tts_dotenv_quote_value (const char *value);

/* Reads the value of @key as python-dotenv would (last assignment wins; quotes, escapes,
 * comments, `export ` and multi-line quoted values understood; ${NAME} left unexpanded).
 * Returns NULL when the key is absent or its last assignment has no '='. */
char    *tts_dotenv_lookup      (const char *text,
                                 gsize       length,
                                 const char *key);

/* Returns @existing (may be NULL for a new file) with each key of @keys set to the
 * matching entry of @values. Every other byte survives: comments, blank lines, other keys,
 * CRLF line ends, `export ` prefixes, a missing final newline. Each existing assignment of
 * a key is rewritten in place; keys not present are appended, using the text's line ending.
 * A new file starts with a short header comment. @keys is NULL-terminated; @values has
 * one entry per key. Fails with TTS_ERROR_INVALID_INPUT when a value cannot be written, and
 * with TTS_ERROR_UNSAFE_FILE when @existing is so malformed (an unclosed quote) that the
 * result would not read back our values, or would change another key, as python-dotenv
 * reads it. The result is NUL-terminated; *out_length excludes the NUL. Wipe it when done. */
char    *tts_dotenv_merge       (const char         *existing,
                                 gsize               existing_length,
                                 const char * const *keys,
                                 const char * const *values,
                                 gsize              *out_length,
                                 GError            **error);

G_END_DECLS

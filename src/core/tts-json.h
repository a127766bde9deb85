/* tts-json.h: JSON from tastytrade, parsed defensively
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* No answer of tastytrade's nests deeper than a few levels. */
#define TTS_JSON_MAX_DEPTH 32

/* @data as a JSON object, or NULL: for anything but an object, and for nesting deeper than
 * TTS_JSON_MAX_DEPTH (json-glib's parser recurses, and 100,000 levels overflow its stack).
 * No parser message is given: it may quote the text, which may hold a secret. */
JsonNode *tts_json_parse_object (const char *data,
                                 gsize       length);
/* Member @name of @object (NULL is allowed) as text: *@value is the string, or NULL when
 * the member is absent or null. FALSE, with *@value NULL, when it is anything else: another
 * type, or a string that is not UTF-8 (json-glib decodes a lone surrogate escape, "\ud800",
 * into such bytes; found by fuzz-token-response). */
gboolean  tts_json_get_string   (JsonObject  *object,
                                 const char  *name,
                                 const char **value);

G_END_DECLS

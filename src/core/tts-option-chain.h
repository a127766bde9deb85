/* tts-option-chain.h: what GET /option-chains/{symbol}/nested says, in short
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TTS_TYPE_OPTION_CHAIN (tts_option_chain_get_type ())

typedef struct
{
  GStrv  roots;           /* the root symbols (SPX, SPXW), distinct, in the answer's order */
  guint  n_expirations;   /* over all roots */
} TtsOptionChain;

GType           tts_option_chain_get_type      (void) G_GNUC_CONST;
/* Parses a 200 answer {"data":{"items":[…]}}. Fails with TTS_ERROR_PROTOCOL when it is not
 * that, or holds no expiration at all. Root symbols that are not short printable text are
 * left out. */
TtsOptionChain *tts_option_chain_new_from_json (const char            *data,
                                                gsize                  length,
                                                GError               **error);
TtsOptionChain *tts_option_chain_copy          (const TtsOptionChain  *self);
void            tts_option_chain_free          (TtsOptionChain        *self);
/* One translated line: "Readable: SPX and SPXW, 42 expirations". */
char           *tts_option_chain_describe      (const TtsOptionChain  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsOptionChain, tts_option_chain_free)

G_END_DECLS

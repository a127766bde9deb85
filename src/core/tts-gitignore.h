/* tts-gitignore.h: keeping saved files out of a git repository, without running git
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether @folder_path is inside a git work tree: a .git (folder, or file in a worktree) in
 * it or above it. */
gboolean tts_gitignore_in_work_tree (const char         *folder_path);
/* Whether the lines of one .gitignore (@contents, @length bytes) ignore @name, a file right
 * beside it. Rules in tts-gitignore.c. */
gboolean tts_gitignore_ignores      (const char         *contents,
                                     gsize               length,
                                     const char         *name);
/* When @folder_path (open as @dirfd) is in a git work tree, appends to its .gitignore each of
 * @names (NULL-terminated) that its lines do not ignore yet, in its own line ending. TRUE
 * when nothing was needed or the names were added; FALSE when it could not be read or
 * added to: a link (never written through), a folder, no permission. Never runs git. */
gboolean tts_gitignore_protect      (int                 dirfd,
                                     const char         *folder_path,
                                     const char * const *names);

G_END_DECLS

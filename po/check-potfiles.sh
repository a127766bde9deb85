#!/bin/sh
# check-potfiles.sh SOURCE_DIR: POTFILES.in must list, sorted, every source with translatable
# strings, and nothing that does not exist. TAP.
set -eu

cd "$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -v '^#' po/POTFILES.in | sed '/^$/d' >"$tmp/listed"

# Marked strings: _() N_() C_() NC_() g_dngettext, ngettext in C; translatable="yes" in
# GtkBuilder files; _Name style keys and <_p> are not used, merge_file takes whole files.
{
  grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|g_dngettext|ngettext)[ ]?\(' --include='*.c' src
  grep -rl 'translatable="yes"' --include='*.ui' src
  ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml
} | LC_ALL=C sort -u >"$tmp/marked"

n=0
failed=0
check() {
  n=$((n + 1))
  if [ "$1" = pass ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

missing=$(LC_ALL=C comm -13 "$tmp/listed" "$tmp/marked" | LC_ALL=C sort)
[ -z "$missing" ] && check pass "every source with translatable strings is listed" ||
  check fail "not in po/POTFILES.in: $(echo $missing)"

gone=""
while read -r f; do [ -e "$f" ] || gone="$gone $f"; done <"$tmp/listed"
[ -z "$gone" ] && check pass "every listed file exists" || check fail "listed but missing:$gone"

if LC_ALL=C sort -c "$tmp/listed" 2>/dev/null; then check pass "the list is sorted"; else check fail "po/POTFILES.in is not sorted"; fi

echo "1..$n"
exit $failed

#!/bin/sh
# check-install.sh SOURCE_DIR: configures a build as flatpak-builder does (--prefix=/app and the
# manifest's config-opts), installs it into a temporary DESTDIR and checks the layout a Flatpak
# export needs. TAP.
set -eu

src=$1
app_id=io.github.tastytrade_setup.TastytradeSetup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

manifest=$src/flatpak/$app_id.json
opts=$(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["modules"][0].get("config-opts", [])))' "$manifest")

# shellcheck disable=SC2086 # one option per line, none with spaces
meson setup "$tmp/build" "$src" --prefix=/app --libdir=lib $opts >"$tmp/setup.log" 2>&1 ||
  { cat "$tmp/setup.log" >&2; echo "Bail out! meson setup failed"; exit 1; }
meson compile -C "$tmp/build" >"$tmp/compile.log" 2>&1 ||
  { cat "$tmp/compile.log" >&2; echo "Bail out! the build failed"; exit 1; }
# With DESTDIR set, the post-install hooks (schemas, icon cache) leave /app alone.
meson install -C "$tmp/build" --no-rebuild --destdir "$tmp/dest" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; echo "Bail out! meson install failed"; exit 1; }

root=$tmp/dest/app
n=0
failed=0
expect() {
  n=$((n + 1))
  if [ -e "$root/$1" ]; then
    echo "ok $n - $1"
  else
    echo "not ok $n - $1 is missing"
    failed=1
  fi
}

expect bin/tastytrade-setup
expect lib/tastytrade-setup/tastytrade-setup-signin.so
expect share/applications/$app_id.desktop
expect share/metainfo/$app_id.metainfo.xml
expect share/icons/hicolor/scalable/apps/$app_id.svg
expect share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg
expect share/glib-2.0/schemas/$app_id.gschema.xml
for lang in $(grep -v '^#' "$src/po/LINGUAS"); do
  expect share/locale/$lang/LC_MESSAGES/tastytrade-setup.mo
done

# Nothing outside the prefix: a Flatpak can only export what is under /app.
n=$((n + 1))
outside=$(cd "$tmp/dest" && find . -mindepth 1 -maxdepth 1 ! -name app)
if [ -z "$outside" ]; then
  echo "ok $n - everything is under /app"
else
  echo "not ok $n - installed outside /app: $outside"
  failed=1
fi

# The installed program looks for its data under the prefix it was built for.
n=$((n + 1))
if grep -q "/app/share/locale" "$root/bin/tastytrade-setup"; then
  echo "ok $n - the program finds its translations under /app"
else
  echo "not ok $n - the program does not look for translations under /app/share/locale"
  failed=1
fi

n=$((n + 1))
if grep -q "/app/lib/tastytrade-setup" "$root/bin/tastytrade-setup"; then
  echo "ok $n - the program finds its sign-in module under /app"
else
  echo "not ok $n - the program does not look for its sign-in module under /app/lib/tastytrade-setup"
  failed=1
fi

echo "1..$n"
exit $failed

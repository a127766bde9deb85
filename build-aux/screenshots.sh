#!/usr/bin/env bash
# build-aux/screenshots.sh BUILD_DIR OUT_DIR: the AppStream screenshots, taken from the real
# program against the offline fake service, on a private headless X server. Only the
# keyboard is used, as a person without a mouse would.
set -euo pipefail

build=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)

# The folder shows on the pages: a user's, as on a real desktop. A private mount namespace
# with an empty /home makes /home/alex without touching this machine's /home.
if [ -z "${TTS_SCREENSHOTS_HOME:-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "screenshots.sh needs root for a private /home (build-aux/dev.sh current trixie screenshots)." >&2
    exit 1
  fi
  exec env TTS_SCREENSHOTS_HOME=/home/alex unshare --mount --propagation private -- \
    sh -c 'mount -t tmpfs -o mode=755 home /home && exec "$0" "$@"' "$0" "$build" "$out"
fi
export HOME=$TTS_SCREENSHOTS_HOME
project=$HOME/spx-option-chain-fetcher
mkdir -p "$project"

work=$(mktemp -d)
display=:$((90 + RANDOM % 9))

Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
cleanup() {
  kill ${app_pid:-} ${fake_pid:-} "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export DISPLAY=$display
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$build/data" LANGUAGE=${LANGUAGE:-en}
# Numbers and times as the English store text's readers write them ("5,910.10"), whatever the
# userland's default locale is (locales-all is among the packages).
export LC_ALL=${LC_ALL:-en_US.UTF-8}

find_window() {
  window=
  for _ in $(seq 100); do
    window=$(xdotool search --onlyvisible --name '^Tastytrade API Setup$' 2>/dev/null | head -1) && [ -n "$window" ] && break
    sleep 0.1
  done
  [ -n "$window" ] || { echo "The window did not appear." >&2; exit 1; }
}
shot() { sleep "$2"; import -window "$window" "$out/$1.png"; }
keys() { xdotool key --delay 60 "$@"; }
type_text() { xdotool type --delay 20 "$1"; }

# The first page as a user sees it: tastytrade's own service, so no "Test service in use" row.
dbus-run-session -- "$build/src/tastytrade-setup" --output "$project" >/dev/null 2>&1 &
app_pid=$!
find_window
sleep 1.5
keys Return                                     # Next, past the welcome page
shot start 0.8
kill "$(xdotool getwindowpid "$window")"
wait "$app_pid" 2>/dev/null || :

# The rest against the offline fake service.
"$build/tests/fake-tastytrade" >"$work/fake.txt" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do grep -q '^API_URL=' "$work/fake.txt" && break; sleep 0.1; done
auth_url=$(sed -n 's/^AUTH_URL=//p' "$work/fake.txt")
api_url=$(sed -n 's/^API_URL=//p' "$work/fake.txt")

dbus-run-session -- "$build/src/tastytrade-setup" --auth-url "$auth_url" --api-url "$api_url" \
  --output "$project" >/dev/null 2>&1 &
app_pid=$!
find_window
sleep 1.5
keys Return                                     # Next, past the welcome page
sleep 0.8
keys Return                                     # Next
sleep 0.8
type_text demo-client-id; keys Tab
type_text demo-client-secret
shot credentials 0.5
keys Return                                     # Sign In
sleep 2.5
type_text demo; keys Tab; type_text demo
shot sign-in 0.3
keys Return
sleep 1.5
type_text 123456; keys Return                   # two-factor code
sleep 1.5
keys Tab Return                                 # Authorize
shot done 3

# Smaller files for the software centres; the pixels stay as they are.
for f in "$out"/*.png; do convert "$f" -strip -define png:compression-level=9 "$f"; done
ls -l "$out"

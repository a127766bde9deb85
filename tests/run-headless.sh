#!/bin/sh
# run-headless.sh PROGRAM [ARGS]: a UI test under a headless X server and a private session bus.
#
# Services that the bus starts on demand (the accessibility registry greets on stdout) inherit
# the bus's stdout, so only the test program itself writes to the real stdout: the TAP stream.
#
# Xvfb has only Mesa's software OpenGL, in which WebKit's web process crashed about once in
# 40 runs: the tests render web pages without accelerated compositing.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
# The X server below, even inside a Wayland session.
unset WAYLAND_DISPLAY
#
# Not xvfb-run: it picks a display number by looking for lock files, then leaves its server
# to exit on its own, so a test could land on a display that the previous test's server was
# still taking down ("cannot open display"). Xvfb -displayfd claims a free number itself and
# reports it once it accepts connections; this script waits for its server to exit.
set -eu

dir=$(mktemp -d "${TMPDIR:-/tmp}/run-headless.XXXXXX")
xvfb=
cleanup () {
  if [ -n "$xvfb" ]; then
    kill "$xvfb" 2>/dev/null || :
    wait "$xvfb" 2>/dev/null || :
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

mkfifo "$dir/display"
Xvfb -displayfd 4 -screen 0 1280x1024x24 -nolisten tcp -noreset \
  4>"$dir/display" 2>"$dir/xvfb.log" &
xvfb=$!

number=
read -r number <"$dir/display" || :
if [ -z "$number" ]; then
  echo "run-headless.sh: Xvfb did not start:" >&2
  cat "$dir/xvfb.log" >&2
  exit 1
fi

exec 3>&1
status=0
DISPLAY=":$number" dbus-run-session -- sh -c 'exec "$@" >&3 3>&-' sh "$@" >&2 || status=$?
exit "$status"

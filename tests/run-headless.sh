#!/bin/sh
# run-headless.sh PROGRAM [ARGS]: a UI test under a headless X server and a private session bus.
#
# Services that the bus starts on demand (the accessibility registry greets on stdout) inherit
# the bus's stdout, so only the test program itself writes to the real stdout: the TAP stream.
#
# Xvfb has only Mesa's software OpenGL, in which WebKit's web process crashed about once in
# 40 runs: the tests render web pages without accelerated compositing.
export WEBKIT_DISABLE_COMPOSITING_MODE=1
#
# xvfb-run -a starts looking at :99, which the previous test's server may still be leaving
# ("cannot open display :99"): each run starts its search at a display of its own.
exec 3>&1
exec xvfb-run -a -n $((100 + $$ % 800)) -s "-screen 0 1280x1024x24" \
  dbus-run-session -- sh -c 'exec "$@" >&3 3>&-' sh "$@" >&2

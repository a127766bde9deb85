#!/usr/bin/env bash
# build-aux/dev.sh: one entry point for people and CI.
#
#   build-aux/dev.sh run [ARGS]   install what is missing, build into _build, start the wizard
#   build-aux/dev.sh test         the same set-up, then the whole test suite, headless
#   build-aux/dev.sh demo         the wizard against the offline fake tastytrade in tests/; its
#                                 last page shows a live SPX quote (TTS_DEMO_MARKET_DATA=no-data,
#                                 not-a-customer, …: each answer the page can give)
#   build-aux/dev.sh sanitize     the test suite again, built with AddressSanitizer and UBSan
#   build-aux/dev.sh fuzz         the parsers under libFuzzer (clang) for a bounded time each, in
#                                 _build-fuzz; TTS_FUZZ_SECONDS=N sets the time (default 20)
#   build-aux/dev.sh bench [RUNS] the real program timed against baselines, headless, by keyboard
#                                 (docs/performance.md); bench --flood: peak memory under a
#                                 300 MB POST to the redirect listener
#   build-aux/dev.sh screenshots  retake the AppStream screenshots in data/screenshots (as root;
#                                 the look users get: build-aux/dev.sh current trixie screenshots)
#   build-aux/dev.sh test-current [trixie|forky] [ARGS]
#                                 the whole test suite in a Debian 13 (default) or Debian testing
#                                 userland, made once with mmdebstrap into _current-root/ (root)
#   build-aux/dev.sh current trixie|forky COMMAND [ARGS]
#                                 any of the above inside that userland (bench, screenshots, run)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Inside a newer userland (build-aux/current-userland.sh) the build has a folder of its own.
build="$top/${TTS_BUILD_DIR:-_build}"

# Debian 12 / Ubuntu package names of everything the build and the tests use.
packages=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev
  libwebkitgtk-6.0-dev libsoup-3.0-dev libjson-glib-dev
  desktop-file-utils appstream
  xvfb xauth dbus dbus-x11 at-spi2-core libatspi2.0-dev libxtst-dev
  python3 python3-dotenv git ca-certificates
  # GTK 4.18 (Debian 13) draws SVG icons with this loader, a Recommends a bare userland lacks.
  librsvg2-common
  # A German user's locale for test-translations: newer glibc ignores LANGUAGE under C.UTF-8.
  locales-all
)

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

ensure_packages() {
  local missing=() p
  for p in "${packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  say "Installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_into() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$top" "$@"
  fi
  meson compile -C "$dir"
}

run_env() {
  # Run from the build tree: the compiled settings schema and the sign-in module live there.
  export GSETTINGS_SCHEMA_DIR="$build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
  export TASTYTRADE_SETUP_MODULE_DIR="$build/src/ui"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift

case "$cmd" in
  run)
    ensure_packages
    build_into "$build"
    run_env
    exec "$build/src/tastytrade-setup" "$@"
    ;;

  test)
    ensure_packages
    build_into "$build"
    meson test -C "$build" --print-errorlogs "$@"
    ;;

  demo)
    ensure_packages
    build_into "$build"
    run_env
    fake_out=$(mktemp)
    "$build/tests/fake-tastytrade" --print-grant --market-data "${TTS_DEMO_MARKET_DATA:-live}" \
      >"$fake_out" &
    fake_pid=$!
    trap 'kill "$fake_pid" 2>/dev/null; rm -f "$fake_out"' EXIT
    for _ in $(seq 100); do
      grep -q '^API_URL=' "$fake_out" && break
      kill -0 "$fake_pid" 2>/dev/null || { say "The fake service did not start."; exit 1; }
      sleep 0.1
    done
    auth_url=$(sed -n 's/^AUTH_URL=//p' "$fake_out")
    api_url=$(sed -n 's/^API_URL=//p' "$fake_out")
    grant=$(sed -n 's/^GRANT_REFRESH_TOKEN=//p' "$fake_out")
    cat >&2 <<MSG

  Demo against the offline fake tastytrade ($api_url). Nothing here is real.
    Client ID:      demo-client-id
    Client Secret:  demo-client-secret
    Login:          demo / demo, two-factor code 123456
    Market data:    ${TTS_DEMO_MARKET_DATA:-live}
    Refresh token for "I already have a refresh token":
      $grant

MSG
    "$build/src/tastytrade-setup" --auth-url "$auth_url" --api-url "$api_url" "$@"
    ;;

  sanitize)
    ensure_packages
    build_into "$build-sanitize" -Db_sanitize=address,undefined -Db_lundef=false
    # GTK and WebKit keep caches for the process lifetime: leaks are for the core tests only.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
      meson test -C "$build-sanitize" --print-errorlogs "$@"
    ;;

  fuzz)
    ensure_packages clang libclang-rt-14-dev
    # Only the fuzz targets are built here; the rest of the tree is configured, not compiled.
    if [ ! -f "$top/_build-fuzz/build.ninja" ]; then
      CC=clang meson setup "$top/_build-fuzz" "$top" --buildtype=debugoptimized \
        -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
    fi
    meson compile -C "$top/_build-fuzz" fuzz
    meson test -C "$top/_build-fuzz" --suite fuzz --print-errorlogs "$@"
    ;;

  bench)
    ensure_packages xdotool
    build_into "$build"
    xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- \
      python3 "$top/build-aux/bench.py" "$build" "$@"
    ;;

  screenshots)
    ensure_packages xdotool imagemagick mount
    build_into "$build"
    run_env
    "$top/build-aux/screenshots.sh" "$build" "$top/data/screenshots"
    ;;

  test-current)
    release=trixie
    case "${1:-}" in trixie | forky) release=$1; shift ;; esac
    exec "$top/build-aux/current-userland.sh" "$release" test "$@"
    ;;

  current)
    exec "$top/build-aux/current-userland.sh" "$@"
    ;;

  packages)
    # For current-userland.sh: what a new userland is made with.
    echo "${packages[*]}"
    ;;

  *)
    say "usage: build-aux/dev.sh run|test|demo|sanitize|fuzz|bench|screenshots|test-current [ARGS]"
    exit 2
    ;;
esac

#!/usr/bin/env bash
# build-aux/current-userland.sh RELEASE COMMAND [ARGS]: runs `build-aux/dev.sh COMMAND [ARGS]` inside a
# newer Debian userland made from Debian's own packages, so the program is built and tested
# against the toolkit its users run (RELEASE: trixie for Debian 13, forky for Debian testing).
# `current-userland.sh RELEASE -- PROGRAM [ARGS]` runs any program there instead (a shell, gdb).
#
# The userland is made once with mmdebstrap into _current-root/RELEASE (ignored by git and by the
# build) and reused; the checkout is bind-mounted into it at its own path and built there into
# _build-RELEASE. Mounting and chroot need root: run as root, or this asks sudo.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
release=$1
shift

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

case "$release" in
  trixie | forky) ;;
  *)
    say "current-userland.sh: unknown release '$release' (trixie or forky)"
    exit 2
    ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  say "Making and entering a Debian $release userland needs root: asking sudo."
  exec sudo --preserve-env=CI,TTS_FUZZ_SECONDS,TTS_BUILD_DIR "$0" "$release" "$@"
fi

root=$top/_current-root/$release
mirror=${TTS_DEBIAN_MIRROR:-http://deb.debian.org/debian}

make_root() {
  local packages
  # The same list that dev.sh installs on the host, so the lane starts with everything.
  packages=$(bash "$top/build-aux/dev.sh" packages)
  command -v mmdebstrap >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap ||
      { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap; }
  }
  say "Making a Debian $release userland in $root (once; it is kept for the next run)"
  rm -rf "$root.partial"
  mkdir -p "$(dirname "$root")"
  # Testing's Release file on a mirror can be past its Valid-Until: apt may still use it.
  mmdebstrap --variant=apt --components=main \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --include="$(tr ' ' ',' <<<"$packages")" \
    "$release" "$root.partial" "$mirror"
  mv "$root.partial" "$root"
}

[ -x "$root/usr/bin/apt-get" ] || make_root

# Each run enters the userland through a mount point of its own, so runs side by side do not
# unmount each other's folders.
mnt=$(mktemp -d "${TMPDIR:-/tmp}/tts-$release.XXXXXX")
mounted=()
# Whatever the command left running in the userland (a program it started in the background)
# would keep its mounts busy: end it first.
end_leftovers() {
  local proc pids=()
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$mnt" ] && pids+=("${proc#/proc/}")
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  kill "${pids[@]}" 2>/dev/null || :
  sleep 1
  kill -KILL "${pids[@]}" 2>/dev/null || :
}

cleanup() {
  local i
  end_leftovers
  # Innermost first; a busy mount is detached lazily rather than left behind.
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || :
  done
  rmdir "$mnt" 2>/dev/null || :
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

mount_at() {
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

# The userland's / is a mount point: WebKit's bubblewrap sandbox makes / a slave mount and fails
# otherwise ("bwrap: Failed to make / slave").
mount_at "$mnt" --bind "$root"
mount_at "$mnt/proc" -t proc proc
mount_at "$mnt/sys" --bind /sys
mount_at "$mnt/dev" --bind /dev
mount_at "$mnt/dev/pts" --bind /dev/pts
mount_at "$mnt/dev/shm" -t tmpfs -o mode=1777 shm
mount_at "$mnt/tmp" -t tmpfs -o mode=1777 tmp
mount_at "$mnt/run" -t tmpfs -o mode=755 run
mount_at "$mnt$top" --bind "$top"
cp /etc/resolv.conf "$mnt/etc/resolv.conf"

if [ "${1:-}" = -- ]; then
  shift
  [ $# -gt 0 ] || set -- bash
else
  set -- bash "$top/build-aux/dev.sh" "$@"
fi
say "Debian $release ($(cat "$root/etc/debian_version")): $*"
status=0
chroot "$mnt" /usr/bin/env -i \
  HOME=/root \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 \
  TERM="${TERM:-dumb}" \
  ${CI:+CI="$CI"} \
  ${TTS_FUZZ_SECONDS:+TTS_FUZZ_SECONDS="$TTS_FUZZ_SECONDS"} \
  TTS_BUILD_DIR="${TTS_BUILD_DIR:-_build-$release}" \
  "$@" || status=$?
exit "$status"

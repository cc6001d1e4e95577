#!/usr/bin/env bash
# A real small file system for the fault tests: a tmpfs of a given size, which can be filled,
# made read-only and writable again. Needs root (or sudo); tmpfs needs no image file or loop device.
# Usage: scripts/small-disk.sh mount DIR SIZE   (e.g. 4m)
#        scripts/small-disk.sh read-only DIR | writable DIR | unmount DIR
set -euo pipefail
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo -n"
action=${1:?usage: small-disk.sh mount|read-only|writable|unmount DIR [SIZE]}
dir=${2:?directory missing}

case "$action" in
  mount)
    mkdir -p "$dir"
    $sudo_cmd mount -t tmpfs -o "size=${3:?size missing},mode=1777" tmpfs "$dir"
    ;;
  read-only) $sudo_cmd mount -o remount,ro "$dir" ;;
  writable) $sudo_cmd mount -o remount,rw "$dir" ;;
  unmount) $sudo_cmd umount "$dir" && rmdir "$dir" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac

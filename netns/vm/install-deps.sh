#!/usr/bin/env bash
# Installs what the VM tier (netns/vm) needs on a Debian host: qemu for
# software emulation, a static busybox for the initramfs, cpio, kmod
# (modprobe/depmod), and fresh apt lists for `apt-get download` of the
# kernel. Safe to run again; CI can call it before `go test ./netns/vm`.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "install-deps.sh: must run as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq qemu-system-x86 busybox-static cpio kmod >/dev/null
echo "netns/vm: qemu-system-x86 busybox-static cpio kmod installed"

#!/usr/bin/env bash
# The Debian packages `make vm-check` needs besides tests/deps.sh's: qemu (KVM), debootstrap for
# the VM's root filesystem, e2fsprogs for its disk images.
set -euo pipefail
pkgs=(qemu-system-x86 qemu-utils debootstrap e2fsprogs selinux-policy-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Build (once, cached) the VM's root filesystem for `make vm-check`: Debian 12 from the apt
# mirror this machine uses (debootstrap), with Debian's stock kernel (linux-image-amd64) and
# its initramfs, SELinux (selinux-policy-default, enforcing), runc, nftables, iperf3 and
# busybox-static (the containers' root). Output: $VM_DIR/root (the tree; run.sh adds this
# tree's build and policy modules, labels it and makes the disk image of each boot from it),
# $VM_DIR/vmlinuz, $VM_DIR/initrd.img. Nothing of the host is changed: everything is built
# under $VM_DIR.
set -euo pipefail

VM_DIR=${VM_DIR:-build/vm}
SUITE=${VM_SUITE:-bookworm}
MIRROR=${VM_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
	head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PKGS=linux-image-amd64,initramfs-tools,kmod,udev,selinux-policy-default,policycoreutils,selinux-utils,semodule-utils,runc,nftables,iproute2,iperf3,busybox-static,jq,procps,libmnl0,conntrack,bats,util-linux,iputils-ping

say() { echo "vm rootfs: $*" >&2; }
[ -f "$VM_DIR/root/.complete" ] && [ -f "$VM_DIR/vmlinuz" ] && [ -f "$VM_DIR/initrd.img" ] && exit 0
command -v debootstrap >/dev/null || {
	say "debootstrap missing (tests/vm/deps.sh installs it)"
	exit 1
}

R=$VM_DIR/root
rm -rf "$R"
mkdir -p "$R"
say "debootstrap $SUITE from $MIRROR (a few minutes, once)"
debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$R" "$MIRROR" >"$VM_DIR/debootstrap.log" 2>&1 || {
	tail -20 "$VM_DIR/debootstrap.log" >&2
	exit 1
}

# SELinux enforcing with Debian's reference policy. The VM's init (kernel command line
# init=/sbin/nf-init) mounts the payload disk (this tree's build and tests, made by run.sh for
# every boot) and the results disk, and hands over to tests/vm/init.sh there.
cat >"$R/etc/selinux/config" <<'EOF'
SELINUX=enforcing
SELINUXTYPE=default
EOF
echo netfence-vm >"$R/etc/hostname"
printf '/dev/vda / ext4 rw 0 1\n' >"$R/etc/fstab"
mkdir -p "$R/nf" "$R/nfout"
install -m 0755 "$(dirname "$0")/nf-init" "$R/sbin/nf-init"
cp "$R"/boot/vmlinuz-* "$VM_DIR/vmlinuz"
cp "$R"/boot/initrd.img-* "$VM_DIR/initrd.img"
chmod 0644 "$VM_DIR/vmlinuz" "$VM_DIR/initrd.img"
rm -rf "$R/var/cache/apt/archives"/*.deb "$R/boot"/initrd.img-*
touch "$R/.complete"

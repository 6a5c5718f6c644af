#!/usr/bin/env bash
# `make vm-check`: boot Debian's stock kernel (linux-image-amd64) under qemu (KVM or TCG) on a root
# filesystem built from Debian packages (tests/vm/rootfs.sh, cached under build/vm/), with
# SELinux enforcing, and run tests/vm/*.bats there against this tree's build: SELinux packet
# labels with the netfence policy module loaded, and the flowtable fast path with iperf3 against
# a bare veth. The root disk is made anew for every boot from the cached tree; this tree's
# tests reach the VM on a second, read-only disk. Nothing of the host's own
# network or /etc is touched: the VM has no network device at all.
#
# Knobs: VM_CPUS (1: others share the machine), VM_MEM (MiB, 1536), VM_TIMEOUT (s, 1800), VM_ACCEL (kvm|tcg),
# VM_DIR (build/vm). Output: the VM's console in $VM_DIR/console.log, the bats TAP and the
# throughput figures in $VM_DIR/out/, and a closing "vm-check: N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/../.."

VM_DIR=${VM_DIR:-build/vm}
VM_CPUS=${VM_CPUS:-1}
VM_MEM=${VM_MEM:-1536}
VM_TIMEOUT=${VM_TIMEOUT:-1800}
export VM_DIR

fail() {
	echo "vm-check: $*" >&2
	exit 1
}
# KVM where the CPU shows hardware virtualisation; else (no /dev/kvm, or a /dev/kvm that an outer
# hypervisor provides without vmx/svm: a guest there ran its kernel ~100x slower than qemu's
# own TCG on the test machine) TCG. VM_ACCEL=kvm|tcg overrides.
if [ -z "${VM_ACCEL:-}" ]; then
	VM_ACCEL=tcg
	[ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && VM_ACCEL=kvm
fi
ACCEL=(-accel tcg)
[ "$VM_ACCEL" = kvm ] && ACCEL=(-enable-kvm -cpu host)
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing (tests/vm/deps.sh)"
for f in build/netfence build/netfence-resolver build/probe build/selinux/netfence.pp; do
	[ -f "$f" ] || fail "$f missing: run make all build/probe selinux"
done
bash tests/vm/rootfs.sh
R=$VM_DIR/root

# The payload disk: the build, the tests and the helpers they load, at /nf in the VM.
P=$VM_DIR/payload
rm -rf "$P" "$VM_DIR/out" "$VM_DIR/payload.img" "$VM_DIR/out.img"
mkdir -p "$P/build/selinux" "$P/tests/e2e" "$P/tests/vm" "$VM_DIR/out"
cp build/netfence build/netfence-resolver build/probe "$P/build/"
cp build/selinux/netfence.pp "$P/build/selinux/"
cp tests/e2e/helpers.bash "$P/tests/e2e/"
cp tests/vm/init.sh tests/vm/*.bats "$P/tests/vm/"
echo "$VM_ACCEL" >"$P/accel"
mkfs.ext4 -q -L nfpayload -d "$P" "$VM_DIR/payload.img" 64M
# the results disk: the VM writes its TAP and figures there
mkfs.ext4 -q -L nfout "$VM_DIR/out.img" 16M

# The root disk of this boot: the netfence module (make selinux) and the test's stand-in
# container types (nfvmtest.te, built the same way) go into the VM's policy store, netfence
# where the module's file contexts name it, every file labelled for the VM's policy (the host
# stores the labels as plain xattrs; its own SELinux state does not matter), then the image.
rm -rf "$VM_DIR/pol" && mkdir -p "$VM_DIR/pol"
cp tests/vm/nfvmtest.te tests/vm/nfvmtest.fc "$VM_DIR/pol/"
: >"$VM_DIR/pol/nfvmtest.if"
make -s -C "$VM_DIR/pol" -f "${SELINUX_DEVEL:-/usr/share/selinux/devel/Makefile}" nfvmtest.pp >/dev/null
# VM_EXTRA_PP: more modules (e.g. one making netfence_t permissive, to collect every denial)
# shellcheck disable=SC2086
semodule -p "$R" -n -i build/selinux/netfence.pp "$VM_DIR/pol/nfvmtest.pp" ${VM_EXTRA_PP:-} 2>&1 |
	grep -v 'not in password file' >&2 || true
semodule -p "$R" -l | grep -qx netfence || fail "the netfence module did not go into the VM's policy"
install -m 0755 build/netfence build/netfence-resolver "$R/usr/local/bin/"
setfiles -F -r "$R" -c "$R"/etc/selinux/default/policy/policy.* \
	"$R/etc/selinux/default/contexts/files/file_contexts" "$R" >/dev/null
rm -f "$VM_DIR/root.img"
mkfs.ext4 -q -L nfroot -d "$R" "$VM_DIR/root.img" 2G
echo "vm-check: booting $(basename "$(readlink -f "$VM_DIR/vmlinuz")") (Debian's linux-image-amd64)" \
	"under $VM_ACCEL with $VM_CPUS vCPU, $VM_MEM MiB; console in $VM_DIR/console.log" >&2
rc=0
timeout "$VM_TIMEOUT" nice qemu-system-x86_64 "${ACCEL[@]}" -smp "$VM_CPUS" -m "$VM_MEM" \
	-nodefaults -no-user-config -display none -no-reboot -nic none \
	-kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 init=/sbin/nf-init security=selinux selinux=1 enforcing=1 panic=-1 quiet" \
	-drive "file=$VM_DIR/root.img,if=virtio,format=raw" \
	-drive "file=$VM_DIR/payload.img,if=virtio,format=raw,readonly=on" \
	-drive "file=$VM_DIR/out.img,if=virtio,format=raw" \
	-serial "file:$VM_DIR/console.log" || rc=$?
[ "$rc" -eq 124 ] && fail "the VM did not finish within ${VM_TIMEOUT}s (console: $VM_DIR/console.log)"

# read the results disk without mounting it (debugfs: no loop device, no root mount)
for f in tap.txt summary.txt perf.txt; do
	debugfs -R "dump /$f $VM_DIR/out/$f" "$VM_DIR/out.img" >/dev/null 2>&1 || true
done
[ -s "$VM_DIR/out/tap.txt" ] || fail "no test results from the VM (console: $VM_DIR/console.log)"
cat "$VM_DIR/out/tap.txt"
[ -s "$VM_DIR/out/perf.txt" ] && cat "$VM_DIR/out/perf.txt"
pass=$(grep -c '^ok ' "$VM_DIR/out/tap.txt" || true)
skipped=$(grep -c '^ok .* # skip' "$VM_DIR/out/tap.txt" || true)
failed=$(grep -c '^not ok ' "$VM_DIR/out/tap.txt" || true)
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$VM_DIR/out/tap.txt" | awk '{s += $1} END {print s + 0}')
echo "vm-check: $((pass - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$pass" -eq "$planned" ] && [ "$planned" -gt 0 ]

#!/bin/bash
# PID 1 of the vm-check VM (from /sbin/nf-init, tests/vm/rootfs.sh). The root disk comes with
# the policy (Debian's reference policy, the netfence module, tests/vm/nfvmtest.te), its files
# labelled and this tree's netfence in /usr/local/bin (tests/vm/run.sh): this loads the policy
# enforcing, runs tests/vm/*.bats, and writes the TAP, the kernel log and the figures to the
# results disk (/nfout); then powers off. The root disk is made anew for every boot.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
O=/nfout
exec >/dev/ttyS0 2>&1

say() { echo "nf-vm: $*"; }
finish() {
	dmesg >"$O/dmesg.txt" 2>&1
	sync
	umount "$O"
	echo o >/proc/sysrq-trigger
	sleep 10
}
die() {
	say "$*"
	echo "not ok 1 vm set-up: $*" >"$O/tap.txt"
	finish
}

mount -o remount,rw / || die "root disk read-only"
say "kernel $(uname -r)"
load_policy -i || die "load_policy -i failed"
[ "$(getenforce)" = Enforcing ] || die "SELinux is $(getenforce), not enforcing"
say "SELinux $(getenforce), policy $(cat /sys/fs/selinux/policyvers), modules loaded"

# /run and /tmp with the labels systemd would give them; /tmp holds the tests' bundles (the
# engine's storage: container_var_lib_t, as /var/lib/containers)
mount -t tmpfs -o mode=0755,rootcontext=system_u:object_r:var_run_t:s0 tmpfs /run
mount -t tmpfs -o mode=1777,rootcontext=system_u:object_r:container_var_lib_t:s0 tmpfs /tmp
mkdir -p /run/netns
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t selinuxfs selinuxfs /sys/fs/selinux 2>/dev/null
# /dev came up before the policy: label it, as systemd does
restorecon -R /dev 2>/dev/null
say "netfence: $(ls -Z /usr/local/bin/netfence), runc: $(ls -Z "$(command -v runc)")"
ip link set lo up
dmesg -n 1

export NF_ROOT=/nf NF_BIN=/usr/local/bin/netfence NF_PROBE=/nf/build/probe NF_OUT=$O
cd /nf/tests/vm || die "no tests"
BATS_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-400} bats --tap ./*.bats 2>"$O/bats.err" | tee "$O/tap.txt"
say "bats exit ${PIPESTATUS[0]}"
finish

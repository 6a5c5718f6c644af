#!/usr/bin/env bats
# In the vm-check VM (tests/vm/run.sh): SELinux enforcing with Debian's reference policy, the
# netfence module (selinux/) and the test's stand-in container types (nfvmtest.te) loaded. runc
# runs in container_runtime_t, the hook it starts in netfence_t, the container in container_t.
# Only runs there: elsewhere every test skips.

load ../e2e/helpers

LABEL=system_u:system_r:container_t:s0:c1,c2
FILES=system_u:object_r:container_file_t:s0:c1,c2

setup() {
	if [ ! -e /nf/tests/vm/init.sh ] || [ "$(getenforce 2>/dev/null)" != Enforcing ]; then
		skip "not the vm-check VM (SELinux enforcing): run make vm-check"
	fi
	nf_world_setup
	# the hook's production state directory (netfence_var_run_t by the module's file context)
	nf_hostconf '{"state_dir": "/run/netfence"}'
	chcon -R "$FILES" "$NF_TMP/rootfs"
	AVC_MARK=$(dmesg | wc -l)
}

teardown() {
	nf_world_teardown
}

# a labelled container: the engine's process and mount labels
labelled() {
	NF_CONFIG_JQ=".process.selinuxLabel = \"$LABEL\" | .linux.mountLabel = \"$FILES\"" \
		nf_bundle "$@"
}

avc() { # the kernel's AVC records since setup, of scontext type $1
	dmesg | tail -n "+$((AVC_MARK + 1))" | grep 'avc: *denied' | grep "scontext=[^ ]*:$1:" || true
}

@test "vm selinux: enforcing, the netfence module loaded, the hook runs in netfence_t" {
	local id
	[ "$(getenforce)" = Enforcing ]
	semodule -l | grep -qx netfence
	[ "$(cat /sys/fs/selinux/enforce)" = 1 ]
	id=$(nf_cid sd)
	labelled sd io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# made by the hook: netfence_var_run_t only through the module's transition into netfence_t
	# (the harness's own kernel_t would make it var_run_t)
	run stat -c %C /run/netfence
	echo "$output"
	[[ $output == *:netfence_var_run_t:* ]]
	run nf_exec "$id" cat /proc/self/attr/current
	echo "$output"
	[[ $output == "$LABEL"* ]]
	nf_stop "$id"
	nf_assert_clean
	run avc netfence_t
	echo "$output"
	[ -z "$output" ]
}

@test "vm selinux: a labelled container's packets carry the derived context" {
	local id pid want=system_u:system_r:netfence_packet_t:s0:c1,c2
	id=$(nf_cid sl)
	labelled sl io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	pid=$(nf_pid "$id")
	run nsenter --net="/proc/$pid/ns/net" nft list ruleset
	echo "$output"
	[[ $output == *"secmark netfence_ctx"* ]]
	[[ $output == *"\"$want\""* ]]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	# the connection the container opened: labelled in conntrack (ct secmark set meta secmark)
	run nsenter --net="/proc/$pid/ns/net" conntrack -L -p tcp --dport 443 -d "$NF_PUB1"
	echo "$output"
	[[ $output == *"secctx=$want"* ]]
	nf_stop "$id"
	nf_assert_clean
	run avc netfence_t
	echo "$output"
	[ -z "$output" ]
	run avc container_t
	echo "$output"
	[ -z "$output" ]
}

@test "vm selinux: a domain the module does not let send the packet type is denied, and audited" {
	local id want=system_u:system_r:netfence_packet_t:s0:c1,c2
	id=$(nf_cid sn)
	LABEL=system_u:system_r:nfvm_nosend_t:s0:c1,c2 labelled sn io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	run nf_probe "$id" connect tcp "$NF_PUB1" 443 2000
	echo "$output"
	[ "$status" -ne 0 ]
	run avc nfvm_nosend_t
	echo "$output"
	[[ $output == *"{ send }"*"tcontext=$want"*"tclass=packet"* ]]
	nf_stop "$id"
	nf_assert_clean
	run avc netfence_t
	echo "$output"
	[ -z "$output" ]
}

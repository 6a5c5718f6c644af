#!/usr/bin/env bats
# SELinux on a host where it is not enabled (these machines): io.netfence.selinux=auto labels
# nothing and the container runs fenced as usual; an explicit context is refused (fail closed),
# by the hook and by validate. Labelled packets themselves need an SELinux host: see README.

load helpers

CTX=system_u:system_r:netfence_packet_t:s0

setup() {
	if [ -e /sys/fs/selinux/enforce ]; then
		skip "SELinux is enabled on this host: these tests are of the disabled path"
	fi
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

@test "selinux: an explicit context on a host without SELinux is refused" {
	local id
	id=$(nf_cid sx)
	nf_bundle sx io.netfence.policy=restricted "io.netfence.selinux=$CTX" -- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" io.netfence.selinux \
		"SELinux is not enabled on this host"
	nf_assert_clean
}

@test "selinux: auto on a host without SELinux runs the container fenced, without labels" {
	local id pid
	id=$(nf_cid sa)
	# no process.selinuxLabel: runc refuses one on a host without SELinux
	nf_bundle sa io.netfence.policy=restricted io.netfence.selinux=auto \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	pid=$(nf_pid "$id")
	run nsenter --net="/proc/$pid/ns/net" nft list ruleset
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"table inet netfence"* ]]
	[[ $output != *secmark* ]]
	nf_stop "$id"
	nf_assert_clean
}

@test "selinux: validate says there are no labels, and refuses an explicit context" {
	nf_bundle sv io.netfence.policy=restricted
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"SELinux is not enabled on this host: no labels"* ]]

	nf_bundle sv io.netfence.policy=restricted "io.netfence.selinux=$CTX"
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"io.netfence.selinux: SELinux is not enabled on this host"* ]]
	nf_assert_clean
}

#!/usr/bin/env bats
# Fault injection: the test build (build/test/netfence) kills itself with SIGKILL at a named
# point when NETFENCE_FAULT=<point>. The runtime refuses the container; the bundle registers no
# poststop hook, so nothing cleans up but `netfence gc`, which must leave nothing behind.

load helpers

setup() {
	[ -x "$NF_TEST_BIN" ] || {
		echo "missing $NF_TEST_BIN (make build/test/netfence)" >&2
		return 1
	}
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

fault_at() {
	local point=$1 id
	id=$(nf_cid f)
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_FAULT=$point" NF_NO_POSTSTOP=1 \
		nf_bundle f io.netfence.policy=restricted io.netfence.ipv6=on \
		"io.netfence.egress=$NF_PUB1:443,[$NF_PUB6]:443" "io.netfence.ingress=$NF_PUB3:8080" -- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -ne 0 ]
	# the hook really died at the point (SIGKILL), it did not just fail
	[[ $output == *killed* ]]
	run nf_netfence gc
	echo "gc: $output"
	[ "$status" -eq 0 ]
	nf_assert_clean
	# a second gc finds nothing and succeeds
	run nf_netfence gc
	[ "$status" -eq 0 ]
	# and the same container id starts cleanly afterwards
	NF_HOOK=$NF_TEST_BIN nf_bundle g io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443" -- /probe connect tcp "$NF_PUB1" 443 2000
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_assert_clean
}

@test "fault: the test build without NETFENCE_FAULT works like the real one" {
	local id
	id=$(nf_cid ok)
	NF_HOOK=$NF_TEST_BIN nf_bundle ok io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443" -- /probe connect tcp "$NF_PUB1" 443 2000
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == open* ]]
	nf_assert_clean
}

@test "fault: killed after-state, gc cleans up" {
	fault_at after-state
}

@test "fault: killed after-lease, gc cleans up" {
	fault_at after-lease
}

@test "fault: killed after-veth, gc cleans up" {
	fault_at after-veth
}

@test "fault: killed after-link-config, gc cleans up" {
	fault_at after-link-config
}

@test "fault: killed after-host-nft, gc cleans up" {
	fault_at after-host-nft
}

@test "fault: killed after-ns-nft, gc cleans up" {
	fault_at after-ns-nft
}

@test "fault: killed before-complete, gc cleans up" {
	fault_at before-complete
}

@test "fault: gc leaves a running container alone" {
	local id
	id=$(nf_cid live)
	nf_bundle live io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	run nf_netfence gc
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$NF_TMP/state/$id.json" ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_META" 80
	nf_stop "$id"
	nf_assert_clean
}

# The process that finishes a poststop in the background dies before doing anything: the rules
# are already gone, status no longer lists the container, and gc removes the rest.
@test "fault: background tear-down killed, gc cleans up" {
	local id
	id=$(nf_cid bg)
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_FAULT=background-teardown" \
		nf_bundle bg io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_settled
	# the killed process left its record, marked incomplete
	[ "$(jq -r .complete "$NF_TMP/state/$id.json")" = false ]
	run nf_netfence status
	[[ $output != *"$id"* ]]
	run nf_netfence gc
	echo "gc: $output"
	[ "$status" -eq 0 ]
	nf_assert_clean
}

#!/usr/bin/env bats
# The host configuration's "flowtable": true. Where the kernel has no flowtables (these machines:
# CONFIG_NF_FLOW_TABLE unset) a container is set up and fenced as usual, without the fast path;
# where it has them, its host end joins the host table's flowtable. The fast path itself
# (offloaded connections, throughput) is verified in `make vm-check` (tests/vm/flow.bats).

load helpers

setup() {
	nf_world_setup
	nf_hostconf '{"flowtable": true}'
}

teardown() {
	nf_world_teardown
}

@test "flowtable: a container set up with \"flowtable\": true is fenced, with or without kernel support" {
	local id dev
	id=$(nf_cid ft)
	nf_bundle ft io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	dev=$(nf_host_nf_links | head -1)
	run ip netns exec "$NF_HOST" nft list flowtable inet netfence ft
	echo "$output"
	# the kernel's answer, asked in WORLD (a throwaway table there)
	if ip netns exec "$NF_WORLD" nft -f - 2>/dev/null <<<'table inet p { flowtable f { hook ingress priority 0; } }'; then
		[ "$status" -eq 0 ]
		[[ $output == *"$dev"* ]]
	else
		[ "$status" -ne 0 ] # no flowtable: the usual path
	fi
	nf_stop "$id"
	nf_assert_clean
}

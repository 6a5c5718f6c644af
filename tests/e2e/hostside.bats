#!/usr/bin/env bats
# The host side of the fence: anti-spoofing, gc's sweep of what no state names, and the
# containers the hook must refuse or skip (pre-wired namespaces, IPv6 without forwarding,
# Kubernetes sandbox containers).

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

@test "anti-spoofing: a packet from a source that is not the container's is dropped on the host" {
	local id pid addr
	id=$(nf_cid spoof)
	nf_bundle spoof io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	pid=$(nf_pid "$id")
	addr=$(nf_addr4 "$id")
	# root outside the container: remove the inner copy and give eth0 a second address, as a
	# container holding CAP_NET_ADMIN could
	nsenter -t "$pid" -n nft flush ruleset
	nsenter -t "$pid" -n ip addr add 10.213.255.77/32 dev eth0
	# and route the forged address back to it, so that only the fence can stop the connection
	ip -n "$NF_HOST" route add 10.213.255.77/32 dev "$(nf_host_nf_links)"
	# from its own address the allowed destination still opens (the probe path works) ...
	run nsenter -t "$pid" -n "$NF_PROBE" -s "$addr" connect tcp "$NF_PUB1" 443 1000
	echo "own: $output"
	[ "$status" -eq 0 ]
	# ... from the forged one it does not
	run nsenter -t "$pid" -n "$NF_PROBE" -s 10.213.255.77 connect tcp "$NF_PUB1" 443 1000
	echo "forged: $output"
	[ "$status" -ne 0 ]
	[[ $output != open* ]]
	# and the host counted the drop
	run nf_netfence status --json "$id"
	echo "$output"
	[ "$(jq '.[0].counters.blocked_packets' <<<"$output")" -gt 0 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "gc: removes nf* links, host chains and leases that no state names" {
	local id
	# a real container first, so that the host table exists and gc must keep its objects
	id=$(nf_cid keep)
	nf_bundle keep io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# orphans: a veth, a chain and a set, and a lease, of a container nobody knows
	ip -n "$NF_HOST" link add nf0123456789ab type veth peer name nforphanpeer
	ip netns exec "$NF_HOST" nft add chain inet netfence eg_0123456789ab
	ip netns exec "$NF_HOST" nft add set inet netfence eg4_0123456789ab '{ type ipv4_addr; }'
	mkdir -p "$NF_TMP/state/leases"
	echo ghost >"$NF_TMP/state/leases/10.213.200.0"
	run nf_netfence gc
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ip -n "$NF_HOST" -o link show nf0123456789ab 2>/dev/null)" ]
	run ip netns exec "$NF_HOST" nft list table inet netfence
	[[ $output != *0123456789ab* ]]
	[ ! -e "$NF_TMP/state/leases/10.213.200.0" ]
	# the live container is untouched
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	nf_assert_clean
}

@test "a namespace someone else already wired is refused (overlay mode not yet)" {
	local id ns
	id=$(nf_cid wired)
	ns=$(nf_netns wired)
	ip -n "${ns##*/}" link add cni0 type veth peer name cni1
	NF_NETNS_PATH=$ns nf_bundle wired io.netfence.policy=restricted
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" "already wired" cni
	# nothing was added to the namespace
	run ip -n "${ns##*/}" -o link show
	[[ $output != *eth0* ]]
	nf_assert_clean
}

@test "ipv6 on with IPv6 forwarding off is refused, saying how to enable it" {
	local id
	id=$(nf_cid v6off)
	ip netns exec "$NF_HOST" sysctl -qw net.ipv6.conf.all.forwarding=0
	nf_bundle v6off io.netfence.policy=restricted io.netfence.ipv6=on
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" "io.netfence.ipv6" \
		"net.ipv6.conf.all.forwarding=1"
	# never turned on by the hook
	[ "$(ip netns exec "$NF_HOST" sysctl -n net.ipv6.conf.all.forwarding)" = 0 ]
	nf_assert_clean
}

@test "a Kubernetes sandbox (pause) container is skipped" {
	local id links
	id=$(nf_cid pause)
	nf_bundle pause io.netfence.policy=restricted io.kubernetes.cri.container-type=sandbox
	nf_start runc "$NF_BUNDLE" "$id"
	links=$(nf_exec "$id" /bin/busybox ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1)
	echo "links: $links"
	run grep -vE "$NF_FALLBACK_RE" <<<"$links"
	[ -z "$output" ]
	[ ! -e "$NF_TMP/state/$id.json" ]
	nf_stop "$id"
	nf_assert_clean
}

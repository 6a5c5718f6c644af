#!/usr/bin/env bats
# io.netfence.bandwidth (SPEC section 11): traffic shaped on the host end of the veth. iperf3
# (Debian's, copied with its libraries into the test rootfs) runs in the container against an
# iperf3 server in WORLD; the measured rate must be within 10% of the annotation's. Overlay mode
# refuses the key; nothing of the shaping is left after stop.

load helpers

BW_PORT=5201

setup() {
	nf_world_setup
	# iperf3 and what it links, at the same paths in the rootfs (the dynamic loader's too)
	local f
	for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
		mkdir -p "$NF_TMP/rootfs$(dirname "$f")"
		cp -L "$f" "$NF_TMP/rootfs$f"
	done
	ip netns exec "$NF_WORLD" iperf3 -s -B "$NF_PUB1" -p "$BW_PORT" \
		>"$NF_TMP/out/srv-iperf3" 2>&1 </dev/null 3>&- &
	echo $! >>"$NF_TMP/pids"
	nf_wait_for 500 bw_listening
}

bw_listening() {
	[ -n "$(ip netns exec "$NF_WORLD" ss -Hltn "sport = :$BW_PORT")" ]
}

teardown() {
	nf_world_teardown
}

# bw_measure ID [-R]: iperf3 from the container for 6 s after 1 s left out (the bucket's burst and
# slow start); prints the receiver's rate in bits/s.
bw_measure() {
	local id=$1 out
	shift
	out=$(nf_exec "$id" /usr/bin/iperf3 -c "$NF_PUB1" -p "$BW_PORT" -t 6 -O 1 -J "$@")
	jq -r '.end.sum_received.bits_per_second | floor' <<<"$out"
}

# bw_within RATE WANT: RATE within 10% of WANT
bw_within() {
	echo "measured $1 bit/s, want $2 +-10%"
	[ "$1" -ge $(($2 * 9 / 10)) ] && [ "$1" -le $(($2 * 11 / 10)) ]
}

# nothing of the shaping in HOST: no ifb, no tbf or ingress qdisc on any nf* link
bw_assert_no_shaping() {
	local out
	nf_settled
	out=$(ip -n "$NF_HOST" -o link show | grep -E ': nfb[0-9a-f]{12}' || true)
	[ -z "$out" ] || { echo "leftover ifb: $out" >&2; return 1; }
	out=$(ip netns exec "$NF_HOST" tc qdisc show | grep -E 'tbf|ingress' || true)
	[ -z "$out" ] || { echo "leftover qdiscs: $out" >&2; return 1; }
}

@test "bandwidth (runc): egress=20mbit and ingress=20mbit measure 20 Mbit/s +-10%; nothing left after stop" {
	local id rate
	id=$(nf_cid bw)
	nf_bundle bw io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:$BW_PORT/tcp" \
		"io.netfence.bandwidth=egress=20mbit,ingress=20mbit"
	nf_start runc "$NF_BUNDLE" "$id"
	ip netns exec "$NF_HOST" tc qdisc show
	# gc leaves a live container's ifb alone
	nf_netfence gc
	ip -n "$NF_HOST" -o link show | grep -E ': nfb[0-9a-f]{12}'
	rate=$(bw_measure "$id")
	bw_within "$rate" 20000000
	rate=$(bw_measure "$id" -R)
	bw_within "$rate" 20000000
	nf_stop "$id"
	nf_assert_clean
	bw_assert_no_shaping
}

@test "bandwidth (crun): one rate for both directions, egress 10mbit measured +-10%; unshaped without the key" {
	local id rate
	id=$(nf_cid bw1)
	nf_bundle bw1 io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:$BW_PORT/tcp" \
		"io.netfence.bandwidth=10mbit"
	nf_start crun "$NF_BUNDLE" "$id"
	rate=$(bw_measure "$id")
	bw_within "$rate" 10000000
	rate=$(bw_measure "$id" -R)
	bw_within "$rate" 10000000
	nf_stop "$id"
	nf_assert_clean
	bw_assert_no_shaping
	# the same container without the key: nothing shaped, well above the rates above
	id=$(nf_cid bw2)
	nf_bundle bw2 io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:$BW_PORT/tcp"
	nf_start crun "$NF_BUNDLE" "$id"
	bw_assert_no_shaping
	rate=$(bw_measure "$id")
	echo "unshaped: $rate bit/s"
	[ "$rate" -gt 100000000 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "bandwidth: overlay mode refuses the key with a message; allow.limits false refuses it" {
	local id ns
	nf_shared_state
	id=$(nf_cid bwo)
	ns=$(nf_wire_by_hand bwo)
	NF_NETNS_PATH=$ns nf_bundle bwo io.netfence.policy=restricted "io.netfence.bandwidth=10mbit"
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" io.netfence.bandwidth overlay
	nf_assert_clean
	nf_hostconf '{"allow": {"limits": false}}'
	id=$(nf_cid bwa)
	nf_bundle bwa io.netfence.policy=restricted "io.netfence.bandwidth=10mbit"
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" \
		"io.netfence.bandwidth: the host configuration does not allow it"
	nf_assert_clean
}

@test "bandwidth: a killed set-up's ifb is removed by gc" {
	local id
	id=$(nf_cid bwk)
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV=NETFENCE_FAULT=before-complete NF_NO_POSTSTOP=1 \
		nf_bundle bwk io.netfence.policy=restricted "io.netfence.bandwidth=10mbit" \
		-- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *killed* ]]
	nf_settled
	ip -n "$NF_HOST" -o link show | grep -E ': nfb[0-9a-f]{12}'
	nf_netfence gc
	nf_assert_clean
	bw_assert_no_shaping
}

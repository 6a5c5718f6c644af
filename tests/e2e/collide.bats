#!/usr/bin/env bats
# Host-side names (SPEC section 5) never collide between live containers, whatever their ids:
# two ids whose names collided under the old scheme (48 bits of FNV-1a of the id, found by
# tests/collide/collide.c in seconds) both run with their own policies, and stop leaving
# nothing behind.

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	nf_shared_state
	NF_COLLIDE=${NF_COLLIDE:-$NF_ROOT/build/collide}
	[ -x "$NF_COLLIDE" ] || skip "no $NF_COLLIDE (make build/collide)"
	# a pair for this test: PREFIX + 12 hex digits each, same old name suffix
	read -r ID_A ID_B OLD_HEX < <("$NF_COLLIDE" "nf$NF_TAG-")
	[ -n "$OLD_HEX" ]
	[ "$("$NF_COLLIDE" -c "$ID_A" | cut -d' ' -f2)" = "$OLD_HEX" ]
	[ "$("$NF_COLLIDE" -c "$ID_B" | cut -d' ' -f2)" = "$OLD_HEX" ]
	[ "$ID_A" != "$ID_B" ]
}

teardown() {
	nf_world_teardown
}

# A: egress $NF_PUB1:443; B: egress $NF_PUB2:443.
col_expect_a() { # ID
	nf_expect_open "$1" "$NF_PUB1" 443
	nf_expect_blocked "$1" "$NF_PUB2" 443
	nf_expect_blocked "$1" "$NF_PUB1" 80
}
col_expect_b() { # ID
	nf_expect_open "$1" "$NF_PUB2" 443
	nf_expect_blocked "$1" "$NF_PUB1" 443
	nf_expect_blocked "$1" "$NF_PUB2" 80
}

@test "names: two ids that collided under the old scheme run side by side (wire)" {
	local ha hb
	echo "ids: $ID_A $ID_B (old suffix $OLD_HEX)"
	nf_bundle ca io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$ID_A"
	nf_bundle cb io.netfence.policy=restricted "io.netfence.egress=$NF_PUB2:443"
	nf_start runc "$NF_BUNDLE" "$ID_B"
	ha=$(jq -r .hex "$NF_TMP/state/$ID_A.json")
	hb=$(jq -r .hex "$NF_TMP/state/$ID_B.json")
	echo "recorded: $ha $hb"
	[ "$ha" != "$hb" ]
	[[ $ha =~ ^[0-9a-f]{12}$ ]] && [[ $hb =~ ^[0-9a-f]{12}$ ]]
	[ "$(nf_host_nf_links | sort | tr '\n' ' ')" = "$(printf 'nf%s\n' "$ha" "$hb" | sort |
		tr '\n' ' ')" ]
	col_expect_a "$ID_A"
	col_expect_b "$ID_B"
	# status and gc go by the recorded names: gc removes nothing of either
	run nf_netfence gc
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# the first stops: the second keeps its link, rules and policy
	nf_stop "$ID_A"
	nf_settled
	[ "$(nf_host_nf_links)" = "nf$hb" ]
	col_expect_b "$ID_B"
	nf_stop "$ID_B"
	nf_assert_clean
}

@test "names: two ids that collided under the old scheme, each in a pod of its own (overlay)" {
	local nsa nsb
	nsa=$(nf_wire_by_hand cla)
	nsb=$(nf_netns clb)
	# b's namespace wired by hand too, on its own prefix
	ip -n "$NF_HOST" link add hwclb type veth peer name eth0 netns "${nsb##*/}"
	ip -n "$NF_HOST" addr add 10.56.0.1/24 dev hwclb
	ip -n "$NF_HOST" link set hwclb up
	ip -n "${nsb##*/}" addr add 10.56.0.2/24 dev eth0
	ip -n "${nsb##*/}" link set eth0 up
	ip -n "${nsb##*/}" link set lo up
	ip -n "${nsb##*/}" route add default via 10.56.0.1
	ip -n "$NF_WORLD" route add 10.56.0.0/24 via "$NF_UP4_HOST"
	NF_NETNS_PATH=$nsa nf_bundle ca io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$ID_A"
	NF_NETNS_PATH=$nsb nf_bundle cb io.netfence.policy=restricted "io.netfence.egress=$NF_PUB2:443"
	nf_start runc "$NF_BUNDLE" "$ID_B"
	col_expect_a "$ID_A"
	col_expect_b "$ID_B"
	# one namespace handle each
	[ "$(findmnt -rn -o TARGET | grep -c "^$NF_TMP/state/netns/")" -eq 2 ]
	nf_stop "$ID_A"
	nf_settled
	col_expect_b "$ID_B"
	nsenter --net="$nsb" nft list table inet netfence >/dev/null
	nf_stop "$ID_B"
	nf_assert_ns_clean "$nsa"
	nf_assert_ns_clean "$nsb"
	nf_assert_clean
}

# An nf* link netfence's records do not know (another state_dir's container, a leftover) with
# the name a set-up picks: the set-up is refused, and its clean-up leaves that link alone.
@test "names: a failed set-up's clean-up never removes a link it did not make" {
	local hex
	hex=$("$NF_COLLIDE" -c "$ID_A" | cut -d' ' -f2)
	ip -n "$NF_HOST" link add "nf$hex" type veth peer name nfcolpeer
	nf_bundle ca io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	run nf_run_runc "$NF_BUNDLE" "$ID_A"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $ID_A" "nf$hex already exists"
	nf_settled
	ip -n "$NF_HOST" link show "nf$hex"
	[ ! -e "$NF_TMP/state/$ID_A.json" ]
	# the name goes with its container: the next one may take it
	ip -n "$NF_HOST" link del "nf$hex"
	nf_bundle ca io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$ID_A"
	[ "$(jq -r .hex "$NF_TMP/state/$ID_A.json")" = "$hex" ]
	nf_expect_open "$ID_A" "$NF_PUB1" 443
	nf_stop "$ID_A"
	nf_assert_clean
}

#!/usr/bin/env bats
# io.netfence.rate and io.netfence.quota (SPEC section 11): new connections beyond the rate are
# refused fast and counted, egress past the quota is dropped (a connect fails fast), status
# shows both, nothing of them is left after stop; a host table of the previous netfence keeps
# working.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

# "open X blocked Y timeout Z blocked_max Nms" (probe connburst): the field after NAME
burst_field() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { sub(/ms$/, "", $(i + 1)); print $(i + 1) } }' \
		<<<"$NF_PROBE_OUT"
}

status_json() {
	nf_netfence status --json "$1" | jq -c '.[0]'
}

rate_checks() {
	local rt=$1 id open blocked timeout max js
	id=$(nf_cid r)
	nf_bundle r io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" \
		io.netfence.rate=10/s
	nf_start "$rt" "$NF_BUNDLE" "$id"
	# 100 connects at once: the limit's burst (10) gets through, the rest is refused at once
	nf_probe "$id" connburst "$NF_PUB1" 443 100 3000
	open=$(burst_field open)
	blocked=$(burst_field blocked)
	timeout=$(burst_field timeout)
	max=$(burst_field blocked_max)
	[ "$timeout" -eq 0 ]
	[ "$open" -ge 9 ] && [ "$open" -le 13 ]
	[ "$blocked" -eq $((100 - open)) ]
	# refused fast, like any blocked connection
	[ "$max" -lt 500 ]
	js=$(status_json "$id")
	echo "status: $js"
	[ "$(jq .limits.rate_refused <<<"$js")" -eq "$blocked" ]
	[ "$(jq .limits.quota_allowed <<<"$js")" = null ]
	run nf_netfence status
	echo "$output"
	[[ $output == *"rate: $blocked new connections refused"* ]]
	# the rate refills: a connect a moment later opens
	nf_wait_for 100 nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

quota_checks() {
	local rt=$1 id got js used
	id=$(nf_cid q)
	nf_bg_world echo serve echo "$NF_PUB1" 7777
	nf_wait_for 500 grep -q listening "$NF_TMP/out/srv-echo"
	nf_bundle q io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:7777,$NF_PUB1:443" \
		io.netfence.quota=1MB
	nf_start "$rt" "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	# 3 MB to the echo server: what reaches it stops short of 1 MB of packets (the payload
	# is what is left after headers and the container's ACKs, and the one packet that
	# crossed the quota, a TSO segment of up to 64 KiB, is dropped). Counted by the server's
	# socket: the echo stalls with the container's ACKs.
	! nf_probe "$id" send "$NF_PUB1" 7777 3000000 1000
	got=$(ip netns exec "$NF_WORLD" ss -tinH state established '( sport = :7777 )' |
		grep -o 'bytes_received:[0-9]*' | cut -d: -f2)
	echo "the server received $got bytes"
	[ "$got" -le 1000000 ]
	[ "$got" -ge 850000 ]
	# later connects fail fast (the SYN is answered with a reset)
	nf_expect_blocked "$id" "$NF_PUB1" 443
	js=$(status_json "$id")
	echo "status: $js"
	[ "$(jq .limits.quota_allowed <<<"$js")" -eq 1000000 ]
	used=$(jq .limits.quota_used <<<"$js")
	[ "$used" -ge 1000000 ]
	run nf_netfence status "$id"
	echo "$output"
	[[ $output == *"quota: $used of 1000000 bytes used"* ]]
	nf_stop "$id"
	nf_assert_clean
}

@test "rate 10/s: a burst of 100 connects gets about 10 through, the rest refused fast (runc)" {
	rate_checks runc
}

@test "rate 10/s: a burst of 100 connects gets about 10 through, the rest refused fast (crun)" {
	rate_checks crun
}

@test "quota 1MB: a transfer stops at 1 MB, later connects fail fast, status shows it (runc)" {
	quota_checks runc
}

@test "quota 1MB: a transfer stops at 1 MB, later connects fail fast, status shows it (crun)" {
	quota_checks crun
}

@test "rate and quota, overlay mode: in the namespace's table, refused fast" {
	local id ns js
	id=$(nf_cid ov)
	ns=$(nf_wire_by_hand ov)
	NF_NETNS_PATH=$ns nf_bundle ov io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443" io.netfence.rate=5/s io.netfence.quota=2MiB
	nf_start runc "$NF_BUNDLE" "$id"
	nf_probe "$id" connburst "$NF_PUB1" 443 50 3000
	[ "$(burst_field timeout)" -eq 0 ]
	[ "$(burst_field open)" -ge 4 ] && [ "$(burst_field open)" -le 8 ]
	[ "$(burst_field blocked_max)" -lt 500 ]
	js=$(status_json "$id")
	echo "status: $js"
	[ "$(jq .limits.rate_refused <<<"$js")" -eq "$(burst_field blocked)" ]
	[ "$(jq .limits.quota_allowed <<<"$js")" -eq 2097152 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "rate and quota: refused with allow.limits false, naming the key" {
	local id
	id=$(nf_cid d)
	nf_hostconf '{"allow": {"limits": false}}'
	nf_bundle d io.netfence.policy=restricted io.netfence.quota=1MB
	run nf_run runc "$NF_BUNDLE" "$id"
	nf_assert_refused "$output" "$status" io.netfence.quota allow.limits
	nf_assert_clean
}

# A host table made by the netfence before issue 12 (counters acc_/blk_, no log rules): its
# containers and new ones count as before, limits are refused with a message until it holds no
# container, then the next set-up replaces it.
@test "a host table of the previous netfence keeps working, and is replaced once empty (runc)" {
	[ -x "${NF_PREV_BIN:-}" ] || skip "NF_PREV_BIN: the netfence before issue 12"
	local a b c hook=$NF_TMP/hook-bin rs hexa hexb
	a=$(nf_cid a)
	b=$(nf_cid b)
	c=$(nf_cid c)
	cp "$NF_PREV_BIN" "$hook"
	NF_HOOK=$hook nf_bundle a io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$a"
	hexa=$(jq -r .ifname "$NF_TMP/state/$a.json")
	hexa=${hexa#nf}
	rs=$(ip netns exec "$NF_HOST" nft list table inet netfence)
	grep -q "counter acc_$hexa" <<<"$rs"
	! grep -q "blk_e_drop" <<<"$rs"

	nf_bundle b io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$b"
	hexb=$(jq -r .ifname "$NF_TMP/state/$b.json")
	hexb=${hexb#nf}
	rs=$(ip netns exec "$NF_HOST" nft list table inet netfence)
	grep -q "counter acc_$hexb" <<<"$rs"
	nf_expect_open "$a" "$NF_PUB1" 443
	nf_expect_blocked "$a" "$NF_PUB2" 443
	nf_expect_open "$b" "$NF_PUB1" 443
	nf_expect_blocked "$b" "$NF_PUB2" 443
	run nf_netfence status --json
	echo "$output"
	[ "$(jq --arg id "$b" '.[] | select(.id == $id) | .counters.accepted_packets' \
		<<<"$output")" -gt 0 ]
	[ "$(jq --arg id "$b" '.[] | select(.id == $id) | .counters.blocked_packets' \
		<<<"$output")" -gt 0 ]

	nf_bundle c io.netfence.policy=restricted io.netfence.rate=10/s
	run nf_run runc "$NF_BUNDLE" "$c"
	nf_assert_refused "$output" "$status" "io.netfence.rate" "holds no container"

	cp "$NF_BIN" "$hook"
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
	# empty: the next set-up makes the table of this netfence
	nf_bundle c io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" \
		io.netfence.rate=10/s
	nf_start runc "$NF_BUNDLE" "$c"
	rs=$(ip netns exec "$NF_HOST" nft list table inet netfence)
	grep -q "chain blk_e_drop" <<<"$rs"
	! grep -q "counter acc_" <<<"$rs"
	nf_expect_open "$c" "$NF_PUB1" 443
	nf_stop "$c"
	nf_assert_clean
}

@test "gc removes the objects of a container that died without poststop" {
	local a
	a=$(nf_cid g)
	NF_NO_POSTSTOP=1 nf_bundle g io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" \
		io.netfence.rate=100/s io.netfence.quota=5MB
	nf_start runc "$NF_BUNDLE" "$a"
	nf_rt runc kill "$a" KILL
	nf_wait_for 250 nf_not nf_is_running "$a"
	nf_rt runc delete -f "$a"
	ip netns exec "$NF_HOST" nft list table inet netfence | grep -q "quota qo_"
	run nf_netfence gc
	echo "gc: $output"
	[ "$status" -eq 0 ]
	nf_assert_clean
}

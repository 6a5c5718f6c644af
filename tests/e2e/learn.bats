#!/usr/bin/env bats
# learned sets (SPEC section 10, docs/RULESET.md): addresses added with a timeout by the resolver
# (here build/test/learn, which drives lib/kernel/nft_learn the same way) open new connections
# for exactly as long as the timeout; established ones outlive it; they belong to one container;
# its tear-down leaves none behind, on runc and crun.

load helpers

NF_LEARN=${NF_LEARN:-$NF_ROOT/build/test/learn}

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

learn() {
	nf_host "$NF_LEARN" "$@"
}

nf_ifname() {
	jq -r .ifname "$NF_TMP/state/$1.json"
}

# The container's learned elements in the host table (lines with its interface name).
host_learned() {
	ip netns exec "$NF_HOST" nft list table inet netfence | grep -E "\"$1\" \. [0-9a-f.:]+ \. " |
		grep timeout || true
}

held_lines_at_least() {
	[ "$(wc -l <"$NF_TMP/out/held")" -ge "$1" ]
}

learned_none() {
	[ -z "$(learn dump "/proc/$1/ns/net")" ]
}

learn_checks() {
	local rt=$1 a b pa pb ifa n0 n1
	a=$(nf_cid a)
	b=$(nf_cid b)
	nf_bundle a io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start "$rt" "$NF_BUNDLE" "$a"
	nf_bundle b io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start "$rt" "$NF_BUNDLE" "$b"
	pa=$(nf_pid "$a")
	pb=$(nf_pid "$b")
	ifa=$(nf_ifname "$a")
	[[ $ifa =~ ^nf[0-9a-f]{12}$ ]]
	nf_expect_blocked "$a" "$NF_PUB3" 443
	nf_expect_blocked "$a" "$NF_PUB3" 4443
	learned_none "$pa"

	# a server in WORLD that records what an established connection carries
	ip netns exec "$NF_WORLD" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 4443))
s.listen(1)
c, _ = s.accept()
while True:
    d = c.recv(4096)
    if not d:
        break
    sys.stdout.write(d.decode()); sys.stdout.flush()
' "$NF_PUB3" >"$NF_TMP/out/held" 2>&1 </dev/null 3>&- &
	echo $! >>"$NF_TMP/pids"
	nf_wait_for 250 ip netns exec "$NF_WORLD" sh -c "ss -ltn | grep -q ':4443 '"

	# learned for 3 s: new connections open at once, in both copies (host, namespace)
	learn add "/proc/$pa/ns/net" "$ifa" "$NF_PUB3" 6 4443 3000
	learn add "/proc/$pa/ns/net" "$ifa" "$NF_PUB3" 6 443 3000
	nf_exec "$a" /bin/busybox sh -c \
		"while :; do echo ping; sleep 0.2; done | /bin/busybox nc $NF_PUB3 4443" \
		>/dev/null 2>&1 3>&- &
	echo $! >>"$NF_TMP/pids"
	nf_wait_for 250 test -s "$NF_TMP/out/held"
	nf_expect_open "$a" "$NF_PUB3" 443
	learn dump "/proc/$pa/ns/net" | grep -E "^$NF_PUB3 6 443-443 [0-9]+$"
	[ -n "$(host_learned "$ifa")" ]

	# expired: new connections are refused, the established one goes on
	nf_wait_for 500 learned_none "$pa"
	nf_expect_blocked "$a" "$NF_PUB3" 443
	nf_expect_blocked "$a" "$NF_PUB3" 4443
	[ -z "$(host_learned "$ifa")" ]
	n0=$(wc -l <"$NF_TMP/out/held")
	nf_wait_for 250 held_lines_at_least $((n0 + 3))
	n1=$(wc -l <"$NF_TMP/out/held")
	echo "established: $n0 -> $n1 lines after the expiry"

	# one container's learned address opens nothing for another
	learn add "/proc/$pa/ns/net" "$ifa" "$NF_PUB3" 6 443 60000
	nf_expect_open "$a" "$NF_PUB3" 443
	nf_expect_blocked "$b" "$NF_PUB3" 443
	learned_none "$pb"

	# status shows it with the seconds left
	run nf_netfence status "$a"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ learned:\ $NF_PUB3\ tcp/443\ expires\ in\ (5[0-9]|60)\ s ]]
	run nf_netfence status --json "$a"
	[ "$status" -eq 0 ]
	jq -e --arg a "$NF_PUB3" '.[0].learned == [{address: $a, protocol: "tcp", ports: "443",
		expires_in: .[0].learned[0].expires_in}] and .[0].learned[0].expires_in > 50' \
		<<<"$output"
	run nf_netfence status "$b"
	[[ $output =~ learned:\ none ]]

	# the tear-down removes its learned elements from the host table (no resolver involved)
	[ -n "$(host_learned "$ifa")" ]
	nf_stop "$a"
	[ -z "$(host_learned "$ifa")" ]
	nf_stop "$b"
	nf_assert_clean
}

@test "learned address: open for its timeout, established survives, one container only (runc)" {
	learn_checks runc
}

@test "learned address: open for its timeout, established survives, one container only (crun)" {
	learn_checks crun
}

# NF_OLD_BIN: a netfence built before the learned sets (e.g. `git worktree add /tmp/old <commit>`
# and `make build/netfence` there). Its host table gets them in place from the next set-up.
@test "learned sets: a host table of the previous netfence is upgraded in place (runc)" {
	[ -x "${NF_OLD_BIN:-}" ] || skip "NF_OLD_BIN: a netfence built before the learned sets"
	local a b pb ifb hook=$NF_TMP/hook-bin rs
	a=$(nf_cid a)
	b=$(nf_cid b)
	# A's hook path holds the old binary at set-up and the new one at tear-down (an upgrade)
	cp "$NF_OLD_BIN" "$hook"
	NF_HOOK=$hook nf_bundle a io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$a"
	rs=$(ip netns exec "$NF_HOST" nft list table inet netfence)
	! grep -q "set dyn4_00" <<<"$rs"

	nf_bundle b io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$b"
	rs=$(ip netns exec "$NF_HOST" nft list table inet netfence)
	[ "$(grep -c "set dyn4_[0-9]* {" <<<"$rs")" -eq 256 ]
	[ "$(grep -c "set dyn6_[0-9]* {" <<<"$rs")" -eq 256 ]
	# right after eg6_NN in each egress_NN and host_in_NN: dyn4_NN, then dyn6_NN
	[ "$(grep -A2 "th dport @eg6_" <<<"$rs" | grep -c "th dport @dyn4_")" -eq 512 ]
	[ "$(grep -A1 "th dport @dyn4_" <<<"$rs" | grep -c "th dport @dyn6_")" -eq 512 ]

	# A stayed fenced throughout; B learns
	nf_expect_open "$a" "$NF_PUB1" 443
	nf_expect_blocked "$a" "$NF_PUB2" 443
	pb=$(nf_pid "$b")
	ifb=$(nf_ifname "$b")
	nf_expect_blocked "$b" "$NF_PUB3" 443
	learn add "/proc/$pb/ns/net" "$ifb" "$NF_PUB3" 6 443 60000
	nf_expect_open "$b" "$NF_PUB3" 443

	cp "$NF_BIN" "$hook"
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
}

@test "learned sets: gc removes the learned elements of a container that died without poststop" {
	local a pa ifa
	a=$(nf_cid a)
	NF_NO_POSTSTOP=1 nf_bundle a io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$a"
	pa=$(nf_pid "$a")
	ifa=$(nf_ifname "$a")
	learn add "/proc/$pa/ns/net" "$ifa" "$NF_PUB3" 6 443 600000
	learn add "/proc/$pa/ns/net" "$ifa" "$NF_PUB2" 17 53 600000
	[ "$(host_learned "$ifa" | wc -l)" -eq 2 ]
	nf_rt runc kill "$a" KILL
	nf_wait_for 250 nf_not nf_is_running "$a"
	nf_rt runc delete -f "$a"
	# no poststop ran: the learned elements are still there
	[ "$(host_learned "$ifa" | wc -l)" -eq 2 ]
	run nf_netfence gc
	echo "gc: $output"
	[ "$status" -eq 0 ]
	[ -z "$(host_learned "$ifa")" ]
	nf_assert_clean
}

@test "learned address, overlay: in both of the namespace's tables, nothing on the host" {
	local id ns
	id=$(nf_cid ov)
	ns=$(nf_wire_by_hand ov)
	NF_NETNS_PATH=$ns nf_bundle ov io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$NF_PUB3" 443
	learn add "$ns" - "$NF_PUB3" 6 443 60000 netdev
	nf_expect_open "$id" "$NF_PUB3" 443
	nf_expect_blocked "$id" "$NF_PUB3" 80
	ip netns exec "${ns##*/}" nft list table inet netfence | grep "$NF_PUB3 . tcp . 443 timeout"
	ip netns exec "${ns##*/}" nft list table netdev netfence | grep "$NF_PUB3 . tcp . 443 timeout"
	nf_not sh -c "ip netns exec $NF_HOST nft list ruleset | grep -q '$NF_PUB3'"
	learn dump "$ns" | grep -E "^$NF_PUB3 6 443-443 [0-9]+$"
	nf_stop "$id"
	nf_assert_clean
}

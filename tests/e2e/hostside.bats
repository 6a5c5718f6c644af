#!/usr/bin/env bats
# The host side of the fence: anti-spoofing, gc's sweep of what no state names; overlay mode on
# a namespace wired by hand (as a CNI plugin would), shared by several containers; the
# containers the hook must refuse or skip (IPv6 without forwarding, Kubernetes sandboxes).

load helpers

setup() {
	nf_world_setup
	# the runtime's mount namespace shares state_dir, so overlay handles are real mounts
	nf_shared_state
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

# host_shard IFNAME: the host table's shard of a host end (docs/RULESET.md, "Shards": the
# kernel's jhash of the 16-byte name, seed 0x6e66, mod 256), as two digits or three
host_shard() {
	python3 - "$1" <<'PY'
import struct, sys
M = 0xffffffff
def rol(x, k): return ((x << k) | (x >> (32 - k))) & M
def jhash(key, seed):
    a = b = c = (0xdeadbeef + len(key) + seed) & M
    k = key
    while len(k) > 12:
        w0, w1, w2 = struct.unpack("<3I", k[:12])
        a = (a + w0) & M; b = (b + w1) & M; c = (c + w2) & M
        a = (a - c) & M; a ^= rol(c, 4); c = (c + b) & M
        b = (b - a) & M; b ^= rol(a, 6); a = (a + c) & M
        c = (c - b) & M; c ^= rol(b, 8); b = (b + a) & M
        a = (a - c) & M; a ^= rol(c, 16); c = (c + b) & M
        b = (b - a) & M; b ^= rol(a, 19); a = (a + c) & M
        c = (c - b) & M; c ^= rol(b, 4); b = (b + a) & M
        k = k[12:]
    if not k: return c
    t = k.ljust(12, b"\0")
    w0, w1, w2 = struct.unpack("<3I", t)
    a = (a + w0) & M; b = (b + w1) & M; c = (c + w2) & M
    c ^= b; c = (c - rol(b, 14)) & M
    a ^= c; a = (a - rol(c, 11)) & M
    b ^= a; b = (b - rol(a, 25)) & M
    c ^= b; c = (c - rol(b, 16)) & M
    a ^= c; a = (a - rol(c, 4)) & M
    b ^= a; b = (b - rol(a, 14)) & M
    c ^= b; c = (c - rol(b, 24)) & M
    return c
print("%02d" % ((jhash(sys.argv[1].encode().ljust(16, b"\0"), 0x6e66) * 256) >> 32))
PY
}

@test "gc: removes nf* links, host chains and leases that no state names" {
	local id shard
	# a real container first, so that the host table exists and gc must keep its objects
	id=$(nf_cid keep)
	nf_bundle keep io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# orphans: a veth, the host table's elements and counters, and a lease, of a container
	# nobody knows
	ip -n "$NF_HOST" link add nf0123456789ab type veth peer name nforphanpeer
	shard=$(host_shard nf0123456789ab)
	ip netns exec "$NF_HOST" nft -f - <<-EOF
		add counter inet netfence ae_0123456789ab
		add counter inet netfence be_0123456789ab
		add element inet netfence ifaces { "nf0123456789ab" }
		add element inet netfence own4 { "nf0123456789ab" . 10.213.200.0 }
		add element inet netfence eg4_$shard { "nf0123456789ab" . 192.0.2.0/24 . tcp . 443 }
		add element inet netfence ae { "nf0123456789ab" : "ae_0123456789ab" }
		add element inet netfence be { "nf0123456789ab" : "be_0123456789ab" }
	EOF
	# and a counter object alone (a set-up's batch makes both or neither; gc finds either)
	ip netns exec "$NF_HOST" nft add counter inet netfence ae_0123456789ac
	mkdir -p "$NF_TMP/state/leases"
	echo ghost >"$NF_TMP/state/leases/10.213.200.0"
	run nf_netfence gc
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ip -n "$NF_HOST" -o link show nf0123456789ab 2>/dev/null)" ]
	run ip netns exec "$NF_HOST" nft list table inet netfence
	[[ $output != *0123456789ab* ]]
	[[ $output != *0123456789ac* ]]
	[[ $output != *10.213.200.0* ]]
	[ ! -e "$NF_TMP/state/leases/10.213.200.0" ]
	# the live container is untouched
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	nf_assert_clean
}

@test "overlay: a namespace someone else wired gets the policy inside it, nothing added" {
	local id ns before after
	id=$(nf_cid ov)
	ns=$(nf_wire_by_hand ov)
	before=$(ip -n "${ns##*/}" -o link show | awk -F': ' '{print $2}' | sort)
	NF_NETNS_PATH=$ns nf_bundle ov io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	after=$(ip -n "${ns##*/}" -o link show | awk -F': ' '{print $2}' | sort)
	[ "$before" = "$after" ]
	# the namespace handle is a bind mount under state_dir/netns while the fence exists
	findmnt -rn -o TARGET | grep -q "^$NF_TMP/state/netns/"
	# the handle, not a pid or the path, is what tear-down uses: take the path away
	ip netns del "${ns##*/}"
	ns=$(findmnt -rn -o TARGET | grep "^$NF_TMP/state/netns/" | head -n1)
	[ -z "$(nf_host_nf_links)" ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_expect_blocked "$id" "$NF_META" 80
	nf_expect_blocked "$id" 10.55.0.1 "$NF_HOST_SVC_PORT"
	run nf_netfence status --json "$id"
	echo "$output"
	[ "$(jq -r '.[0].mode' <<<"$output")" = overlay ]
	# keep our own reference to the namespace to look inside after tear-down
	touch "$NF_TMP/ovref"
	mount --bind "$ns" "$NF_TMP/ovref"
	nf_stop "$id"
	run nsenter --net="$NF_TMP/ovref" nft list ruleset
	umount "$NF_TMP/ovref"
	echo "left in the namespace: $output"
	[ -z "$output" ]
	nf_assert_clean
}

@test "overlay: CAP_NET_ADMIN is refused unless seccomp denies NETLINK_NETFILTER sockets" {
	local id ns
	id=$(nf_cid cap)
	ns=$(nf_wire_by_hand cap)
	NF_NETNS_PATH=$ns NF_CONFIG_JQ='.process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])' \
		nf_bundle cap io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" CAP_NET_ADMIN NETLINK_NETFILTER
	nf_assert_clean
	# the same container with a filter that denies socket(AF_NETLINK, *, NETLINK_NETFILTER)
	NF_NETNS_PATH=$ns NF_CONFIG_JQ='.process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
		    syscalls: [{names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
		                args: [{index: 0, value: 16, op: "SCMP_CMP_EQ"},
		                       {index: 2, value: 12, op: "SCMP_CMP_EQ"}]}]}' \
		nf_bundle cap2 io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" \
		-- /probe connect tcp "$NF_PUB1" 443 2000
	run nf_run_runc "$NF_BUNDLE" "$(nf_cid cap2)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == open* ]]
	nf_assert_clean
}

@test "overlay: containers sharing a namespace share its fence; the last one removes it" {
	local a b ns
	a=$(nf_cid sa)
	b=$(nf_cid sb)
	ns=$(nf_wire_by_hand sh)
	NF_NETNS_PATH=$ns nf_bundle sa io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$a"
	# a different policy may not join
	NF_NETNS_PATH=$ns nf_bundle sx io.netfence.policy=internet
	run nf_run_runc "$NF_BUNDLE" "$(nf_cid sx)"
	echo "$output"
	nf_assert_refused "$output" "$status" "already fenced" "different policy"
	# the same policy (rules in another order, duplicated) joins
	NF_NETNS_PATH=$ns nf_bundle sb io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443,$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$b"
	nf_stop "$a"
	# the fence still holds for the second
	nf_expect_open "$b" "$NF_PUB1" 443
	nf_expect_blocked "$b" "$NF_PUB1" 80
	[ -n "$(ip netns exec "${ns##*/}" nft list ruleset)" ]
	nf_stop "$b"
	[ -z "$(ip netns exec "${ns##*/}" nft list ruleset)" ]
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

@test "a Kubernetes sandbox (pause) container is skipped on a host configured for Kubernetes" {
	local id links
	id=$(nf_cid pause)
	nf_hostconf '{"kubernetes": true}'
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

@test "gc: a member of a shared fence that died without poststop leaves it; the fence stays" {
	local a b ns pidb
	a=$(nf_cid ga)
	b=$(nf_cid gb)
	ns=$(nf_wire_by_hand gs)
	NF_NETNS_PATH=$ns nf_bundle ga io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$a"
	NF_NETNS_PATH=$ns nf_bundle gb io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$b"
	[ -e "$NF_TMP/state/$b.json" ]
	# b's runtime dies with it: no poststop
	pidb=$(nf_pid "$b")
	kill -9 "$pidb"
	nf_wait_for 250 nf_not test -d "/proc/$pidb"
	run nf_netfence gc
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$NF_TMP/state/$b.json" ]
	[ "$(jq -r '.members | map(.id) | join(",")' "$NF_TMP/state/$a.json")" = "$a" ]
	# a is still fenced
	nf_expect_open "$a" "$NF_PUB1" 443
	nf_expect_blocked "$a" "$NF_PUB1" 80
	nf_stop "$a"
	nf_rt runc delete -f "$b" >/dev/null 2>&1 || true
	nf_assert_clean
}

# The host part of the tear-down (rules, the container's own table) happens before poststop
# returns; the kernel-bound rest (veth, conntrack, lease, state) in a detached process that
# holds the state lock meanwhile.
@test "tear-down in the background: poststop hides the container at once, then everything goes" {
	local id hex
	id=$(nf_cid bgtd)
	nf_bundle bgtd io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	hex=$(jq -r .hex "$NF_TMP/state/$id.json")
	[ "${#hex}" -eq 12 ]
	run ip netns exec "$NF_HOST" nft list table inet netfence
	[[ $output == *"ae_$hex"* ]]
	nf_stop "$id"
	# no waiting: the rules are gone and status no longer lists the container
	run ip netns exec "$NF_HOST" nft list table inet netfence
	[[ $output != *"$hex"* ]]
	run nf_netfence status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"$id"* ]]
	nf_assert_clean
	# the same id starts again at once (its set-up waits for the lock, not for luck)
	nf_bundle bgtd io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "tear-down with \"teardown\": \"wait\": nothing is left when poststop returns" {
	local id ns
	nf_hostconf '{"teardown": "wait"}'
	id=$(nf_cid wtd)
	ns=$(nf_netns wtd)
	# a namespace that outlives the container: the veth goes only because netfence deletes it
	NF_NETNS_PATH=$ns nf_bundle wtd io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	[ -e "$NF_TMP/state/$id.json" ]
	nf_stop "$id"
	# no nf_settled: the lock is free and the state, links and leases are already gone
	flock -n "$NF_TMP/state/.lock" true
	[ ! -e "$NF_TMP/state/$id.json" ]
	[ -z "$(ip -n "$NF_HOST" -o link show | grep -E ': nf[0-9a-f]{12}[@:]')" ]
	[ -z "$(find "$NF_TMP/state/leases" -type f ! -name '.*')" ]
	nf_assert_clean
}

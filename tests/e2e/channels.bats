#!/usr/bin/env bats
# Channels and spellings a container could still use (issue 9, item 7): ICMP errors quoting a
# flow the container forged must not carry data to a blocked address (wire and pod mode), and
# capability names are read the way the runtimes read them (crun: cap_net_admin, 12, ...).

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	nf_shared_state
}

teardown() {
	nf_pod_teardown
}

# The container keeps CAP_NET_RAW (docker's default) and has no netfence seccomp filter.
RAW_JQ='.process.capabilities |= map_values(. + ["CAP_NET_RAW"])'

# channel_count ID ADDR PROBE-ARGS...: WORLD counts the ICMP packets carrying the probe's mark
# that reach ADDR (a blocked address) while the container runs /probe PROBE-ARGS (icmpchannel:
# forges a SYN from ADDR, then sends ICMP errors quoting it to ADDR; icmpquote: errors quoting
# someone else's flow); then an echo request to $NF_PUB1 (allowed, same path, sent last) ends
# the count. Prints the count.
channel_count() {
	local id=$1 addr=$2 out
	shift 2
	out=$NF_TMP/out/srv-icmpcount
	rm -f "$out"
	nf_bg_world icmpcount icmpcount "$addr" 10000
	nf_wait_for 500 grep -q listening "$out" || return 1
	nf_exec "$id" /probe "$@" >&2 || true
	nf_exec "$id" /probe icmpend "$NF_PUB1" >&2
	nf_wait_for 750 grep -q '^count' "$out" || return 1
	awk '/^count/ {print $2}' "$out"
}

# channel_checks ID ADDR: no ICMP error reaches the blocked address, whatever flow it quotes
# (forged to the allowed destination, or to the container's own address over loopback).
channel_checks() {
	local id=$1 addr=$2 n
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	n=$(channel_count "$id" "$NF_PUB2" icmpchannel "$NF_PUB2" "$NF_PUB1" 443)
	echo "forged $NF_PUB2 -> $NF_PUB1:443: $n ICMP errors reached $NF_PUB2"
	[ "$n" -eq 0 ]
	n=$(channel_count "$id" "$NF_PUB2" icmpchannel "$NF_PUB2" "$addr" 443)
	echo "forged $NF_PUB2 -> $addr:443 (own address): $n ICMP errors reached $NF_PUB2"
	[ "$n" -eq 0 ]
	# what the container opened itself still works, its errors included
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
}

@test "channels (wire, runc): ICMP errors quoting a forged flow never reach a blocked address" {
	local id a4
	id=$(nf_cid icmpw)
	NF_CONFIG_JQ=$RAW_JQ nf_bundle icmpw io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443,$NF_PUB1/icmp"
	nf_start runc "$NF_BUNDLE" "$id"
	a4=$(nf_addr4 "$id")
	[[ $a4 =~ ^10\.213\. ]]
	channel_checks "$id" "$a4"
	nf_stop "$id"
	nf_assert_clean
}

# The local port of HOST's connection to $NF_PUB2:443.
host_flow_port() {
	ip netns exec "$NF_HOST" ss -tnH dst "$NF_PUB2:443" |
		awk 'NR == 1 {n = split($4, a, ":"); print a[n]}' | grep .
}

@test "channels (wire, runc): ICMP errors quoting the host's own flow never reach its peer" {
	local id port n
	id=$(nf_cid icmph)
	NF_CONFIG_JQ=$RAW_JQ nf_bundle icmph io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443,$NF_PUB1/icmp"
	nf_start runc "$NF_BUNDLE" "$id"
	# in wire mode the host side is the fence: remove the namespace's table, as a container
	# holding CAP_NET_ADMIN could
	nsenter --net="/proc/$(nf_pid "$id")/ns/net" nft delete table inet netfence
	nf_expect_blocked "$id" "$NF_PUB2" 443
	# HOST keeps a TCP connection open to $NF_PUB2:443, which the container may not reach
	ip netns exec "$NF_HOST" bash -c "exec 3<>/dev/tcp/$NF_PUB2/443; exec sleep 120" \
		</dev/null >/dev/null 2>&1 &
	echo $! >>"$NF_TMP/pids"
	nf_wait_for 250 host_flow_port
	port=$(host_flow_port)
	# errors quoting a packet of that flow ($NF_PUB2:443 -> HOST) are "related" on HOST
	n=$(channel_count "$id" "$NF_PUB2" icmpquote "$NF_PUB2" 443 "$NF_UP4_HOST" "$port")
	echo "quoting HOST's flow $NF_UP4_HOST:$port -> $NF_PUB2:443: $n ICMP errors reached $NF_PUB2"
	[ "$n" -eq 0 ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "channels (pod, runc): ICMP errors quoting a forged flow never reach a blocked address" {
	local ns id a4
	ns=$(nf_cni_pod icmp)
	id=$(nf_cid icmpp)
	NF_NETNS_PATH=$ns NF_CONFIG_JQ=$RAW_JQ nf_bundle icmpp io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443,$NF_PUB1/icmp"
	nf_start runc "$NF_BUNDLE" "$id"
	a4=$(nf_addr4 "$id")
	[[ $a4 =~ ^10\.77\. ]]
	channel_checks "$id" "$a4"
	nf_stop "$id"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
	nf_cni DEL "${ns##*/}" icmp
	: >"$NF_TMP/cni-pods"
}

@test "channels (wire, runc, IPv6 on): the namespace drops a flow forged from another address" {
	local id a6
	id=$(nf_cid spoof6)
	NF_CONFIG_JQ=$RAW_JQ nf_bundle spoof6 io.netfence.policy=restricted io.netfence.ipv6=on \
		"io.netfence.egress=[$NF_PUB6]:443,$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	a6=$(nf_addr6 "$id")
	[[ $a6 =~ ^fd6e:6663: ]]
	# from its own address the raw SYN leaves; from another it is dropped inside the namespace
	# (sendto fails), before conntrack could confirm the flow
	nf_probe "$id" syn6 "$a6" "$NF_PUB6" 443
	[ "$NF_PROBE_OUT" = "syn sent" ]
	run nf_exec "$id" /probe syn6 2001:db8:1::66 "$NF_PUB6" 443
	echo "$output"
	[ "$output" = "syn EPERM" ]
	run nf_exec "$id" /probe icmpchannel "$NF_PUB2" "$NF_PUB1" 443
	echo "$output"
	[ "${lines[0]}" = "syn EPERM" ]
	# what the container opens itself works over both families
	nf_expect_open "$id" "$NF_PUB6" 443
	nf_expect_blocked "$id" "$NF_PUB6" 444
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "channels (wire, runc): ingress flows still get the container's ICMP errors" {
	local id a4
	id=$(nf_cid icmpin)
	# nothing listens on UDP 9000 in the container: its port-unreachable must reach the
	# allowed source (related to the flow it opened), fast
	NF_CONFIG_JQ=$RAW_JQ nf_bundle icmpin io.netfence.policy=restricted \
		"io.netfence.ingress=$NF_PUB3:9000/udp,$NF_PUB3:8080" -- /probe listen tcp 8080
	nf_start runc "$NF_BUNDLE" "$id"
	nf_wait_listening "$id"
	a4=$(nf_addr4 "$id")
	run ip netns exec "$NF_WORLD" "$NF_PROBE" -s "$NF_PUB3" udp "$a4" 9000 2000
	echo "$output"
	[[ $output == "blocked ECONNREFUSED "* ]]
	nf_world_connect "$NF_PUB3" "$a4" 8080 2000
	nf_not nf_world_connect "$NF_PUB1" "$a4" 8080 1000
	nf_stop "$id"
	nf_assert_clean
}

# cap_eff ID: the container's effective capability set (hex).
cap_eff() {
	nf_exec "$1" /bin/busybox cat /proc/self/status | awk '/^CapEff:/ {print $2}'
}

# crun reads capability names with libcap's cap_from_name: any case, or the number.
CAP_SPELLINGS="cap_net_admin Cap_Net_Admin 12"

@test "capabilities (pod, crun): CAP_NET_ADMIN in any spelling crun grants is refused" {
	local ns id spelling eff
	ns=$(nf_cni_pod caps)
	# control: crun grants these spellings (a container without netfence)
	for spelling in $CAP_SPELLINGS; do
		id=$(nf_cid "ctl${spelling//_/}")
		NF_NO_HOOKS=1 NF_CONFIG_JQ=".process.capabilities |= map_values(. + [\"$spelling\"])" \
			nf_bundle ctl io.netfence.policy=restricted
		nf_start crun "$NF_BUNDLE" "$id"
		eff=$(cap_eff "$id")
		echo "crun with \"$spelling\": CapEff $eff"
		[ $((0x$eff & (1 << 12))) -ne 0 ]
		nf_stop "$id"
	done
	# netfence refuses each in a namespace someone else wired, and changes nothing there
	for spelling in $CAP_SPELLINGS; do
		id=$(nf_cid "adm${spelling//_/}")
		NF_NETNS_PATH=$ns \
			NF_CONFIG_JQ=".process.capabilities |= map_values(. + [\"$spelling\"])" \
			nf_bundle adm io.netfence.policy=restricted -- /bin/busybox true
		# crun does not pass the hook's message on: the refusal, then the reason (runc)
		run nf_run_crun "$NF_BUNDLE" "$id"
		echo "$output"
		nf_assert_refused "$output" "$status" "error executing hook"
		[ ! -f "$NF_TMP/state/$id.json" ]
		nf_assert_ns_clean "$ns"
		run nf_run_runc "$NF_BUNDLE" "$id-runc"
		echo "$output"
		nf_assert_refused "$output" "$status" "CAP_NET_ADMIN" "NETLINK_NETFILTER"
		nf_assert_ns_clean "$ns"
	done
	nf_assert_clean
}

@test "capabilities (wrapper, crun): CAP_NET_ADMIN and CAP_NET_RAW dropped in any spelling" {
	local id b eff
	id=$(nf_cid wcaps)
	NF_NO_HOOKS=1 NF_CONFIG_JQ='.process.capabilities |= map_values(. +
		["cap_net_admin", "Cap_Net_Raw", "12", "0xd", "CAP_NET_ADMIN"])' \
		nf_bundle wcaps io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	b=$NF_BUNDLE
	nf_start wcrun "$b" "$id"
	eff=$(cap_eff "$id")
	echo "CapEff: $eff"
	[ $((0x$eff & (1 << 12))) -eq 0 ]
	[ $((0x$eff & (1 << 13))) -eq 0 ]
	# the spellings are gone from every set; the others stay
	jq -e '[.process.capabilities[][] | ascii_downcase
		| select(test("net_admin|net_raw") or . == "12" or . == "0xd")] | length == 0' \
		"$b/config.json"
	jq -e '.process.capabilities.bounding | index("CAP_CHOWN") != null' "$b/config.json"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

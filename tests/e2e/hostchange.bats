#!/usr/bin/env bats
# internet follows the host: a network or an address HOST gains while a container runs is
# denied within a second and released when it goes (the host watcher, `netfence watch`), in
# wire mode and in a pod (overlay). The watcher a set-up starts is the only one, keeps only the
# capabilities it needs, and leaves with the last container; without it, internet is refused.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_pod_teardown
}

LAN4_HOST=198.51.100.1 # HOST's end of a network it gains; NF_PUB3 (198.51.100.10) is in it
LAN4_WORLD=198.51.100.2
LAN6_HOST=2001:db8:1::1 # NF_PUB6 (2001:db8:1::10) is in it
LAN6_WORLD=2001:db8:1::2

# Pids of the processes that hold this test's watcher lock open.
watchers() {
	local p
	for p in /proc/[0-9]*; do
		if ls -l "$p/fd" 2>/dev/null | grep -qF -- "$NF_TMP/state/.watch.lock"; then
			echo "${p#/proc/}"
		fi
	done
}

watch_lock_free() {
	flock -n "$NF_TMP/state/.watch.lock" true
}

# set_has NETNS FAMILY-SET PATTERN: the set (inet netfence) of that namespace lists the element.
set_has() {
	ip netns exec "$1" nft list set inet netfence "$2" 2>/dev/null | grep -qE -- "$3"
}

netdev_set_has() {
	ip netns exec "$1" nft list set netdev netfence "$2" 2>/dev/null | grep -qE -- "$3"
}

set_lacks() {
	ip netns exec "$1" nft list set inet netfence "$2" >/dev/null 2>&1 && ! set_has "$@"
}

# within_1s START-NS CMD...: CMD succeeds within one second of START-NS (date +%s%N), polling.
within_1s() {
	local start=$1 now
	shift
	while :; do
		if "$@"; then
			echo "within $((($(date +%s%N) - start) / 1000000)) ms: $*"
			return 0
		fi
		now=$(date +%s%N)
		if [ $((now - start)) -gt 1000000000 ]; then
			echo "FAIL: not within 1 s: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# HOST gains a network: a second link to WORLD, where the servers' addresses answer too.
lan_up() { # WITH-IPV6
	ip -n "$NF_HOST" link add lan0 type veth peer name lan1 netns "$NF_WORLD"
	ip -n "$NF_WORLD" addr add "$LAN4_WORLD/24" dev lan1
	if [ "$1" = 1 ]; then
		ip -n "$NF_WORLD" addr add "$LAN6_WORLD/64" dev lan1 nodad
		# WORLD answers neighbour solicitations only for addresses of the link asked on
		ip -n "$NF_WORLD" addr add "$NF_PUB6/128" dev lan1 nodad
	fi
	ip -n "$NF_WORLD" link set lan1 up
	ip -n "$NF_HOST" link set lan0 up
	T0=$(date +%s%N)
	ip -n "$NF_HOST" addr add "$LAN4_HOST/24" dev lan0
	if [ "$1" = 1 ]; then
		ip -n "$NF_HOST" addr add "$LAN6_HOST/64" dev lan0 nodad
	fi
}

# checks_network NETNS ID WITH-IPV6: the container is refused the network HOST gains (the set
# of NETNS follows within 1 s) and gets it back when it goes.
checks_network() {
	local ns=$1 id=$2 v6=$3 late=0
	nf_expect_open "$id" "$NF_PUB3" 443
	[ "$v6" = 0 ] || nf_expect_open "$id" "$NF_PUB6" 443

	lan_up "$v6"
	within_1s "$T0" set_has "$ns" hostnet4 '198\.51\.100\.0/24 ' || late=1
	if [ "$v6" = 1 ]; then
		within_1s "$T0" set_has "$ns" hostnet6 '2001:db8:1::/64 ' || late=1
	fi
	# the route now leads through the new network, where NF_PUB3 is a neighbour
	ip -n "$NF_HOST" route get "$NF_PUB3" | grep -q 'dev lan0'
	nf_expect_blocked "$id" "$NF_PUB3" 443
	nf_expect_udp_blocked "$id" "$NF_PUB3" 9999
	[ "$v6" = 0 ] || nf_expect_blocked "$id" "$NF_PUB6" 443
	[ "$late" = 0 ]

	T0=$(date +%s%N)
	ip -n "$NF_HOST" link del lan0
	within_1s "$T0" set_lacks "$ns" hostnet4 '198\.51\.100\.0/24 '
	[ "$v6" = 0 ] || within_1s "$T0" set_lacks "$ns" hostnet6 '2001:db8:1::/64 '
	nf_expect_open "$id" "$NF_PUB3" 443
	[ "$v6" = 0 ] || nf_expect_open "$id" "$NF_PUB6" 443
}

# checks_address NETNS ID: an address HOST gains (NF_PUB3 itself: HOST's own service answers
# there on NF_HOST_SVC_PORT, WORLD's once HOST drops it) is refused, then released.
checks_address() {
	local ns=$1 id=$2 late=0
	nf_expect_open "$id" "$NF_PUB3" "$NF_HOST_SVC_PORT"
	T0=$(date +%s%N)
	ip -n "$NF_HOST" addr add "$NF_PUB3/32" dev uplink0
	within_1s "$T0" set_has "$ns" hostnet4 '198\.51\.100\.10 ' || late=1
	nf_expect_blocked "$id" "$NF_PUB3" "$NF_HOST_SVC_PORT"
	[ "$late" = 0 ]
	T0=$(date +%s%N)
	ip -n "$NF_HOST" addr del "$NF_PUB3/32" dev uplink0
	within_1s "$T0" set_lacks "$ns" hostnet4 '198\.51\.100\.10 '
	nf_expect_open "$id" "$NF_PUB3" "$NF_HOST_SVC_PORT"
}

@test "hostchange (runc): a network or an address HOST gains is denied within 1 s, released when it goes" {
	local id pids
	id=$(nf_cid w)
	nf_bundle w io.netfence.policy=internet io.netfence.ipv6=on
	nf_start runc "$NF_BUNDLE" "$id"

	checks_network "$NF_HOST" "$id" 1
	checks_address "$NF_HOST" "$id"

	# the set-up started one watcher, in HOST, with only the capabilities it needs
	pids=$(watchers)
	echo "watchers: $pids"
	[ "$(wc -w <<<"$pids")" -eq 1 ]
	[ "$(readlink "/proc/$pids/ns/net")" = "$(ip netns exec "$NF_HOST" readlink /proc/self/ns/net)" ]
	grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs)' "/proc/$pids/status"
	# CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19), CAP_SYS_ADMIN (21)
	grep -q '^CapEff:[[:space:]]*0000000000281000$' "/proc/$pids/status"
	grep -q '^CapBnd:[[:space:]]*0000000000000000$' "/proc/$pids/status"
	grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pids/status"

	# a second internet container is served by the same watcher
	local id2
	id2=$(nf_cid w2)
	nf_bundle w2 io.netfence.policy=internet
	nf_start runc "$NF_BUNDLE" "$id2"
	[ "$(watchers)" = "$pids" ]
	nf_stop "$id2"
	[ "$(watchers)" = "$pids" ]

	nf_stop "$id"
	nf_assert_clean
	# it leaves with the last container
	nf_wait_for 500 watch_lock_free
	[ -z "$(watchers)" ]
}

@test "hostchange (pod): a network or an address HOST gains is denied within 1 s, released when it goes" {
	local ns nsname id
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	nf_shared_state
	ns=$(nf_cni_pod h)
	nsname=${ns##*/}
	id=$(nf_cid papp)
	NF_NETNS_PATH=$ns nf_bundle papp io.netfence.policy=internet
	nf_start runc "$NF_BUNDLE" "$id"
	# overlay mode: the pod's own table holds the list
	[ -z "$(nf_host_nf_links)" ]

	checks_address "$nsname" "$id"
	checks_network "$nsname" "$id" 0
	# the netdev table (packet sockets) holds its own copy, in step too
	ip netns exec "$nsname" nft list set netdev netfence hostnet4
	ip -n "$NF_HOST" addr add "$LAN4_HOST/32" dev uplink0
	T0=$(date +%s%N)
	within_1s "$T0" netdev_set_has "$nsname" hostnet4 '198\.51\.100\.1 '

	nf_stop "$id"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
	nf_wait_for 500 watch_lock_free
	nf_cni DEL "$nsname" h >/dev/null
	: >"$NF_TMP/cni-pods"
}

@test "hostchange: without a watcher an internet container is refused, others are not" {
	local id
	id=$(nf_cid nowatch)
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_FAULT=watch-start" \
		nf_bundle nowatch io.netfence.policy=internet -- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "$id" "host watcher" "not started"
	grep -q "exit status 2" <<<"$output"
	[ ! -f "$NF_TMP/state/$id.json" ]
	nf_assert_clean
	[ -z "$(watchers)" ]

	# restricted does not depend on it
	id=$(nf_cid restr)
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_FAULT=watch-start" \
		nf_bundle restr io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	[ -z "$(watchers)" ]
	nf_stop "$id"
	nf_assert_clean
}

@test "hostchange: netfence watch run as a service serves the set-ups, which start none" {
	local svc id rid
	# a simple command (nf_host, a function, would run in a subshell): nsenter and env exec it
	nsenter --net="/run/netns/$NF_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		NETFENCE_CONFIG="$NF_HOSTCONF" "$NF_BIN" watch >"$NF_TMP/out/watch.log" 2>&1 \
		</dev/null 3>&- &
	svc=$!
	echo "$svc" >>"$NF_TMP/pids"
	nf_wait_for 500 nf_not watch_lock_free
	# a restricted container makes the host table: it holds the host's networks at once (the
	# watcher saw no change to act on)
	rid=$(nf_cid svcr)
	nf_bundle svcr io.netfence.policy=restricted
	nf_start runc "$NF_BUNDLE" "$rid"
	set_has "$NF_HOST" hostnet4 '192\.0\.2\.0/30 '
	id=$(nf_cid svc)
	nf_bundle svc io.netfence.policy=internet
	nf_start runc "$NF_BUNDLE" "$id"
	# the set-up found it: the service is the only watcher
	[ "$(watchers)" = "$svc" ]
	# HOST's uplink network: WORLD's end is a neighbour
	nf_expect_blocked "$id" "$NF_UP4_WORLD" 80
	checks_network "$NF_HOST" "$id" 0
	nf_stop "$id"
	nf_stop "$rid"
	nf_assert_clean
	# a service does not leave with the containers
	kill -0 "$svc"
	[ "$(watchers)" = "$svc" ]
	kill "$svc"
	wait "$svc" || true
	cat "$NF_TMP/out/watch.log"
}

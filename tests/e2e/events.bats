#!/usr/bin/env bats
# Events (SPEC section 11): blocked packets reach the resolver through NFLOG (group 28262) and
# DNS queries from its own query code; `netfence log` reads them from its control socket. A
# blocked connection shows within a second with every field and the name its address was
# learned from; a refused query with its name; a flood is rate-limited, counted as suppressed,
# and leaves the host responsive. The containers' DNS goes to the resolver (live DNS names).

load helpers

setup() {
	nf_world_setup
	nf_hostconf "$(jq -cn --arg d "$NF_DNS_OK" --arg l "$NF_TMP/resolver.log" \
		'{dns: [$d], resolver_log: $l}')"
}

teardown() {
	nf_pod_teardown # the containers, the pods' CNI, then the world
}

# ev_log_rule ID: the container's table logs its blocked packets to the NFLOG group with the
# prefix "nf e <hex>", rate-limited (docs/RULESET.md, blk_e_* chains): check that it does.
ev_log_rule() {
	local id=$1 pid hex
	pid=$(nf_pid "$id")
	hex=$(jq -r .hex "$NF_TMP/state/$id.json")
	nsenter --net="/proc/$pid/ns/net" nft list table inet netfence |
		grep -q "log prefix \"nf e $hex\" group 28262"
}

# ev_lines ID JQ-FILTER: the JSON events of ID that the filter selects, one a line.
ev_lines() {
	nf_netfence log --json "$1" | jq -c "select($2)"
}

# ev_wait MS ID JQ-FILTER: poll `netfence log --json ID` until an event matches (MS at most);
# prints the first match and how long it took.
ev_wait() {
	local ms=$1 id=$2 filter=$3 start now line
	start=$(date +%s%3N)
	while :; do
		line=$(ev_lines "$id" "$filter" | head -n1)
		now=$(date +%s%3N)
		if [ -n "$line" ]; then
			echo "event after $((now - start)) ms: $line"
			EV_LINE=$line
			return 0
		fi
		if [ $((now - start)) -ge "$ms" ]; then
			echo "FAIL: no event $filter for $id within $ms ms; the log:" >&2
			nf_netfence log --json "$id" >&2 || true
			return 1
		fi
		sleep 0.02
	done
}

ev_dns_answer() { # ID NAME ADDR
	nf_probe "$1" dns "$NF_DNS_OK" "$2" 2000
	grep -q "answer $3 " <<<"$NF_PROBE_OUT"
}

@test "events: a blocked connection is in netfence log --json within 1 s with every field and its name; DNS queries with theirs" {
	local id src line
	id=$(nf_cid ev)
	nf_bundle ev io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	ev_log_rule "$id"
	src=$(nf_addr4 "$id")
	ev_dns_answer "$id" allowed.test "$NF_PUB1"
	run nf_probe "$id" dns "$NF_DNS_OK" secret-1.exfil.test 2000
	[ "$status" -eq 4 ] # REFUSED
	nf_expect_blocked "$id" "$NF_PUB1" 22
	ev_wait 1000 "$id" '.type == "blocked" and .port == 22'
	jq -e --arg id "$id" --arg src "$src" --arg dst "$NF_PUB1" '.container == $id and
		.direction == "egress" and .protocol == "tcp" and .source == $src and
		.destination == $dst and .port == 22 and .name == "allowed.test" and
		(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))' \
		<<<"$EV_LINE"
	# the DNS events, oldest first: the allowed lookup with its address, the refused one
	line=$(ev_lines "$id" '.type == "dns"')
	echo "$line"
	jq -se --arg dst "$NF_PUB1" 'length == 2 and
		(.[0] | .query == "allowed.test" and .qtype == "A" and .verdict == "allowed" and
			.addresses == [$dst]) and
		(.[1] | .query == "secret-1.exfil.test" and .qtype == "A" and .verdict == "refused")' \
		<<<"$line"
	# text: one line per event; the resolver's log has the same line
	run nf_netfence log "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -E "^[0-9-]{10}T[0-9:]{8}Z $id blocked egress tcp $src -> $NF_PUB1:22 \(allowed\.test\)$" <<<"$output"
	grep -E "^[0-9-]{10}T[0-9:]{8}Z $id dns secret-1\.exfil\.test A refused$" <<<"$output"
	grep -F "$id blocked egress tcp $src -> $NF_PUB1:22 (allowed.test)" "$NF_TMP/resolver.log"
	# --since and every container
	[ "$(nf_netfence log --json --since 10m "$id" | jq -s 'map(select(.type == "blocked")) | length')" -ge 1 ]
	[ "$(nf_netfence log --json | jq -s --arg id "$id" 'map(select(.container == $id)) | length')" -ge 3 ]

	# -f: what is there, then each new event as it happens
	(exec nsenter --net="/run/netns/$NF_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		NETFENCE_CONFIG="$NF_HOSTCONF" "$NF_BIN" log -f --json "$id") \
		>"$NF_TMP/out/follow" 2>&1 3>&- &
	local follower=$! start
	echo $follower >>"$NF_TMP/pids"
	nf_wait_for 250 grep -q '"blocked"' "$NF_TMP/out/follow"
	nf_expect_blocked "$id" "$NF_PUB1" 22
	start=$(date +%s%3N)
	ev_followed() { [ "$(grep -c '"blocked"' "$NF_TMP/out/follow")" -ge 2 ]; }
	nf_wait_for 50 ev_followed
	echo "followed after $(($(date +%s%3N) - start)) ms"
	kill "$follower"

	# bad input, an unknown container
	run nf_netfence log --since 5x "$id"
	[ "$status" -eq 1 ]
	[[ $output == *'--since "5x"'* ]]
	run nf_netfence log nosuch-container
	[ "$status" -eq 1 ]
	[[ $output == *"nosuch-container: no events"* ]]

	nf_stop "$id"
	nf_assert_clean
	# no resolver: a clear message, exit 2
	nf_resolver_kill
	run nf_netfence log "$id"
	[ "$status" -eq 2 ]
	[[ $output == *"the resolver is not running"* ]]
}

@test "events: 10,000 blocked packets a second from one container: the host stays responsive, the log is limited and counts the rest as suppressed" {
	local a b ms base sent logged suppressed
	a=$(nf_cid fa)
	b=$(nf_cid fb)
	nf_bundle fa io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$a"
	nf_bundle fb io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$b"
	ev_log_rule "$a"
	ev_dns_answer "$b" allowed.test "$NF_PUB1"
	nf_expect_open "$b" "$NF_PUB1" 443
	base=${NF_PROBE_OUT##* }
	base=${base%ms}

	# 3 seconds of 10,000 blocked datagrams a second from a
	nf_exec "$a" /probe flood udp "$NF_PUB1" 22 10000 3 >"$NF_TMP/out/flood" 2>&1 &
	local flood=$!
	echo $flood >>"$NF_TMP/pids"
	ev_wait 2000 "$a" '.type == "blocked" and .protocol == "udp"'
	# meanwhile b connects as fast as before
	nf_expect_open "$b" "$NF_PUB1" 443
	ms=${NF_PROBE_OUT##* }
	ms=${ms%ms}
	echo "b connects in $ms ms during the flood, $base ms before"
	[ "$ms" -lt $((base + 500)) ]
	wait "$flood"
	cat "$NF_TMP/out/flood"
	# sent: every datagram a table saw (the container's own table refuses them: EPERM)
	sent=$(awk '$1 == "sent" {print $2 + $4}' "$NF_TMP/out/flood")
	[ "$sent" -ge 20000 ]

	# the log: 20 a second and a burst of 20 at most, the rest counted as suppressed (the
	# counts come once a second, after the flood within 2 s)
	local start=$(date +%s%3N)
	while :; do
		logged=$(ev_lines "$a" '.type == "blocked" and .protocol == "udp"' | wc -l)
		suppressed=$(ev_lines "$a" '.type == "suppressed"' | jq -s 'map(.count) | add // 0')
		[ $((logged + suppressed)) -ge $((sent * 99 / 100)) ] && break
		[ $(($(date +%s%3N) - start)) -lt 3000 ] || break
		sleep 0.1
	done
	echo "sent $sent, logged $logged, suppressed $suppressed:"
	ev_lines "$a" '.type == "suppressed"'
	[ "$logged" -ge 20 ]
	[ "$logged" -le $((20 * 5 + 20)) ]
	[ $((logged + suppressed)) -ge $((sent * 99 / 100)) ]
	[ "$suppressed" -le "$sent" ]
	grep -E "$a suppressed [0-9]+ blocked packets not logged" "$NF_TMP/resolver.log"
	# the resolver's log got one line per logged packet, not one per packet
	[ "$(grep -c "$a blocked egress udp" "$NF_TMP/resolver.log")" -eq "$logged" ]
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
}

@test "events: a pod (overlay mode) logs in its own namespace; the host table's events name the container by its interface" {
	local ns p id a4
	# overlay: the pod's table logs, the resolver's socket in the pod's namespace reads it
	nf_shared_state
	ns=$(nf_cni_pod a)
	p=$(nf_cid pa)
	NF_NETNS_PATH=$ns nf_bundle pa io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$p"
	ev_log_rule "$p"
	ev_dns_answer "$p" allowed.test "$NF_PUB1"
	nf_expect_blocked "$p" "$NF_PUB1" 22
	ev_wait 1000 "$p" '.type == "blocked" and .port == 22'
	jq -e --arg id "$p" --arg dst "$NF_PUB1" '.container == $id and .direction == "egress" and
		.protocol == "tcp" and .destination == $dst and .name == "allowed.test"' <<<"$EV_LINE"

	# wire: a connection from the world to a port the container does not open, dropped by the
	# host table's ingress chain, which logs it as "nf i" (the container is its out interface)
	id=$(nf_cid in)
	nf_bundle in io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	a4=$(nf_addr4 "$id")
	ip netns exec "$NF_HOST" nft list table inet netfence | grep -q 'log prefix "nf i" group 28262'
	nf_not nf_world_connect "$NF_PUB3" "$a4" 5555 300
	ev_wait 1000 "$id" '.type == "blocked" and .direction == "ingress"'
	jq -e --arg id "$id" --arg src "$NF_PUB3" --arg dst "$a4" '.container == $id and
		.protocol == "tcp" and .source == $src and .destination == $dst and .port == 5555' \
		<<<"$EV_LINE"
	# the pod's log holds none of it
	[ -z "$(ev_lines "$p" '.direction == "ingress"')" ]
	nf_stop "$p"
	nf_stop "$id"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
}

# ev_static RUNTIME: with dns_names "static" (names resolved at set-up, no DNS served), and
# for a policy with no names at all, the container still gets its events: the set-up starts
# the resolver and registers it for them.
ev_static() {
	local rt=$1 id a
	nf_hostconf "$(jq -cn --arg l "$NF_TMP/resolver.log" \
		'{dns_names: "static", resolver_log: $l}')"
	id=$(nf_cid "s$rt")
	nf_bundle "s$rt" io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	jq -e 'has("dns") | not' "$NF_TMP/state/$id.json"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 22
	ev_wait 1000 "$id" '.type == "blocked" and .port == 22'
	jq -e --arg id "$id" --arg dst "$NF_PUB1" '.container == $id and .direction == "egress" and
		.protocol == "tcp" and .destination == $dst and (has("name") | not)' <<<"$EV_LINE"
	grep -F "$id registered (events only" "$NF_TMP/resolver.log"
	# DNS is not the resolver's: no DNS series for it, nothing learned
	nf_netfence metrics >"$NF_TMP/m"
	! grep -q "^netfence_dns_.*container=\"$id\"" "$NF_TMP/m"
	# no names at all (address rules only), the default dns_names
	nf_hostconf "$(jq -cn --arg l "$NF_TMP/resolver.log" '{resolver_log: $l}')"
	a=$(nf_cid "a$rt")
	nf_bundle "a$rt" io.netfence.policy=restricted "io.netfence.egress=$NF_PUB2:443"
	nf_start "$rt" "$NF_BUNDLE" "$a"
	nf_expect_blocked "$a" "$NF_PUB2" 80
	ev_wait 1000 "$a" '.type == "blocked" and .port == 80'
	nf_stop "$id"
	nf_stop "$a"
	# gone with its fence: the resolver forgets it at once
	run nf_netfence log "$a"
	[ "$status" -eq 1 ]
	[[ $output == *"$a: no events"* ]]
	nf_assert_clean
}

@test "events: containers whose names are static, or that have none, get events too (runc)" {
	ev_static runc
}

@test "events: containers whose names are static, or that have none, get events too (crun)" {
	ev_static crun
}

@test "events: status shows the last blocked connection with its name; none before, unknown without a resolver" {
	local id src js
	id=$(nf_cid lb)
	nf_bundle lb io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	src=$(nf_addr4 "$id")
	nf_netfence status --json "$id" | jq -e '.[0] | has("last_blocked") and .last_blocked == null'
	run nf_netfence status "$id"
	echo "$output"
	grep -qx "  last blocked: none" <<<"$output"
	ev_dns_answer "$id" allowed.test "$NF_PUB1"
	nf_expect_blocked "$id" "$NF_PUB1" 22
	ev_wait 1000 "$id" '.type == "blocked" and .port == 22'
	# a DNS event after it: the last blocked packet is still that one
	run nf_probe "$id" dns "$NF_DNS_OK" refused.test 2000
	js=$(nf_netfence status --json "$id" | jq -c '.[0].last_blocked')
	echo "last_blocked: $js"
	jq -e --arg src "$src" --arg dst "$NF_PUB1" '.direction == "egress" and .protocol == "tcp" and
		.source == $src and .destination == $dst and .port == 22 and .name == "allowed.test" and
		(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$"))' <<<"$js"
	# every container's JSON has it too
	nf_netfence status --json | jq -e --arg id "$id" \
		'map(select(.id == $id))[0].last_blocked.port == 22'
	run nf_netfence status "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -E "^  last blocked: [0-9-]{10}T[0-9:]{8}Z egress tcp $src -> $NF_PUB1:22 \(allowed\.test\)$" <<<"$output"
	# the resolver gone: null, and the text says why
	nf_resolver_kill
	nf_netfence status --json "$id" | jq -e '.[0].last_blocked == null'
	run nf_netfence status "$id"
	[ "$status" -eq 0 ]
	grep -qx "  last blocked: unknown (the resolver is not running)" <<<"$output"
	nf_stop "$id"
	nf_assert_clean
}

@test "events: overlay mode: a packet socket's frame the netdev table drops is logged like the inet table's blocks" {
	local ns id hex pid
	nf_shared_state
	ns=$(nf_cni_pod r)
	id=$(nf_cid raw)
	NF_NETNS_PATH=$ns NF_CONFIG_JQ='.process.capabilities |= map_values(. + ["CAP_NET_RAW"])' \
		nf_bundle raw io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443 # the path is warm (neighbours resolved)
	pid=$(nf_pid "$id")
	hex=$(jq -r .hex "$NF_TMP/state/$id.json")
	nsenter --net="/proc/$pid/ns/net" nft list table netdev netfence |
		grep -q "log prefix \"nf e $hex\" group 28262"
	# a hand-built SYN to a blocked destination: only the netdev egress hook sees it
	run nf_exec "$id" /probe rawsend eth0 "$NF_PUB2" 443 tcp
	echo "rawsend: $output (exit $status)"
	ev_wait 1000 "$id" '.type == "blocked" and .destination == "'"$NF_PUB2"'"'
	jq -e --arg id "$id" '.container == $id and .direction == "egress" and
		.protocol == "tcp" and .port == 443' <<<"$EV_LINE"
	# the drop is counted as blocked, as before
	[ "$(nf_netfence status --json "$id" | jq '.[0].counters.blocked_packets')" -ge 1 ]
	nf_stop "$id"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
}

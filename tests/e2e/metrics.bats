#!/usr/bin/env bats
# Metrics (SPEC section 11): `netfence metrics` prints the Prometheus text format (promtool
# check metrics clean); its counters move by what a container did; the resolver's DNS counters
# count the lookups it answered and refused; the resolver's metrics_listen endpoint serves the
# same series; the example alert rules in deploy/prometheus pass promtool.

load helpers

MX_PORT=9713 # metrics_listen, on HOST's loopback (each test has its own HOST namespace)
MX_RESOLVER=${NF_RESOLVER_BIN:-$(dirname "$NF_BIN")/netfence-resolver}

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

mx_need_promtool() {
	if ! command -v promtool >/dev/null; then
		skip "promtool not installed (Debian package prometheus; tests/deps.sh installs it)"
	fi
}

# mx_read FILE: `netfence metrics` into FILE, which promtool must find clean.
mx_read() {
	local rc=0
	nf_netfence metrics >"$1" 2>"$1.err" || rc=$?
	cat "$1.err"
	if [ $rc -ne 0 ]; then
		echo "FAIL: netfence metrics exited $rc" >&2
		return 1
	fi
	if ! promtool check metrics <"$1"; then
		echo "FAIL: promtool check metrics:" >&2
		cat "$1" >&2
		return 1
	fi
}

# mx_sum FILE FAMILY ID [NEEDLE]: the sum of FAMILY's samples of container ID (those whose
# labels contain NEEDLE), over every direction.
mx_sum() {
	awk -v f="$2" -v id="container=\"$3\"" -v m="${4:-}" '
		index($1, f "{") == 1 && index($1, id) && index($1, m) { s += $2 }
		END { printf "%.0f\n", s }' "$1"
}

# mx_has FILE FAMILY ID: FAMILY has a sample for ID.
mx_has() {
	grep -q "^$2{container=\"$3\"" "$1"
}

# mx_http PATH [METHOD]: the resolver's metrics_listen answer (status line, headers, body), read
# from HOST with bash's /dev/tcp.
mx_http() {
	nf_host bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$MX_PORT"' &&
		printf "%s %s HTTP/1.1\r\nHost: x\r\n\r\n" "$2" "$1" >&3 && cat <&3' _ "$1" "${2:-GET}"
}

# mx_resolver_bg: the resolver in HOST, in the background; $! is its pid (nsenter and env exec it).
mx_resolver_bg() {
	nsenter --net="/run/netns/$NF_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		NETFENCE_CONFIG="$NF_HOSTCONF" "$MX_RESOLVER" --foreground </dev/null \
		>"$NF_TMP/res.out" 2>&1 3>&- &
}

# mx_expect_delta WHAT BEFORE AFTER LO HI: AFTER - BEFORE within [LO, HI].
mx_expect_delta() {
	local d=$(($3 - $2))
	echo "$1: $2 -> $3 (moved $d, expected $4..$5)"
	if [ "$d" -lt "$4" ] || [ "$d" -gt "$5" ]; then
		echo "FAIL: $1 moved by $d, expected $4..$5" >&2
		return 1
	fi
}

@test "metrics (runc): promtool-clean; N accepted and M blocked connects move the counters by that much" {
	local id n=6 m=9 i a0 a1 b0 b1 ab0 ab1 bb0 bb1
	mx_need_promtool
	id=$(nf_cid m)
	nf_bundle m io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443 # the path is warm (neighbours resolved)
	mx_read "$NF_TMP/m0"
	a0=$(mx_sum "$NF_TMP/m0" netfence_accepted_packets_total "$id")
	b0=$(mx_sum "$NF_TMP/m0" netfence_blocked_packets_total "$id")
	ab0=$(mx_sum "$NF_TMP/m0" netfence_accepted_bytes_total "$id")
	bb0=$(mx_sum "$NF_TMP/m0" netfence_blocked_bytes_total "$id")
	# every family of the container present, with HELP and TYPE
	for f in accepted_packets accepted_bytes blocked_packets blocked_bytes; do
		mx_has "$NF_TMP/m0" "netfence_${f}_total" "$id"
		grep -qx "# TYPE netfence_${f}_total counter" "$NF_TMP/m0"
		grep -q "^# HELP netfence_${f}_total " "$NF_TMP/m0"
	done
	# no resolver for this container (static policy): no DNS series
	! grep -q "^netfence_dns_" "$NF_TMP/m0"
	for ((i = 0; i < n; i++)); do
		nf_expect_open "$id" "$NF_PUB1" 443
	done
	for ((i = 0; i < m; i++)); do
		nf_expect_blocked "$id" "$NF_PUB1" 80
	done
	mx_read "$NF_TMP/m1"
	a1=$(mx_sum "$NF_TMP/m1" netfence_accepted_packets_total "$id")
	b1=$(mx_sum "$NF_TMP/m1" netfence_blocked_packets_total "$id")
	ab1=$(mx_sum "$NF_TMP/m1" netfence_accepted_bytes_total "$id")
	bb1=$(mx_sum "$NF_TMP/m1" netfence_blocked_bytes_total "$id")
	# each blocked connect is one SYN, rejected at once inside the container's namespace
	mx_expect_delta "blocked packets" "$b0" "$b1" "$m" "$m"
	mx_expect_delta "blocked bytes" "$bb0" "$bb1" $((m * 40)) $((m * 80))
	# each accepted connect: SYN, SYN-ACK and ACK before connect returns (3), then the closing
	# FIN/ACK exchange (up to 4 more, some perhaps after the read) and nothing else
	mx_expect_delta "accepted packets" "$a0" "$a1" $((n * 3)) $((n * 7))
	mx_expect_delta "accepted bytes" "$ab0" "$ab1" $((n * 3 * 40)) $((n * 7 * 80))
	# it keeps what status keeps (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_SYS_PTRACE), nothing else
	nf_host env NETFENCE_CAPS_OUT="$NF_TMP/caps" "$NF_TEST_BIN" metrics >/dev/null
	cat "$NF_TMP/caps"
	grep -qE '^CapEff:[[:space:]]+0000000000281000$' "$NF_TMP/caps"
	grep -qE '^CapPrm:[[:space:]]+0000000000281000$' "$NF_TMP/caps"
	grep -qE '^CapBnd:[[:space:]]+0000000000000000$' "$NF_TMP/caps"
	grep -qE '^NoNewPrivs:[[:space:]]+1$' "$NF_TMP/caps"
	nf_stop "$id"
	mx_read "$NF_TMP/m2"
	! grep -q "container=\"$id\"" "$NF_TMP/m2"
	nf_assert_clean
}

@test "metrics (runc): DNS queries allowed and refused, names and learned addresses; metrics_listen serves the same series" {
	local id out
	mx_need_promtool
	nf_hostconf "$(jq -cn --arg d "$NF_DNS_OK" --arg l "$NF_TMP/resolver.log" \
		--arg m "127.0.0.1:$MX_PORT" '{dns: [$d], resolver_log: $l, metrics_listen: $m}')"
	id=$(nf_cid d)
	nf_bundle d io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# three allowed lookups of one name, two refused ones of two names
	for i in 1 2 3; do
		nf_expect_dns_ok "$id" "$NF_DNS_OK" allowed.test "$NF_PUB1"
	done
	for name in other.test public.test; do
		if nf_probe "$id" dns "$NF_DNS_OK" "$name" 2000; then
			echo "FAIL: $name answered" >&2
			return 1
		fi
	done
	nf_expect_open "$id" "$NF_PUB1" 443
	mx_read "$NF_TMP/d"
	[ "$(mx_sum "$NF_TMP/d" netfence_dns_queries_total "$id" 'verdict="allowed"')" -eq 3 ]
	[ "$(mx_sum "$NF_TMP/d" netfence_dns_queries_total "$id" 'verdict="refused"')" -eq 2 ]
	[ "$(mx_sum "$NF_TMP/d" netfence_dns_names_total "$id")" -eq 1 ]
	[ "$(mx_sum "$NF_TMP/d" netfence_dns_learned_addresses "$id")" -eq 1 ]
	grep -qx "# TYPE netfence_dns_queries_total counter" "$NF_TMP/d"
	grep -qx "# TYPE netfence_dns_learned_addresses gauge" "$NF_TMP/d"

	# the endpoint: 200, the format's content type, the same series (values of traffic
	# counters may differ between two reads; the DNS ones do not)
	mx_http /metrics >"$NF_TMP/h.raw"
	head -n 8 "$NF_TMP/h.raw"
	head -n 1 "$NF_TMP/h.raw" | grep -q '^HTTP/1.1 200 OK'
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$NF_TMP/h.raw"
	sed '1,/^\r$/d' "$NF_TMP/h.raw" >"$NF_TMP/h"
	grep -qi "^Content-Length: $(wc -c <"$NF_TMP/h")"$'\r' "$NF_TMP/h.raw"
	promtool check metrics <"$NF_TMP/h"
	diff <(awk '{print $1}' "$NF_TMP/d") <(awk '{print $1}' "$NF_TMP/h")
	diff <(grep '^netfence_dns_' "$NF_TMP/d") <(grep '^netfence_dns_' "$NF_TMP/h")
	# HEAD: headers only; anything else: 404 or 405; a request too large: 431
	mx_http /metrics HEAD >"$NF_TMP/head"
	head -n 1 "$NF_TMP/head" | grep -q '^HTTP/1.1 200 OK'
	[ "$(tail -c 4 "$NF_TMP/head" | od -An -c | tr -d ' ')" = '\r\n\r\n' ]
	out=$(mx_http /)
	[[ $out == "HTTP/1.1 404 Not Found"* ]]
	out=$(mx_http /metrics/x)
	[[ $out == "HTTP/1.1 404 Not Found"* ]]
	out=$(mx_http /metrics POST)
	[[ $out == "HTTP/1.1 405 Method Not Allowed"* ]]
	grep -qi '^Allow: GET, HEAD' <<<"$out"
	# (the server may answer and half-close before the client has written it all)
	out=$(nf_host bash -c 'trap "" PIPE; exec 3<>/dev/tcp/127.0.0.1/'"$MX_PORT"' &&
		{ printf "GET /metrics HTTP/1.1\r\nX: %09000d\r\n\r\n" 0 >&3 || true; } && cat <&3')
	[[ $out == "HTTP/1.1 431 "* ]]
	# DNS goes on answering after all that
	nf_expect_dns_ok "$id" "$NF_DNS_OK" allowed.test "$NF_PUB1"
	nf_stop "$id"
	nf_assert_clean
}

@test "metrics_listen: [::1] is served; an address it cannot listen on is logged and the resolver runs on" {
	local pid out
	# the resolver as a service (no container needs it): IPv6 loopback
	nf_hostconf "$(jq -cn --arg l "$NF_TMP/resolver.log" '{resolver_log: $l,
		metrics_listen: "[::1]:9714"}')"
	mx_resolver_bg
	pid=$!
	echo "$pid" >>"$NF_TMP/pids"
	nf_wait_for 250 nf_host bash -c 'exec 3<>/dev/tcp/::1/9714'
	out=$(nf_host bash -c 'exec 3<>/dev/tcp/::1/9714 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3')
	echo "$out"
	[[ $out == "HTTP/1.1 200 OK"* ]]
	# not on IPv4
	! nf_host bash -c 'exec 3<>/dev/tcp/127.0.0.1/9714'
	kill "$pid"
	wait "$pid" || true
	nf_wait_for 250 nf_no_resolver
	# an address HOST does not have: logged, the resolver serves DNS without it
	nf_hostconf "$(jq -cn --arg l "$NF_TMP/resolver2.log" '{resolver_log: $l,
		metrics_listen: "192.0.2.99:9713"}')"
	mx_resolver_bg
	pid=$!
	echo "$pid" >>"$NF_TMP/pids"
	nf_wait_for 250 grep -q 'started' "$NF_TMP/resolver2.log"
	cat "$NF_TMP/resolver2.log"
	grep -q -- '- metrics_listen 192.0.2.99:9713: Cannot assign requested address' \
		"$NF_TMP/resolver2.log"
	[ -S "$NF_TMP/state/resolver.sock" ]
	kill -0 "$pid"
	kill "$pid"
	wait "$pid" || true
}

@test "metrics: the example alert rules pass promtool check rules and their tests" {
	mx_need_promtool
	promtool check rules "$NF_ROOT/deploy/prometheus/netfence-alerts.yaml"
	(cd "$NF_ROOT/deploy/prometheus" && promtool test rules netfence-alerts.test.yaml)
}

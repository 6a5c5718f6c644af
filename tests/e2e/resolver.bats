#!/usr/bin/env bats
# DNS-name policies (SPEC section 10): netfence's resolver answers a fenced container's DNS,
# forwards only the names its policy allows, and opens the answers' addresses, for that container
# only and for the answer's TTL, before the answer reaches it. The world's DNS server here is
# probe's zone-file server on RES_DNS (the containers' only resolver), logging every query it
# receives, so a test can count what left the machine. runc and crun, wire and overlay mode.

load helpers

RES_DNS=203.0.113.55 # the world's zone-file DNS server: the host's (and containers') resolver
RES_DNS6=2001:db8:1::53 # the same server's IPv6 address (a resolver of the IPv6 test only)
# rot.test answers one of these per query, in turn
RES_ROT="203.0.113.20 203.0.113.21 203.0.113.22 203.0.113.23"
RES_ROT="$RES_ROT 203.0.113.24 203.0.113.25 203.0.113.26 203.0.113.27"
RES_SFX1=203.0.113.28          # a.sfx.test
RES_SFX2=203.0.113.29          # b.c.sfx.test
RES_SFX0=203.0.113.30          # sfx.test (the suffix itself)
RES_SFX3=203.0.113.39          # z.sfx.test
RES_XSFX=203.0.113.31          # xsfx.test (ends with the suffix's text, not below it)
RES_TTL=203.0.113.32           # ttl.test (TTL 300 in the answer)
RES_ISO=203.0.113.33           # iso.test
RES_MIXED=203.0.113.34         # mixed.test, next to never-open addresses
RES_CNAME=203.0.113.35         # alias.test -> cdn.alias-target.test -> this
RES_KILL1=203.0.113.36         # kill1.test
RES_KILL2=203.0.113.37         # kill2.test
RES_MANY_FIRST=198.18.1.0      # many.test: 300 A records from here up (198.18.1.0-198.18.2.43)
RES_MANY_MID=198.18.1.150
RES_MANY_LAST=198.18.2.43
RES_MANY_NEXT=198.18.2.44 # never answered
RES_V6=2001:db8:1::60     # v6.test AAAA
RES_V6A=203.0.113.38      # v6.test A
RES_ECHO_PORT=7777        # serve echo in WORLD (probe hold keeps a connection to it)
NF_RESOLVER_BIN=${NF_RESOLVER_BIN:-$(dirname "${NF_HOOK:-$NF_BIN}")/netfence-resolver}

res_zone() {
	cat <<-EOF
		allowed.test A $NF_PUB1
		other.test A $NF_PUB2
		rot.test ROTATE $RES_ROT 30
		a.sfx.test A $RES_SFX1
		b.c.sfx.test A $RES_SFX2
		sfx.test A $RES_SFX0
		xsfx.test A $RES_XSFX
		ttl.test A $RES_TTL 300
		iso.test A $RES_ISO
		mixed.test A $RES_MIXED
		mixed.test A $NF_META
		mixed.test A 127.0.0.1
		mixed.test A $NF_UP4_HOST
		mixed.test A 0.0.0.0
		mixed.test A 224.0.0.1
		mixed.test AAAA ::1
		mixed.test AAAA fe80::1
		mixed.test AAAA $NF_PUB6
		meta.test A $NF_META
		alias.test CNAME cdn.alias-target.test
		cdn.alias-target.test A $RES_CNAME
		kill1.test A $RES_KILL1
		kill2.test A $RES_KILL2
		many.test MANY 300 $RES_MANY_FIRST
		*.exfil.test A $NF_PUB3
		v6.test AAAA $RES_V6
		z.sfx.test A $RES_SFX3
		fail.test SERVFAIL
		silent.test DROP
		v6.test A $RES_V6A
	EOF
}

setup() {
	nf_world_setup
	res_zone >"$NF_TMP/zone"
	nf_world_dns zone "$RES_DNS,$RES_DNS6" "$NF_TMP/zone"
	# the zone's addresses live in WORLD, where the TCP server (every address) answers them
	ip -n "$NF_WORLD" route add local 203.0.113.16/28 dev lo
	ip -n "$NF_WORLD" route add local 203.0.113.32/28 dev lo
	ip -n "$NF_WORLD" route add local 198.18.0.0/15 dev lo
	ip -n "$NF_WORLD" addr add "$RES_V6/128" dev lo nodad
	nf_bg_world echo serve echo :: "$RES_ECHO_PORT"
	nf_wait_for 500 grep -q listening "$NF_TMP/out/srv-echo"
	res_conf '{}'
}

teardown() {
	# the containers, the pods' CNI, then the world (nf_world_teardown kills the resolver)
	nf_pod_teardown
}

# res_conf JSON: the host configuration: RES_DNS the only resolver, the resolver's log in
# $NF_TMP/resolver.log, JSON merged over that.
res_conf() {
	nf_hostconf "$(jq -cn --arg d "$RES_DNS" --arg l "$NF_TMP/resolver.log" --argjson x "$1" \
		'{dns: [$d], resolver_log: $l} + $x')"
}

RES_PIDFILE() { echo "$NF_TMP/state/resolver.pid"; }

# The resolver of the pid file is alive (a zombie is not: a killed daemon may wait for a reaper).
res_running() {
	local pid st
	pid=$(cat "$(RES_PIDFILE)" 2>/dev/null) && [ -n "$pid" ] || return 1
	st=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

res_expect_running() {
	if ! res_running; then
		echo "FAIL: no resolver running ($(RES_PIDFILE): $(cat "$(RES_PIDFILE)" 2>&1))" >&2
		return 1
	fi
}

# res_dns ID NAME [OPTIONS...]: a lookup at RES_DNS (RES_SERVER when set) from the container;
# NF_PROBE_OUT and RES_RC (probe dns: 0 NOERROR, 1 no reply, 3 NXDOMAIN, 4 REFUSED, 5 SERVFAIL,
# 7 truncated).
res_dns() {
	local id=$1 name=$2
	shift 2
	RES_RC=0
	nf_probe "$id" dns "${RES_SERVER:-$RES_DNS}" "$name" 2000 "$@" || RES_RC=$?
}

# The addresses the last lookup returned, one a line.
res_addrs() {
	awk '$1 == "answer" {print $2}' <<<"$NF_PROBE_OUT"
}

# res_expect_answer ID NAME ADDR [OPTIONS...]: NOERROR and ADDR among the addresses.
res_expect_answer() {
	local id=$1 name=$2 addr=$3
	shift 3
	res_dns "$id" "$name" "$@"
	if [ "$RES_RC" -ne 0 ] || ! res_addrs | grep -qxF "$addr"; then
		echo "FAIL: expected $name to answer $addr (exit $RES_RC)" >&2
		return 1
	fi
}

# res_expect_refused ID NAME [OPTIONS...]: answered REFUSED (dns_refuse default) by the resolver.
res_expect_refused() {
	res_dns "$@"
	if [ "$RES_RC" -ne 4 ]; then
		echo "FAIL: expected $2 REFUSED (exit 4), got exit $RES_RC" >&2
		return 1
	fi
}

# res_world_saw NAME: how many queries for NAME the world's DNS server received.
res_world_saw() {
	awk -v n="$1" 'tolower($2) == tolower(n)' "$NF_TMP/out/dns-zone.log" | wc -l
}

# res_world_saw_re REGEX: how many queries for names matching REGEX it received.
res_world_saw_re() {
	awk -v re="$1" 'tolower($2) ~ re' "$NF_TMP/out/dns-zone.log" | wc -l
}

# ---------------------------------------------------------------------------------------------
# Resolve, then connect at once

res_connect_200() { # RUNTIME [NETNS-PATH]
	local rt=$1 id
	id=$(nf_cid c200)
	NF_NETNS_PATH=${2:-} nf_bundle c200 io.netfence.policy=restricted \
		"io.netfence.egress=allowed.test:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	# the first set-up that needs it started the resolver
	res_expect_running
	# live mode: the name rule opened nothing at set-up
	nf_expect_blocked "$id" "$NF_PUB1" 443
	# 200 lookups, each followed at once by a connect to what it answered: no first-packet race
	nf_probe "$id" dnsconnect "$RES_DNS" allowed.test 443 200 2000
	[[ $NF_PROBE_OUT == *"rounds 200 lookups-failed 0 connects-ok 200 connects-failed 0"* ]]
	[ "$(res_world_saw allowed.test)" -ge 1 ]
	# the rule's port only
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver (runc): 200 resolve-then-connect in a row, 0 failures; nothing open before the lookup" {
	res_connect_200 runc
}

@test "resolver (crun): 200 resolve-then-connect in a row, 0 failures; nothing open before the lookup" {
	res_connect_200 crun
}

@test "resolver (pod, overlay mode): 200 resolve-then-connect, unlisted names refused, another pod opens nothing" {
	local nsa nsb a b
	nf_shared_state
	nsa=$(nf_cni_pod a)
	nsb=$(nf_cni_pod b)
	res_connect_200 runc "$nsa"
	nf_assert_ns_clean "$nsa"

	a=$(nf_cid pa)
	b=$(nf_cid pb)
	NF_NETNS_PATH=$nsa nf_bundle pa io.netfence.policy=restricted "io.netfence.egress=iso.test:443"
	nf_start runc "$NF_BUNDLE" "$a"
	NF_NETNS_PATH=$nsb nf_bundle pb io.netfence.policy=restricted "io.netfence.egress=iso.test:443"
	nf_start runc "$NF_BUNDLE" "$b"
	res_expect_refused "$a" secret-0f1e.exfil.test
	[ "$(res_world_saw_re 'exfil\.test$')" -eq 0 ]
	res_expect_answer "$a" iso.test "$RES_ISO"
	nf_expect_open "$a" "$RES_ISO" 443
	# pod b never looked it up: nothing of pod a's answer opens for it
	nf_expect_blocked "$b" "$RES_ISO" 443
	res_expect_answer "$b" iso.test "$RES_ISO"
	nf_expect_open "$b" "$RES_ISO" 443
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_ns_clean "$nsa"
	nf_assert_ns_clean "$nsb"
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# Rotating answers

res_rotating() { # RUNTIME
	local rt=$1 id a round seen="" never=0
	id=$(nf_cid rot)
	nf_bundle rot io.netfence.policy=restricted "io.netfence.egress=rot.test:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	for round in 1 2 3 4; do
		echo "lookup $round"
		res_dns "$id" rot.test
		[ "$RES_RC" -eq 0 ]
		a=$(res_addrs)
		[ "$(wc -w <<<"$a")" -eq 1 ]
		nf_expect_open "$id" "$a" 443
		seen="$seen $a"
	done
	# every address this container was told still opens; one it never was told does not
	for a in $seen; do
		nf_expect_open "$id" "$a" 443
	done
	for a in $RES_ROT; do
		case " $seen " in
		*" $a "*) continue ;;
		esac
		nf_expect_blocked "$id" "$a" 443
		never=$((never + 1))
	done
	[ "$never" -ge 1 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver (runc): a rotating name: every address a lookup returned connects, one never returned does not" {
	res_rotating runc
}

@test "resolver (crun): a rotating name: every address a lookup returned connects, one never returned does not" {
	res_rotating crun
}

# ---------------------------------------------------------------------------------------------
# *.suffix rules

res_suffix() { # RUNTIME
	local rt=$1 id
	id=$(nf_cid sfx)
	nf_bundle sfx io.netfence.policy=restricted "io.netfence.egress=*.sfx.test:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	# names below the suffix open, on the rule's port
	res_expect_answer "$id" a.sfx.test "$RES_SFX1"
	nf_expect_open "$id" "$RES_SFX1" 443
	nf_expect_blocked "$id" "$RES_SFX1" 80
	res_expect_answer "$id" b.c.sfx.test "$RES_SFX2"
	nf_expect_open "$id" "$RES_SFX2" 443
	# the suffix itself, a name that only ends with its text, and others: refused, never asked
	res_expect_refused "$id" sfx.test
	res_expect_refused "$id" xsfx.test
	res_expect_refused "$id" other.test
	nf_expect_blocked "$id" "$RES_SFX0" 443
	nf_expect_blocked "$id" "$RES_XSFX" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	[ "$(res_world_saw sfx.test)" -eq 0 ]
	[ "$(res_world_saw xsfx.test)" -eq 0 ]
	[ "$(res_world_saw other.test)" -eq 0 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver (runc): *.suffix rules open names below the suffix, not the suffix or other names" {
	res_suffix runc
}

@test "resolver (crun): *.suffix rules open names below the suffix, not the suffix or other names" {
	res_suffix crun
}

# ---------------------------------------------------------------------------------------------
# Exfiltration

res_exfil() { # RUNTIME
	local rt=$1 id
	id=$(nf_cid ex)
	nf_bundle ex io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	res_expect_refused "$id" secret-4f2a9c.exfil.test
	res_expect_refused "$id" c2VjcmV0LWRhdGE.exfil.test --type TXT
	res_expect_refused "$id" tcp-secret-77.exfil.test --tcp
	res_expect_refused "$id" aaaa-secret.exfil.test --type AAAA
	res_expect_refused "$id" allowed.test.exfil.test
	res_expect_refused "$id" other.test
	# the allowed name resolves (in any case), so the log below is the world's and it works
	res_expect_answer "$id" allowed.test "$NF_PUB1"
	res_expect_answer "$id" ALLOWED.Test "$NF_PUB1"
	[ "$(res_world_saw allowed.test)" -ge 2 ]
	# nor the letter case of an allowed name (a bit per letter, "0x20"): lower case upstream
	[ "$(awk '$2 == "ALLOWED.Test"' "$NF_TMP/out/dns-zone.log" | wc -l)" -eq 0 ]
	# not one refused query reached the world
	[ "$(res_world_saw_re 'exfil\.test$')" -eq 0 ]
	[ "$(res_world_saw other.test)" -eq 0 ]
	# the refusals are logged
	grep -qF secret-4f2a9c.exfil.test "$NF_TMP/resolver.log"
	grep -qF tcp-secret-77.exfil.test "$NF_TMP/resolver.log"
	# DNS to any other address stays blocked
	nf_expect_dns_blocked "$id" "$NF_DNS_OTHER" secret.exfil.test
	nf_expect_dns_blocked "$id" "$NF_DNS_OK" secret.exfil.test
	nf_expect_blocked "$id" "$NF_DNS_OK" 53
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver (runc): exfiltration: unlisted names get REFUSED and never reach the world's DNS server" {
	res_exfil runc
}

@test "resolver (crun): exfiltration: unlisted names get REFUSED and never reach the world's DNS server" {
	res_exfil crun
}

@test "resolver: dns_refuse nxdomain applies to containers set up after it; earlier ones keep REFUSED" {
	local a b
	a=$(nf_cid ra)
	b=$(nf_cid rb)
	nf_bundle ra io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$a"
	res_conf '{"dns_refuse": "nxdomain"}'
	nf_bundle rb io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$b"
	res_dns "$b" secret-b.exfil.test
	[ "$RES_RC" -eq 3 ]
	res_expect_refused "$a" secret-a.exfil.test
	[ "$(res_world_saw_re 'exfil\.test$')" -eq 0 ]
	res_expect_answer "$b" allowed.test "$NF_PUB1"
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# TTL

@test "resolver: after the TTL (dns_max_ttl 2) an address opens no new connection; an established one survives" {
	local id out t0 blocked=0
	res_conf '{"dns_min_ttl": 1, "dns_max_ttl": 2}'
	id=$(nf_cid ttl)
	nf_bundle ttl io.netfence.policy=restricted "io.netfence.egress=ttl.test:$RES_ECHO_PORT"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$RES_TTL" "$RES_ECHO_PORT"
	# one exec: the lookup, then at once a connection that stays open, echoing every 200 ms
	out=$NF_TMP/out/hold
	nf_exec "$id" /bin/sh -c "/probe dns $RES_DNS ttl.test 2000 &&
		exec /probe hold tcp $RES_TTL $RES_ECHO_PORT 60 /tmp/stop" >"$out" 2>&1 &
	local hold=$!
	nf_wait_for 500 grep -q '^open' "$out" || {
		cat "$out"
		false
	}
	# the answer said 300 s; clamped to 2 s: new connections stop opening (within 15 s)
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 15 ]; do
		if ! nf_probe "$id" connect tcp "$RES_TTL" "$RES_ECHO_PORT" 1000; then
			blocked=1
			break
		fi
		sleep 0.2
	done
	[ "$blocked" -eq 1 ]
	nf_check_blocked_fast "$RES_TTL:$RES_ECHO_PORT after the TTL"
	# the connection opened before the expiry still carries data both ways
	nf_exec "$id" /bin/busybox touch /tmp/stop
	local rc=0
	wait "$hold" || rc=$?
	cat "$out"
	[ "$rc" -eq 0 ]
	grep -q '^alive ' "$out"
	# a new lookup opens it again
	nf_probe "$id" dnsconnect "$RES_DNS" ttl.test "$RES_ECHO_PORT" 1
	nf_stop "$id"
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# Isolation

@test "resolver: isolation: container B cannot connect to an address only A's lookups opened (runc A, crun B)" {
	local a b c
	a=$(nf_cid ia)
	b=$(nf_cid ib)
	c=$(nf_cid ic)
	nf_bundle ia io.netfence.policy=restricted "io.netfence.egress=iso.test:443"
	nf_start runc "$NF_BUNDLE" "$a"
	nf_bundle ib io.netfence.policy=restricted "io.netfence.egress=iso.test:443"
	nf_start crun "$NF_BUNDLE" "$b"
	nf_bundle ic io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$c"
	res_expect_answer "$a" iso.test "$RES_ISO"
	nf_expect_open "$a" "$RES_ISO" 443
	# same rule, no lookup of its own: blocked; a container without the rule: blocked, refused
	nf_expect_blocked "$b" "$RES_ISO" 443
	nf_expect_blocked "$c" "$RES_ISO" 443
	res_expect_refused "$c" iso.test
	nf_expect_blocked "$c" "$RES_ISO" 443
	# B's own lookup opens it for B
	res_expect_answer "$b" iso.test "$RES_ISO"
	nf_expect_open "$b" "$RES_ISO" 443
	nf_expect_blocked "$c" "$RES_ISO" 443
	nf_stop "$a"
	nf_stop "$b"
	nf_stop "$c"
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# Never-open answers

@test "resolver: never-open addresses (metadata, loopback, the host's, 0.0.0.0, multicast) are stripped and logged" {
	local id
	id=$(nf_cid nev)
	nf_bundle nev io.netfence.policy=restricted \
		"io.netfence.egress=mixed.test:$NF_HOST_SVC_PORT, meta.test:80"
	nf_start runc "$NF_BUNDLE" "$id"
	res_expect_answer "$id" mixed.test "$RES_MIXED"
	[ "$(res_addrs)" = "$RES_MIXED" ]
	res_dns "$id" mixed.test --type AAAA
	[ "$RES_RC" -eq 0 ]
	[ "$(res_addrs)" = "$NF_PUB6" ]
	res_dns "$id" meta.test
	[ -z "$(res_addrs)" ]
	nf_expect_open "$id" "$RES_MIXED" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$NF_META" 80
	nf_expect_blocked "$id" "$NF_META" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$(nf_gw4 "$id")" "$NF_HOST_SVC_PORT"
	local a
	for a in "$NF_META" 127.0.0.1 "$NF_UP4_HOST" 0.0.0.0 224.0.0.1 ::1 fe80::1; do
		if ! grep -qwF -- "$a" "$NF_TMP/resolver.log"; then
			echo "FAIL: $a not in the resolver's log:" >&2
			cat "$NF_TMP/resolver.log" >&2
			false
		fi
	done
	nf_stop "$id"
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# TCP, CNAME chains, truncation, 300 records

@test "resolver: DNS over TCP; a CNAME chain opens the address at its end" {
	local id
	id=$(nf_cid tcp)
	nf_bundle tcp io.netfence.policy=restricted "io.netfence.egress=allowed.test:443, alias.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$RES_CNAME" 443
	res_expect_answer "$id" allowed.test "$NF_PUB1" --tcp
	nf_expect_open "$id" "$NF_PUB1" 443
	res_expect_answer "$id" alias.test "$RES_CNAME" --tcp
	[[ $NF_PROBE_OUT == *"cname alias.test cdn.alias-target.test"* ]]
	nf_expect_open "$id" "$RES_CNAME" 443
	nf_expect_blocked "$id" "$RES_CNAME" 80
	# the chain's target alone is not a name this container may ask for
	res_expect_refused "$id" cdn.alias-target.test --tcp
	res_expect_refused "$id" secret.exfil.test --tcp
	[ "$(res_world_saw_re 'exfil\.test$')" -eq 0 ]
	nf_probe "$id" dnsconnect "$RES_DNS" alias.test 443 20 2000 --tcp
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver: 300 A records: truncated over UDP, whole after the TCP retry, every one opens" {
	local id
	id=$(nf_cid many)
	nf_bundle many io.netfence.policy=restricted "io.netfence.egress=many.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# UDP only (no retry): the truncated answer, as without netfence
	res_dns "$id" many.test --udp
	[ "$RES_RC" -eq 7 ]
	res_dns "$id" many.test --udp --edns 1232
	[ "$RES_RC" -eq 7 ]
	# a stub's way: UDP, truncated, then TCP: all 300
	res_dns "$id" many.test
	[ "$RES_RC" -eq 0 ]
	[[ $NF_PROBE_OUT == *"truncated, retried over tcp"* ]]
	[ "$(res_addrs | wc -l)" -eq 300 ]
	[ "$(res_addrs | sort -u | wc -l)" -eq 300 ]
	[ "$(awk '$1 == "tcp" && $2 == "many.test"' "$NF_TMP/out/dns-zone.log" | wc -l)" -ge 1 ]
	nf_expect_open "$id" "$RES_MANY_FIRST" 443
	nf_expect_open "$id" "$RES_MANY_MID" 443
	nf_expect_open "$id" "$RES_MANY_LAST" 443
	nf_expect_blocked "$id" "$RES_MANY_NEXT" 443
	nf_expect_blocked "$id" "$RES_MANY_MID" 80
	# over TCP directly: all 300, each connecting at once
	res_dns "$id" many.test --tcp
	[ "$(res_addrs | wc -l)" -eq 300 ]
	nf_probe "$id" dnsconnect "$RES_DNS" many.test 443 1 2000 --tcp
	[[ $NF_PROBE_OUT == *"connects-ok 300 connects-failed 0"* ]]
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver: IPv6: lookups at the IPv6 resolver address; AAAA answers open over IPv6" {
	local id
	res_conf "{\"dns\": [\"$RES_DNS\", \"$RES_DNS6\"]}"
	id=$(nf_cid v6)
	nf_bundle v6 io.netfence.policy=restricted io.netfence.ipv6=on "io.netfence.egress=v6.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$RES_V6" 443
	RES_SERVER=$RES_DNS6 res_expect_answer "$id" v6.test "$RES_V6" --type AAAA
	[ "$(res_addrs)" = "$RES_V6" ]
	nf_expect_open "$id" "$RES_V6" 443
	nf_expect_blocked "$id" "$RES_V6" 444
	RES_SERVER=$RES_DNS6 res_expect_answer "$id" v6.test "$RES_V6A" --tcp
	nf_expect_open "$id" "$RES_V6A" 443
	RES_SERVER=$RES_DNS6 res_expect_refused "$id" secret6.exfil.test --type AAAA
	RES_SERVER=$RES_DNS6 res_expect_refused "$id" secret6t.exfil.test --tcp
	[ "$(res_world_saw_re 'exfil\.test$')" -eq 0 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver: the upstream's SERVFAIL and silence pass through and open nothing; EDNS answers" {
	local id
	id=$(nf_cid sf)
	nf_bundle sf io.netfence.policy=restricted \
		"io.netfence.egress=fail.test:443, silent.test:443, allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	res_dns "$id" fail.test
	[ "$RES_RC" -eq 5 ]
	[ "$(res_world_saw fail.test)" -ge 1 ]
	# no answer upstream: SERVFAIL or no reply, never an address
	res_dns "$id" silent.test
	[ "$RES_RC" -eq 5 ] || [ "$RES_RC" -eq 1 ]
	[ -z "$(res_addrs)" ]
	[ "$(res_world_saw silent.test)" -ge 1 ]
	res_expect_answer "$id" allowed.test "$NF_PUB1" --edns 1232
	res_expect_answer "$id" allowed.test "$NF_PUB1" --edns 4096 --tcp
	nf_stop "$id"
	nf_assert_clean
}

@test "resolver: bounds: over dns_max_qps and over dns_max_names a query is REFUSED and logged" {
	local id
	res_conf '{"dns_max_qps": 5, "dns_max_names": 2}'
	id=$(nf_cid bd)
	nf_bundle bd io.netfence.policy=restricted "io.netfence.egress=*.sfx.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# two names tracked; a third is refused and never asked
	res_expect_answer "$id" a.sfx.test "$RES_SFX1"
	res_expect_answer "$id" b.c.sfx.test "$RES_SFX2"
	res_expect_refused "$id" z.sfx.test
	[ "$(res_world_saw z.sfx.test)" -eq 0 ]
	nf_expect_blocked "$id" "$RES_SFX3" 443
	grep -qF z.sfx.test "$NF_TMP/resolver.log"
	# 50 lookups as fast as they go at 5 a second: most are refused
	nf_probe "$id" dnsconnect "$RES_DNS" a.sfx.test 443 50 2000 || true
	[[ $NF_PROBE_OUT =~ lookups-failed\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 30 ]
	[[ $NF_PROBE_OUT == *"lookup exit 4"* ]]
	# the next second answers again (bounded wait)
	res_a_ok() { nf_exec "$id" /probe dns "$RES_DNS" a.sfx.test 1000 >/dev/null; }
	nf_wait_for 150 res_a_ok
	nf_stop "$id"
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# Lifecycle

@test "resolver: killed during lookups: nothing opens while down; the next set-up brings it back, learned addresses kept" {
	local id id2 pid loop rc=0
	id=$(nf_cid k)
	id2=$(nf_cid k2)
	nf_bundle k io.netfence.policy=restricted \
		"io.netfence.egress=allowed.test:443, kill1.test:443, kill2.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	res_expect_running
	pid=$(cat "$(RES_PIDFILE)")
	res_expect_answer "$id" allowed.test "$NF_PUB1"
	nf_expect_open "$id" "$NF_PUB1" 443

	# lookups in flight (each answered one connected at once), and the resolver dies
	loop=$NF_TMP/out/loop
	nf_exec "$id" /probe dnsconnect "$RES_DNS" kill1.test 443 1000000 300 --seconds 4 \
		>"$loop" 2>&1 &
	local bg=$!
	res_kill1_seen() { [ "$(res_world_saw kill1.test)" -ge 5 ]; }
	nf_wait_for 500 res_kill1_seen
	kill -9 "$pid"
	wait "$bg" || rc=$?
	cat "$loop"
	# every answer that came back opened its address before it came back, up to the kill
	grep -qE 'connects-failed 0$' "$loop"
	# and lookups failed after it
	grep -qE 'lookups-failed [1-9]' "$loop"

	# down: no lookup answered, nothing new opens, what was learned is still open
	nf_not res_running
	res_dns "$id" kill2.test
	[ "$RES_RC" -eq 1 ]
	nf_expect_blocked "$id" "$RES_KILL2" 443
	[ "$(res_world_saw kill2.test)" -eq 0 ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_open "$id" "$RES_KILL1" 443

	# the next set-up starts it again; it serves the running container from state_dir
	nf_bundle k2 io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id2"
	res_expect_running
	[ "$(cat "$(RES_PIDFILE)")" != "$pid" ]
	res_expect_answer "$id" kill2.test "$RES_KILL2"
	nf_expect_open "$id" "$RES_KILL2" 443
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_open "$id" "$RES_KILL1" 443
	res_expect_answer "$id2" allowed.test "$NF_PUB1"
	[ "$(nf_resolver_pids | wc -l)" -eq 1 ]
	nf_stop "$id"
	nf_stop "$id2"
	nf_assert_clean
}

@test "resolver: never two: set-ups at once start one; a second started by hand exits at once" {
	local n ids=() pids=() p pid rc=0
	for n in 1 2 3; do
		nf_bundle "two$n" io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
		ids+=("$(nf_cid "two$n")")
		nf_start runc "$NF_BUNDLE" "$(nf_cid "two$n")" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	[ "$rc" -eq 0 ]
	res_expect_running
	pid=$(cat "$(RES_PIDFILE)")
	[ "$(nf_resolver_pids)" = "$pid" ]

	run timeout -k 2 10 nsenter --net="/run/netns/$NF_HOST" env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin NETFENCE_CONFIG="$NF_HOSTCONF" \
		"$NF_RESOLVER_BIN" --foreground
	echo "second resolver: exit $status: $output"
	[ "$status" -ne 124 ]
	[ "$status" -ne 137 ]
	[ "$(cat "$(RES_PIDFILE)")" = "$pid" ]
	[ "$(nf_resolver_pids)" = "$pid" ]
	# it keeps CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_BIND_SERVICE, can gain none
	grep -qx 'CapEff:	0000000000281400' "/proc/$pid/status"
	grep -qx 'CapPrm:	0000000000281400' "/proc/$pid/status"
	grep -qx 'CapBnd:	0000000000000000' "/proc/$pid/status"
	grep -qx 'NoNewPrivs:	1' "/proc/$pid/status"
	for id in "${ids[@]}"; do
		res_expect_answer "$id" allowed.test "$NF_PUB1"
		nf_expect_open "$id" "$NF_PUB1" 443
	done
	for id in "${ids[@]}"; do
		nf_stop "$id"
	done
	nf_assert_clean
}

# ---------------------------------------------------------------------------------------------
# dns_names static

@test "resolver: dns_names static keeps set-up resolution: the resolver serves no DNS (events only), DNS unfiltered, wildcards refused" {
	local id w
	res_conf '{"dns_names": "static"}'
	id=$(nf_cid st)
	nf_bundle st io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	# resolved at set-up (the host's resolver), open before any lookup
	nf_expect_open "$id" "$NF_PUB1" 443
	# DNS to the allowed resolver goes to it as it is: any name answers
	res_expect_answer "$id" other.test "$NF_PUB2"
	[ "$(res_world_saw other.test)" -eq 1 ]
	nf_expect_blocked "$id" "$NF_PUB2" 443
	# the resolver runs for the container's events (SPEC section 11) and answers none of its
	# DNS: the world's server saw the query itself, above
	grep -F "$id registered (events only" "$NF_TMP/resolver.log"
	w=$(nf_cid stw)
	nf_bundle stw io.netfence.policy=restricted "io.netfence.egress=*.sfx.test:443" \
		-- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$w"
	echo "$output"
	nf_assert_refused "$output" "$status" "io.netfence.egress" "*.sfx.test"
	nf_stop "$id"
	nf_assert_clean
}

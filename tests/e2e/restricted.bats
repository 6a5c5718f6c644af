#!/usr/bin/env bats
# restricted: default deny both ways; only the egress rules, DNS to the allowed resolver and
# replies pass. Everything else fails fast (< 500 ms), on runc and crun.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

restricted_checks() {
	local rt=$1 id gw
	# hostnames resolved once at set-up (live DNS names: resolver.bats, dns_validate.bats)
	nf_hostconf '{"dns_names": "static"}'
	id=$(nf_cid r)
	nf_bundle r io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443, allowed.test:8080" -- /probe serve tcp :: 8080
	nf_start "$rt" "$NF_BUNDLE" "$id"
	nf_wait_listening "$id"

	# allowed: the egress rules (one by address, one by a hostname resolved through the
	# test resolver) and DNS to the allowed resolver
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_open "$id" "$NF_PUB1" 8080
	nf_expect_dns_ok "$id" "$NF_DNS_OK" allowed.test "$NF_PUB1"

	# blocked: another port, another host, UDP, IPv6, metadata, private, other resolver
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_expect_blocked "$id" "$NF_PUB2" 443
	nf_expect_blocked "$id" "$NF_PUB2" 8080
	nf_expect_blocked "$id" "$NF_PUB3" 443
	nf_expect_udp_blocked "$id" "$NF_PUB1" 9999
	nf_expect_udp_blocked "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB6" 443
	nf_expect_blocked "$id" "$NF_META" 80
	nf_expect_blocked "$id" "$NF_PRIV10" 443
	nf_expect_blocked "$id" "$NF_PRIV192" 80
	nf_expect_dns_blocked "$id" "$NF_DNS_OTHER" allowed.test
	nf_expect_blocked "$id" "$NF_DNS_OTHER" 53

	# the host's own services, via its uplink address and via the container's gateway
	gw=$(nf_gw4 "$id")
	[ -n "$gw" ]
	nf_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$gw" "$NF_HOST_SVC_PORT"

	# nothing can connect in (the container listens on 8080)
	local a4
	a4=$(nf_addr4 "$id")
	[[ $a4 =~ ^10\.213\. ]]
	nf_expect_open "$id" 127.0.0.1 8080
	nf_not nf_world_connect "$NF_PUB3" "$a4" 8080 500
	nf_not ip netns exec "$NF_HOST" "$NF_PROBE" connect tcp "$a4" 8080 500

	# while running: the host side exists
	[ -n "$(nf_host_nf_links)" ]
	[ -f "$NF_TMP/state/$id.json" ]

	nf_stop "$id"
	nf_assert_clean
}

@test "restricted (runc): only the egress rules and DNS pass, the rest fails fast" {
	restricted_checks runc
}

@test "restricted (crun): only the egress rules and DNS pass, the rest fails fast" {
	restricted_checks crun
}

@test "restricted: the container has eth0 with a /31, a default route, no IPv6 address" {
	local id
	id=$(nf_cid a)
	nf_bundle a io.netfence.policy=restricted
	nf_start runc "$NF_BUNDLE" "$id"
	run nf_exec "$id" /bin/busybox ip -4 -o addr show dev eth0
	echo "$output"
	[[ $output == *"/31 "* ]]
	run nf_exec "$id" /bin/busybox ip -6 -o addr show scope global
	echo "$output"
	[ -z "$output" ]
	run nf_exec "$id" /bin/busybox ip -4 route show default
	[[ $output == "default via "* ]]
	# the host end is named nf + 12 hex digits (derived from the id), and it is the only one
	run nf_host_nf_links
	echo "$output"
	[[ $output =~ ^nf[0-9a-f]{12}$ ]]
	[ "$(ip -n "$NF_HOST" -o link show | grep -c ': nf')" -eq 1 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "restricted: a container run to completion is cleaned up by poststop" {
	local id
	id=$(nf_cid once)
	nf_bundle once io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" \
		-- /probe connect tcp "$NF_PUB1" 443 2000
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == open* ]]
	nf_assert_clean
}

@test "restricted: without IPv4 forwarding preset, the hook turns it on" {
	local id
	[ "$(ip netns exec "$NF_HOST" sysctl -n net.ipv4.ip_forward)" = 0 ]
	id=$(nf_cid fwd)
	nf_bundle fwd io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	[ "$(ip netns exec "$NF_HOST" sysctl -n net.ipv4.ip_forward)" = 1 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "restricted: a container without netfence annotations is left alone" {
	local id
	id=$(nf_cid plain)
	nf_bundle plain -- /bin/busybox ip -o link
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *eth0* ]]
	[ -z "$(nf_host_nf_links)" ]
	[ -z "$(find "$NF_TMP/state" -name '*.json')" ]
}

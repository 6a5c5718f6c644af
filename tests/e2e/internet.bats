#!/usr/bin/env bats
# internet: public destinations open; private ranges, metadata, the host and its neighbours
# blocked unless an egress rule names them (exactly that address and port).

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

internet_checks() {
	local rt=$1 id gw
	# DNS straight to the allowed resolver (live DNS names: resolver.bats, dns_validate.bats)
	nf_hostconf '{"dns_names": "static"}'
	id=$(nf_cid i)
	nf_bundle i io.netfence.policy=internet "io.netfence.egress=$NF_PRIV10:8080"
	nf_start "$rt" "$NF_BUNDLE" "$id"

	# public (documentation ranges) open, TCP and UDP
	nf_expect_open "$id" "$NF_PUB1" 80
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_open "$id" "$NF_PUB2" 22
	nf_expect_open "$id" "$NF_PUB3" 443
	nf_expect_udp_open "$id" "$NF_PUB1" 9999
	nf_expect_dns_ok "$id" "$NF_DNS_OK" public.test "$NF_PUB3"

	# the egress rule opens exactly one address and port
	nf_expect_open "$id" "$NF_PRIV10" 8080
	nf_expect_blocked "$id" "$NF_PRIV10" 8081
	nf_expect_blocked "$id" "$NF_PRIV10" 80
	nf_expect_udp_blocked "$id" "$NF_PRIV10" 9999

	# private ranges and metadata
	nf_expect_blocked "$id" "$NF_META" 80
	nf_expect_blocked "$id" "$NF_PRIV172" 80
	nf_expect_blocked "$id" "$NF_PRIV192" 80
	nf_expect_udp_blocked "$id" "$NF_META" 53

	# the host itself (uplink address, gateway) and its neighbour (world's uplink = the router)
	gw=$(nf_gw4 "$id")
	nf_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$gw" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$NF_UP4_WORLD" 80

	# DNS only to the allowed resolver, IPv6 off
	nf_expect_dns_blocked "$id" "$NF_DNS_OTHER" public.test
	nf_expect_blocked "$id" "$NF_PUB6" 443

	nf_stop "$id"
	nf_assert_clean
}

@test "internet (runc): public open, private/metadata/host/neighbour blocked, rule opens one port" {
	internet_checks runc
}

@test "internet (crun): public open, private/metadata/host/neighbour blocked, rule opens one port" {
	internet_checks crun
}

@test "internet: egress is masqueraded behind the host's uplink address" {
	local id
	id=$(nf_cid m)
	# a server in WORLD that only the host's uplink address may reach: WORLD has no route to
	# the pool for this check, so only a NATed connection gets its reply back
	ip -n "$NF_WORLD" route del 10.213.0.0/16
	nf_bundle m io.netfence.policy=internet
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

#!/usr/bin/env bats
# IPv6: off by default (connects fail at once); on with an IPv6 egress rule.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

ipv6_checks() {
	local rt=$1 id a6
	id=$(nf_cid v6)
	nf_bundle v6 io.netfence.policy=restricted io.netfence.ipv6=on \
		"io.netfence.egress=[$NF_PUB6]:443,$NF_PUB1:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	a6=$(nf_addr6 "$id")
	echo "container IPv6 address: $a6"
	[[ $a6 =~ ^fd6e:6663: ]]
	nf_expect_open "$id" "$NF_PUB6" 443
	nf_expect_blocked "$id" "$NF_PUB6" 444
	nf_expect_udp_blocked "$id" "$NF_PUB6" 9999
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_UP6_HOST" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$id" "$NF_UP6_WORLD" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "ipv6 on (runc): the IPv6 rule opens exactly its port" {
	ipv6_checks runc
}

@test "ipv6 on (crun): the IPv6 rule opens exactly its port" {
	ipv6_checks crun
}

@test "ipv6 on under internet: public IPv6 open, the host's IPv6 blocked" {
	local id
	id=$(nf_cid v6i)
	nf_bundle v6i io.netfence.policy=internet io.netfence.ipv6=on
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB6" 443
	nf_expect_open "$id" "$NF_PUB6" 444
	nf_expect_blocked "$id" "$NF_UP6_HOST" "$NF_HOST_SVC_PORT"
	nf_stop "$id"
	nf_assert_clean
}

@test "ipv6 off (default): IPv6 connects fail at once" {
	local id
	id=$(nf_cid v6off)
	nf_bundle v6off io.netfence.policy=internet
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$NF_PUB6" 443
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

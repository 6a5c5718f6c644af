#!/usr/bin/env bats
# ingress: only the named source may connect to the named port.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

ingress_checks() {
	local rt=$1 id a4
	id=$(nf_cid in)
	nf_bundle in io.netfence.policy=restricted "io.netfence.ingress=$NF_PUB3:8080" \
		-- /probe serve tcp :: 8080 8081
	nf_start "$rt" "$NF_BUNDLE" "$id"
	nf_wait_listening "$id"
	a4=$(nf_addr4 "$id")
	[[ $a4 =~ ^10\.213\. ]]
	nf_world_connect "$NF_PUB3" "$a4" 8080 2000
	nf_not nf_world_connect "$NF_PUB1" "$a4" 8080 1000
	nf_not nf_world_connect "$NF_PUB3" "$a4" 8081 1000
	nf_not nf_world_connect "$NF_UP4_WORLD" "$a4" 8080 1000
	# the host itself is not the allowed source either
	nf_not ip netns exec "$NF_HOST" "$NF_PROBE" connect tcp "$a4" 8080 1000
	# the listener is up (loopback)
	nf_expect_open "$id" 127.0.0.1 8081
	nf_stop "$id"
	nf_assert_clean
}

@test "ingress (runc): the named source reaches the named port, nothing else does" {
	ingress_checks runc
}

@test "ingress (crun): the named source reaches the named port, nothing else does" {
	ingress_checks crun
}

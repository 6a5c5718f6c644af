#!/usr/bin/env bats
# DNS answers never open what a hostname must not open (issue 9, item 3): a hostname rule whose
# name answers a loopback, unspecified, link-local (metadata), multicast or broadcast address,
# or one of the host's own addresses, refuses the container with one message naming the
# annotation, the name and the address (exit 1). Literal address rules keep working. The test
# resolver in WORLD answers the names (helpers.bash nf_world_setup). These are the set-up's
# answers: host key dns_names "static" (with live DNS names netfence's resolver strips such
# answers instead: resolver.bats); ingress names resolve at set-up in both modes.

load helpers

setup() {
	nf_world_setup
	nf_hostconf '{"dns_names": "static"}'
}

teardown() {
	nf_world_teardown
}

# The names (and the addresses they answer) that must not open anything.
BAD_NAMES="meta.test=169.254.169.254 loop.test=127.0.0.1 zero.test=0.0.0.0
	uplink.test=192.0.2.1 mcast.test=224.0.0.1 bcast.test=255.255.255.255"

# netfence validate in HOST with the test resolv.conf (as the runtimes get it).
dns_validate() {
	unshare -m --propagation private sh -c '
		mount --bind "$1" /etc/resolv.conf || exit 125
		ns=$2 cfg=$3; shift 3
		exec nsenter --net="/run/netns/$ns" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			NETFENCE_CONFIG="$cfg" "$@"' \
		sh "$NF_TMP/resolv.conf" "$NF_HOST" "$NF_HOSTCONF" "$NF_BIN" validate "$@"
}

refused_names_checks() { # POLICY
	local policy=$1 name addr id na
	for na in $BAD_NAMES; do
		name=${na%%=*}
		addr=${na#*=}
		id=$(nf_cid "b${name%%.*}")
		nf_bundle "b${name%%.*}" "io.netfence.policy=$policy" \
			"io.netfence.egress=$NF_PUB1:443, $name:80" -- /bin/busybox true
		run nf_run_runc "$NF_BUNDLE" "$id"
		echo "$name: $output"
		nf_assert_refused "$output" "$status" "netfence: $id" "io.netfence.egress" \
			"hostname \\\"$name\\\" resolved to $addr"
		[ ! -f "$NF_TMP/state/$id.json" ]
	done
	nf_assert_clean
}

@test "restricted: a hostname answering metadata, loopback, 0.0.0.0, the host, multicast or broadcast is refused" {
	refused_names_checks restricted
}

@test "internet: a hostname answering a deny-listed or host address is refused, not punched through" {
	refused_names_checks internet
}

@test "ingress: a hostname answering the host's own address is refused too" {
	local id
	id=$(nf_cid bin)
	nf_bundle bin io.netfence.policy=restricted "io.netfence.ingress=uplink.test:8080" \
		-- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "io.netfence.ingress" \
		"hostname \\\"uplink.test\\\" resolved to $NF_UP4_HOST" "host's own"
	nf_assert_clean
}

@test "a normal name still opens its address; literal rules for the same addresses still work" {
	local id
	id=$(nf_cid ok)
	# the literal rules: the operator or author wrote the address itself (subject to allow)
	nf_bundle ok io.netfence.policy=restricted \
		"io.netfence.egress=allowed.test:443, $NF_META:80, $NF_UP4_HOST:$NF_HOST_SVC_PORT"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	nf_expect_open "$id" "$NF_META" 80
	nf_expect_open "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_stop "$id"
	nf_assert_clean
}

@test "internet: with a normal hostname rule the metadata address stays blocked" {
	local id
	id=$(nf_cid io)
	nf_bundle io io.netfence.policy=internet "io.netfence.egress=public.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB3" 443
	nf_expect_blocked "$id" "$NF_META" 80
	nf_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_stop "$id"
	nf_assert_clean
}

@test "crun: the same refusal" {
	local id
	id=$(nf_cid cm)
	nf_bundle cm io.netfence.policy=restricted "io.netfence.egress=meta.test" -- /bin/busybox true
	run nf_run_crun "$NF_BUNDLE" "$id"
	echo "$output"
	# crun 1.8 does not pass the hook's stderr on: only the refusal is visible
	nf_assert_refused "$output" "$status" "exit code: 1"
	[ ! -f "$NF_TMP/state/$id.json" ]
	nf_assert_clean
}

@test "validate reports the refused answer and exits 1" {
	nf_bundle v io.netfence.policy=restricted "io.netfence.egress=allowed.test:443, meta.test:80"
	run dns_validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'io.netfence.egress: hostname "meta.test" resolved to 169.254.169.254'* ]]

	nf_bundle v2 io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	run dns_validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"$NF_PUB1"* ]]
}

@test "a hostname answering another container's host end (a host address made by netfence) is refused" {
	local a b
	a=$(nf_cid ha)
	b=$(nf_cid hb)
	nf_bundle ha io.netfence.policy=restricted
	nf_start runc "$NF_BUNDLE" "$a"
	# the first lease of the test's pool: the host end is 10.213.0.0
	[ "$(nf_gw4 "$a")" = 10.213.0.0 ]
	nf_bundle hb io.netfence.policy=restricted "io.netfence.egress=hostend.test:$NF_HOST_SVC_PORT" \
		-- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$b"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $b" \
		"hostname \\\"hostend.test\\\" resolved to 10.213.0.0" "host's own"
	nf_stop "$a"
	nf_assert_clean
}

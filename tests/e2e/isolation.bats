#!/usr/bin/env bats
# Containers cannot reach each other; tampering inside the container changes nothing; many
# containers at once get distinct addresses and leave nothing behind.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

@test "two containers at once cannot reach each other" {
	local a b aa ba
	a=$(nf_cid a)
	b=$(nf_cid b)
	nf_bundle a io.netfence.policy=internet -- /probe serve tcp :: 8080
	nf_start runc "$NF_BUNDLE" "$a"
	nf_bundle b io.netfence.policy=internet -- /probe serve tcp :: 8080
	nf_start runc "$NF_BUNDLE" "$b"
	nf_wait_listening "$a"
	nf_wait_listening "$b"
	aa=$(nf_addr4 "$a")
	ba=$(nf_addr4 "$b")
	[ -n "$aa" ] && [ -n "$ba" ] && [ "$aa" != "$ba" ]
	nf_expect_blocked "$b" "$aa" 8080
	nf_expect_blocked "$a" "$ba" 8080
	# each still reaches the world
	nf_expect_open "$a" "$NF_PUB1" 443
	nf_expect_open "$b" "$NF_PUB1" 443
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
}

@test "a container that names another's address still cannot reach it (no ingress rule)" {
	local a b aa
	a=$(nf_cid a)
	b=$(nf_cid b)
	nf_bundle a io.netfence.policy=restricted -- /probe serve tcp :: 8080
	nf_start runc "$NF_BUNDLE" "$a"
	nf_wait_listening "$a"
	aa=$(nf_addr4 "$a")
	nf_bundle b io.netfence.policy=restricted "io.netfence.egress=$aa:8080"
	nf_start runc "$NF_BUNDLE" "$b"
	run nf_probe "$b" connect tcp "$aa" 8080 1000
	echo "$output"
	[ "$status" -ne 0 ]
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
}

tamper_checks() {
	local rt=$1 id pid
	id=$(nf_cid t)
	nf_bundle t io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$NF_META" 80
	pid=$(nf_pid "$id")
	[ "$pid" -gt 0 ]
	# from the outside, as a container holding CAP_NET_ADMIN could: drop the inner policy
	nsenter --net="/proc/$pid/ns/net" nft flush ruleset
	run nsenter --net="/proc/$pid/ns/net" nft list ruleset
	[ -z "$output" ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_expect_blocked "$id" "$NF_META" 80
	nf_expect_blocked "$id" "$NF_PRIV10" 443
	nf_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_expect_udp_blocked "$id" "$NF_PUB1" 9999
	nf_expect_dns_blocked "$id" "$NF_DNS_OTHER" allowed.test
	# a forged source address does not get out either
	nsenter --net="/proc/$pid/ns/net" ip addr add 10.213.255.1/32 dev eth0
	run nf_exec "$id" /probe -s 10.213.255.1 connect tcp "$NF_PUB1" 443 1000
	echo "$output"
	[ "$status" -ne 0 ]
	nf_stop "$id"
	nf_assert_clean
}

@test "tamper (runc): flushing the ruleset inside the container keeps blocked traffic blocked" {
	tamper_checks runc
}

@test "tamper (crun): flushing the ruleset inside the container keeps blocked traffic blocked" {
	tamper_checks crun
}

@test "16 containers started at once: all start, distinct addresses, nothing left" {
	local i id pids=() rc=0 addrs
	for i in $(seq 1 16); do
		nf_bundle "c$i" io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	done
	for i in $(seq 1 16); do
		id=$(nf_cid "c$i")
		nf_start runc "$(nf_bundle_dir "c$i")" "$id" >"$NF_TMP/out/start-$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			echo "container $((i + 1)) failed to start: $(cat "$NF_TMP/out/start-$((i + 1))")"
			rc=1
		fi
	done
	[ "$rc" -eq 0 ]
	addrs=$(for i in $(seq 1 16); do nf_addr4 "$(nf_cid "c$i")"; done)
	echo "$addrs"
	[ "$(grep -c '^10\.213\.' <<<"$addrs")" -eq 16 ]
	[ "$(sort -u <<<"$addrs" | wc -l)" -eq 16 ]
	[ "$(nf_host_nf_links | wc -l)" -eq 16 ]
	nf_expect_open "$(nf_cid c1)" "$NF_PUB1" 443
	nf_expect_blocked "$(nf_cid c16)" "$NF_PUB1" 80
	pids=()
	for i in $(seq 1 16); do
		nf_stop "$(nf_cid "c$i")" >/dev/null 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	nf_assert_clean
}

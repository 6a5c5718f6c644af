#!/usr/bin/env bats
# none: loopback only, no interface added.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

none_checks() {
	local rt=$1 id links
	id=$(nf_cid n)
	nf_bundle n io.netfence.policy=none -- /probe serve tcp :: 8080
	nf_start "$rt" "$NF_BUNDLE" "$id"
	nf_wait_listening "$id"
	links=$(nf_exec "$id" /bin/busybox ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1)
	echo "links: $links"
	[ -n "$links" ]
	run grep -vE "$NF_FALLBACK_RE" <<<"$links"
	[ -z "$output" ]
	[ -z "$(nf_host_nf_links)" ]
	nf_expect_open "$id" 127.0.0.1 8080
	nf_expect_blocked "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_stop "$id"
	nf_assert_clean
}

@test "none (runc): loopback only" {
	none_checks runc
}

@test "none (crun): loopback only" {
	none_checks crun
}

#!/usr/bin/env bats
# The command line (status, validate) and the hook's idempotence.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

@test "status: shows a running container (id, mode, addresses, policy, counters)" {
	local id a4
	id=$(nf_cid s)
	nf_bundle s io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	a4=$(nf_addr4 "$id")
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	run nf_netfence status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"$id"* ]]
	[[ $output == *wire* ]]
	[[ $output == *"$a4"* ]]
	[[ $output == *restricted* ]]
	run nf_netfence status "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"$id"* ]]
	run nf_netfence status --json
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	jq -e --arg id "$id" '[.. | strings | select(. == $id)] | length > 0' <<<"$output"
	jq -e --arg a "$a4" '[.. | strings | select(startswith($a))] | length > 0' <<<"$output"
	# counters: some number greater than zero (accepted and blocked traffic happened)
	jq -e '[.. | numbers | select(. > 0)] | length > 0' <<<"$output"
	nf_stop "$id"
	run nf_netfence status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"$id"* ]]
	nf_assert_clean
}

@test "status: nothing running prints no container and exits 0" {
	run nf_netfence status
	[ "$status" -eq 0 ]
	run nf_netfence status --json
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
}

@test "validate: a bad config exits 1 naming the error" {
	nf_bundle v io.netfence.policy=restricted io.netfence.egress=1.2.3.256:443,203.0.113.10:0
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *io.netfence.egress* ]]
	[[ $output == *1.2.3.256* ]]
	# every error found, not just the first
	[[ $output == *203.0.113.10:0* ]]
	# from stdin too
	run nf_host "$NF_BIN" validate - <"$NF_BUNDLE/config.json"
	[ "$status" -eq 1 ]
	nf_assert_clean
}

@test "validate: a good config prints the resolved policy" {
	nf_bundle v io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443,$NF_PUB3:53/udp"
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *restricted* ]]
	[[ $output == *"$NF_PUB1"* ]]
	[[ $output == *443* ]]
	[[ $output == *"$NF_PUB3"* ]]
	run nf_netfence validate --json "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	nf_assert_clean
}

# Everything netfence shows of a container, host side and inside, without counters.
snapshot() {
	local id=$1 pid=$2
	ip -n "$NF_HOST" -o link show | grep -o 'nf[0-9a-f]\{12\}' | sort
	ip -n "$NF_HOST" -o addr show | grep ' nf' | awk '{print $2, $4}' | sort
	ip netns exec "$NF_HOST" nft -s list table inet netfence
	nsenter --net="/proc/$pid/ns/net" ip -o addr show | awk '{print $2, $4}' | sort
	nsenter --net="/proc/$pid/ns/net" ip route show
	nsenter --net="/proc/$pid/ns/net" nft -s list ruleset
	(cd "$NF_TMP/state" && find . -type f ! -name '*lock*' | sort | xargs -r sha256sum)
}

@test "hook: createRuntime twice for the same container succeeds and changes nothing" {
	local id pid before after
	id=$(nf_cid idem)
	nf_bundle idem io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	pid=$(nf_pid "$id")
	before=$(snapshot "$id" "$pid")
	run nf_hook createRuntime "$id" "$NF_BUNDLE" "$pid"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# prestart as well (a runtime registering both stages)
	run nf_hook prestart "$id" "$NF_BUNDLE" "$pid"
	echo "$output"
	[ "$status" -eq 0 ]
	after=$(snapshot "$id" "$pid")
	diff <(echo "$before") <(echo "$after")
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	nf_assert_clean
}

@test "hook: the same id on another live namespace is refused, the first fence stays" {
	local id pid
	id=$(nf_cid twin)
	nf_bundle twin io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	pid=$(nf_pid "$id")
	NF_NETNS_PATH=$(nf_netns twin) nf_bundle twin2 io.netfence.policy=restricted
	run nf_hook createRuntime "$id" "$NF_BUNDLE" "$NF_HOST_PID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == "netfence: $id: "* ]]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	nf_assert_clean
}

@test "hook: poststop twice succeeds" {
	local id b
	id=$(nf_cid p2)
	nf_bundle p2 io.netfence.policy=restricted
	b=$NF_BUNDLE
	nf_start runc "$b" "$id"
	nf_stop "$id"
	nf_assert_clean
	# crun passes pid 0 to poststop
	run nf_hook poststop "$id" "$b" 0
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	nf_assert_clean
}

@test "hook: poststop for an unknown id succeeds and prints nothing" {
	local id
	id=$(nf_cid ghost)
	nf_bundle ghost io.netfence.policy=restricted
	run nf_hook poststop "$id" "$NF_BUNDLE" 0
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	nf_assert_clean
}

@test "hook: poststop removes a running container's fence (runtime state already gone)" {
	local id pid
	id=$(nf_cid early)
	nf_bundle early io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	pid=$(nf_pid "$id")
	run nf_hook poststop "$id" "$NF_BUNDLE" "$pid"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_settled
	[ ! -f "$NF_TMP/state/$id.json" ]
	[ -z "$(nf_host_nf_links)" ]
	nf_stop "$id"
	nf_assert_clean
}

@test "hook: an unknown stage is refused" {
	local id
	id=$(nf_cid stage)
	NF_NETNS_PATH=$(nf_netns stage) nf_bundle stage io.netfence.policy=restricted
	run nf_hook prestop "$id" "$NF_BUNDLE" "$NF_HOST_PID"
	echo "$output"
	[ "$status" -ne 0 ]
	nf_assert_clean
}

@test "hook: a profile from the host configuration applies" {
	local id
	nf_hostconf "{\"profiles\": {\"web\": {\"base\": \"restricted\", \"egress\": [\"$NF_PUB2:443\"]}}}"
	id=$(nf_cid prof)
	nf_bundle prof io.netfence.policy=web "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB2" 443
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB3" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "hook: an inline JSON policy applies" {
	local id
	id=$(nf_cid inl)
	nf_bundle inl "io.netfence.policy={\"base\": \"restricted\", \"egress\": [\"$NF_PUB2:443\"]}"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB2" 443
	nf_expect_blocked "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "validate --host: names another firewall's forward chain that drops by default" {
	nf_bundle vh io.netfence.policy=restricted
	run nf_netfence validate --host "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ipv4 forwarding"* ]]
	ip netns exec "$NF_HOST" nft add table ip filter
	ip netns exec "$NF_HOST" nft add chain ip filter FORWARD \
		'{ type filter hook forward priority 0; policy drop; }'
	run nf_netfence validate --host "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"filter"*"FORWARD"*"drops forwarded traffic"* ]]
}

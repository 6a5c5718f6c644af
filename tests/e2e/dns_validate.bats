#!/usr/bin/env bats
# DNS names at set-up (SPEC sections 3 and 10): with the host key dns_names "live" (the
# default) egress hostname and wildcard rules are not resolved at set-up but recorded in the
# owner's state for netfence's resolver, the resolvers get no port-53 element, and validate
# says which names a container may resolve and what each opens; with "static" hostnames resolve
# once at set-up as before and wildcards are refused naming the key. The lookups themselves
# (the resolver answering, learned addresses) are resolver.bats'.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

# The host table's elements of the container (its state), boxes for port 53 only: the hex of a
# box ends with its port range (0035 0035).
port53_boxes() {
	jq '[.host.eg4[] | select(endswith("00350035"))] | length' "$NF_TMP/state/$1.json"
}

@test "dns names: validate explains which names resolve and what each opens (text and --json)" {
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"dns_min_ttl\": 30, \"dns_max_ttl\": 3600}"
	# names nobody can resolve here: live validation looks nothing up
	nf_bundle v io.netfence.policy=restricted \
		"io.netfence.egress=pypi.invalid:443, *.wild.invalid:8080/udp, pypi.invalid:80, $NF_PUB1:22" \
		"io.netfence.dns-names=*.extra.invalid, Exact.Invalid."
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"dns:      $NF_DNS_OK (answered by netfence's resolver"* ]]
	[[ $output == *"dns:      pypi.invalid -> tcp 443, tcp 80 (learned live, TTL 30-3600 s)"* ]]
	[[ $output == *"dns:      *.wild.invalid -> udp 8080 (learned live, TTL 30-3600 s)"* ]]
	[[ $output == *"dns:      *.extra.invalid (resolves, opens nothing)"* ]]
	[[ $output == *"dns:      exact.invalid (resolves, opens nothing)"* ]]
	[[ $output == *"dns:      any other name refused (answered REFUSED)"* ]]
	[[ $output != *"$NF_PUB1 ->"* ]]
	[[ $output != *resolved:* ]]

	run nf_netfence validate --json "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.valid == true and .dns_names.mode == "live" and .dns_names.other == "refused"' <<<"$output"
	jq -e '.dns_names.min_ttl == 30 and .dns_names.max_ttl == 3600' <<<"$output"
	jq -e '.dns_names.names == [
		{name: "pypi.invalid", opens: ["tcp 443", "tcp 80"]},
		{name: "*.wild.invalid", opens: ["udp 8080"]},
		{name: "*.extra.invalid", opens: []},
		{name: "exact.invalid", opens: []}]' <<<"$output"
	jq -e '.egress == ["pypi.invalid:443", "*.wild.invalid:8080/udp", "pypi.invalid:80", "'"$NF_PUB1"':22"]' \
		<<<"$output"

	# internet resolves any name by default; NXDOMAIN when the host says so
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"dns_refuse\": \"nxdomain\"}"
	nf_bundle i io.netfence.policy=internet
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"dns:      * (any name resolves, opens nothing the policy does not)"* ]]
	[[ $output != *"any other name refused"* ]]
	nf_bundle r io.netfence.policy=restricted "io.netfence.egress=a.invalid"
	run nf_netfence validate --json "$NF_BUNDLE/config.json"
	echo "$output"
	jq -e '.dns_names.other == "nxdomain"' <<<"$output"
	jq -e '.dns_names.names == [{name: "a.invalid", opens: ["all protocols and ports"]}]' \
		<<<"$output"
	nf_assert_clean
}

@test "dns names: a bad io.netfence.dns-names value is refused naming the key and the token" {
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	nf_bundle v io.netfence.policy=restricted "io.netfence.dns-names=ok.invalid, bad_name.invalid"
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'io.netfence.dns-names: invalid name "bad_name.invalid"'* ]]

	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"allow\": {\"dns\": false}}"
	nf_bundle w io.netfence.policy=restricted "io.netfence.dns-names=ok.invalid"
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"io.netfence.dns-names: the host configuration does not allow it"* ]]
	nf_assert_clean
}

@test "dns names static: validate as before, a wildcard is refused naming dns_names" {
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"dns_names\": \"static\"}"
	nf_bundle w io.netfence.policy=restricted "io.netfence.egress=*.wild.invalid:443"
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'io.netfence.egress: wildcard "*.wild.invalid" cannot be resolved at set-up'* ]]
	[[ $output == *'"dns_names": "static"'* ]]

	nf_bundle a io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	run nf_netfence validate "$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"netfence's resolver"* ]]
	[[ $output != *"learned live"* ]]
	run nf_netfence validate --json "$NF_BUNDLE/config.json"
	jq -e 'has("dns_names") | not' <<<"$output"

	# the hook refuses the container the same way, before anything exists
	local id
	id=$(nf_cid w)
	nf_bundle w io.netfence.policy=restricted "io.netfence.egress=*.wild.invalid:443" \
		-- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	# runc quotes the hook's stderr (\" for ")
	nf_assert_refused "$output" "$status" "netfence: $id" \
		"wildcard \\\"*.wild.invalid\\\" cannot be resolved at set-up" \
		"\\\"dns_names\\\": \\\"static\\\""
	[ ! -f "$NF_TMP/state/$id.json" ]
	nf_assert_clean
}

# Live: nothing is resolved at set-up (a name that resolves nowhere starts), the owner's state
# carries the resolver's copy of the policy and of the host's dns_* values, and neither the
# host table nor the namespace allows port 53 to the resolver by itself.
live_setup_checks() {
	local rt=$1 id
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"dns_refuse\": \"nxdomain\", \"dns_min_ttl\": 5,
		\"dns_max_qps\": 50}"
	id=$(nf_cid l)
	nf_bundle l io.netfence.policy=restricted \
		"io.netfence.egress=allowed.test:443, *.wild.invalid:8080, nowhere.invalid:22, $NF_PUB2:443" \
		"io.netfence.dns-names=Exact.Invalid, *.extra.invalid"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	local st=$NF_TMP/state/$id.json
	jq . "$st"
	jq -e --arg d "$NF_DNS_OK" '.dns.upstreams == [$d]' "$st"
	jq -e '.dns.rules == ["allowed.test:443", "*.wild.invalid:8080", "nowhere.invalid:22"]' "$st"
	jq -e '.dns.names == ["*.extra.invalid", "exact.invalid"]' "$st"
	jq -e '.dns.refuse == "nxdomain" and .dns.min_ttl == 5 and .dns.max_ttl == 86400' "$st"
	jq -e '.dns.max_names == 10000 and .dns.max_qps == 50' "$st"
	[ "$(port53_boxes "$id")" -eq 0 ]
	# the address rule opens; the name's address only once the container looks it up
	nf_expect_open "$id" "$NF_PUB2" 443
	nf_expect_blocked "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "dns names live (runc): no set-up resolution, the state's dns object, no port-53 element" {
	live_setup_checks runc
}

@test "dns names live (crun): no set-up resolution, the state's dns object, no port-53 element" {
	live_setup_checks crun
}

@test "dns names static: resolved at set-up, no dns object, the resolver on port 53 as before" {
	local id
	nf_hostconf '{"dns_names": "static"}'
	id=$(nf_cid s)
	nf_bundle s io.netfence.policy=restricted "io.netfence.egress=allowed.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	jq -e 'has("dns") | not' "$NF_TMP/state/$id.json"
	# TCP and UDP to the resolver (from the test resolv.conf)
	[ "$(port53_boxes "$id")" -eq 2 ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_dns_ok "$id" "$NF_DNS_OK" allowed.test "$NF_PUB1"
	nf_stop "$id"
	nf_assert_clean
}

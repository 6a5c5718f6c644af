#!/usr/bin/env bats
# netfence graph (SPEC section 11): a container's effective policy as DOT that Graphviz's dot
# accepts, naming every allowed destination (address rules both ways, a name rule, an address
# its DNS answer opened through the resolver, with the time left), its resolver and what is
# denied; svg through dot; clear refusals for an unknown id and for svg without dot.

load helpers

setup() {
	nf_world_setup
	# live DNS names through netfence's resolver, NF_DNS_OK (allowed.test -> NF_PUB1) upstream
	nf_hostconf "$(jq -cn --arg d "$NF_DNS_OK" --arg l "$NF_TMP/resolver.log" \
		'{dns: [$d], resolver_log: $l}')"
}

teardown() {
	nf_world_teardown
}

# graph_has NEEDLE...: every needle is in $output
graph_has() {
	local n
	for n in "$@"; do
		if ! grep -qF -- "$n" <<<"$output"; then
			echo "FAIL: the graph does not name '$n'" >&2
			return 1
		fi
	done
}

@test "graph (runc): DOT that dot -Tsvg accepts, every allowed destination named, learned addresses with their expiry" {
	local id
	id=$(nf_cid g)
	nf_bundle g io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB2:80/tcp,$NF_PUB3/udp,allowed.test:443" \
		"io.netfence.ingress=$NF_PUB3:8080" "io.netfence.dns-names=*.extra.test"
	nf_start runc "$NF_BUNDLE" "$id"
	# the name rule opens what the resolver answers
	nf_probe "$id" dns "$NF_DNS_OK" allowed.test 2000
	nf_expect_open "$id" "$NF_PUB1" 443
	run nf_netfence graph "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	graph_has "digraph netfence {" "container $id" "policy restricted" \
		"$NF_PUB2 tcp port 80" "$NF_PUB3 udp\"" "$NF_PUB3 tcp port 8080" \
		"allowed.test:443" "$NF_PUB1 tcp port 443\\nlearned from DNS, expires in " \
		"netfence-resolver\\nforwards to:\\n$NF_DNS_OK" "*.extra.test" "everything else"
	dot -Tsvg <<<"$output" >"$NF_TMP/g.svg"
	grep -q "<svg" "$NF_TMP/g.svg"
	# --format dot is the default; svg goes through dot
	run nf_netfence graph "$id" --format dot
	graph_has "container $id"
	run nf_netfence graph --format svg "$id"
	[ "$status" -eq 0 ]
	[[ $output == *"<svg"* ]]
	[[ $output == *"$NF_PUB2 tcp port 80"* ]]
	nf_stop "$id"
	nf_assert_clean
	# gone with its container
	run nf_netfence graph "$id"
	[ "$status" -eq 1 ]
	[ "$output" = "netfence: graph: no fenced container \"$id\"" ]
}

@test "graph: each learned address names the names it was learned from; without a resolver, the addresses alone" {
	local id dns=192.0.2.153
	# two names of one CDN address, and a third name of its own
	printf '%s\n' "a.cdn.test A $NF_PUB1" "b.cdn.test A $NF_PUB1" "c.cdn.test A $NF_PUB2" \
		>"$NF_TMP/zone"
	nf_world_dns cdn "$dns" "$NF_TMP/zone"
	nf_hostconf "$(jq -cn --arg d "$dns" --arg l "$NF_TMP/resolver.log" \
		'{dns: [$d], resolver_log: $l}')"
	id=$(nf_cid gn)
	nf_bundle gn io.netfence.policy=restricted "io.netfence.egress=*.cdn.test:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_probe "$id" dns "$dns" a.cdn.test 2000
	nf_probe "$id" dns "$dns" b.cdn.test 2000
	nf_probe "$id" dns "$dns" c.cdn.test 2000
	nf_expect_open "$id" "$NF_PUB1" 443
	run nf_netfence graph "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	# the last answer first
	graph_has "$NF_PUB1 tcp port 443\\nlearned from DNS, expires in " \
		"s\\nanswer to: b.cdn.test, a.cdn.test\"" "s\\nanswer to: c.cdn.test\""
	dot -Tsvg <<<"$output" >/dev/null
	# without a resolver the graph still draws, its addresses without names
	nf_resolver_kill
	run nf_netfence graph "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	graph_has "$NF_PUB1 tcp port 443\\nlearned from DNS, expires in "
	! grep -q "answer to" <<<"$output"
	dot -Tsvg <<<"$output" >/dev/null
	nf_stop "$id"
	nf_assert_clean
}

@test "graph: internet names the allowed internet and the deny list" {
	local id
	id=$(nf_cid gi)
	nf_bundle gi io.netfence.policy=internet "io.netfence.egress=$NF_PRIV10:5432/tcp"
	nf_start runc "$NF_BUNDLE" "$id"
	run nf_netfence graph "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	graph_has "policy internet" "any other address" "$NF_PRIV10 tcp port 5432" \
		"169.254.0.0/16" "192.168.0.0/16" "the host's own addresses and networks"
	dot -Tsvg <<<"$output" >/dev/null
	nf_stop "$id"
	nf_assert_clean
}

@test "graph: an unknown id, svg without dot, a bad format: exit 1 with one message" {
	run nf_netfence graph nosuchcontainer
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = 'netfence: graph: no fenced container "nosuchcontainer"' ]
	mkdir -p "$NF_TMP/nodot"
	run nsenter --net="/run/netns/$NF_HOST" env -i PATH="$NF_TMP/nodot" \
		NETFENCE_CONFIG="$NF_HOSTCONF" "$NF_BIN" graph nosuchcontainer --format svg
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "netfence: graph: svg needs Graphviz's dot (apt install graphviz); use --format dot" ]
	run nf_netfence graph x --format png
	[ "$status" -eq 1 ]
	[[ $output == *"usage: netfence graph ID [--format dot|svg]"* ]]
	run nf_netfence graph
	[ "$status" -eq 1 ]
}

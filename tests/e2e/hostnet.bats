#!/usr/bin/env bats
# Host-network containers under a host `default_policy`: one without any io.netfence.*
# annotation (kube-proxy, a CNI agent, netfence's own DaemonSet) is left alone with a notice and
# starts; one that asks for a policy is still refused. The "host" is the test's HOST namespace:
# runc and podman run there, so a container "on the host network" shares HOST, never the
# machine's own namespace.

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"default_policy\": \"restricted\"}"
}

teardown() {
	nf_podman_teardown
	nf_world_teardown
}

# No "network" entry in linux.namespaces: the container shares the runtime's namespace (HOST).
NO_NETNS='.linux.namespaces |= map(select(.type != "network"))'

# Nothing of netfence exists in HOST or in state_dir (no record, no link, no table entry).
hn_assert_nothing_made() {
	nf_assert_clean
	if ip netns exec "$NF_HOST" nft list table inet netfence >/dev/null 2>&1; then
		echo "FAIL: the hook made the host table" >&2
		return 1
	fi
}

@test "hostnet: default_policy leaves an unannotated host-network container alone (runc)" {
	local id
	id=$(nf_cid hn)
	NF_CONFIG_JQ=$NO_NETNS nf_bundle hn
	nf_start runc "$NF_BUNDLE" "$id"
	# it really is in HOST: it sees HOST's uplink, and HOST's service answers on its address
	run nf_exec "$id" /bin/busybox ip -o link show uplink0
	echo "$output"
	[ "$status" -eq 0 ]
	nf_probe "$id" connect tcp "$NF_PUB1" 443 2000
	hn_assert_nothing_made
	# the hook itself says why it did nothing, and exits 0
	run nf_hook createRuntime "$id" "$NF_BUNDLE" "$(nf_pid "$id")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "netfence: $id: notice: "*"host's network namespace"*"default_policy"* ]]
	hn_assert_nothing_made
	nf_stop "$id"
	hn_assert_nothing_made
}

@test "hostnet: default_policy leaves a container joining the host namespace by path alone" {
	local id
	id=$(nf_cid hp)
	NF_NETNS_PATH=/run/netns/$NF_HOST nf_bundle hp -- /bin/busybox ip -o link show uplink0
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *uplink0* ]]
	hn_assert_nothing_made
}

@test "hostnet: an annotated host-network container is still refused under default_policy" {
	local id
	id=$(nf_cid ha)
	NF_CONFIG_JQ=$NO_NETNS nf_bundle ha io.netfence.policy=restricted -- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" \
		"the container shares the host's network namespace"
	hn_assert_nothing_made

	# any io.netfence.* key counts as asking, not only io.netfence.policy
	id=$(nf_cid hb)
	NF_CONFIG_JQ=$NO_NETNS nf_bundle hb io.netfence.policy=internet io.netfence.ipv6=off \
		-- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" "host's network namespace"
	hn_assert_nothing_made
}

@test "hostnet: what the process is in decides, not how config.json spells its namespaces" {
	local id
	id=$(nf_cid hs)
	# runc reads JSON keys case-insensitively: "Namespaces" gives the container its own
	# namespace, while netfence's parser sees no "network" entry. Never left alone for that.
	NF_CONFIG_JQ='.linux.Namespaces = .linux.namespaces | del(.linux.namespaces)' \
		nf_bundle hs -- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id"
	[[ $output != *notice* ]]
	hn_assert_nothing_made
}

@test "hostnet: an unannotated container of its own namespace is still fenced by default_policy" {
	local id
	id=$(nf_cid hf)
	nf_bundle hf
	nf_start runc "$NF_BUNDLE" "$id"
	[ -f "$NF_TMP/state/$id.json" ]
	nf_expect_blocked "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "hostnet: podman --network=host with the always hooks under default_policy" {
	command -v podman >/dev/null || skip "podman is not installed"
	nf_podman_setup
	# the "always" variant, as a default_policy host installs it
	nf_hooksd "$NF_PODMAN/hooks" "$NF_ROOT/hooks.d/always"
	run nf_podman_run --network=host -- /bin/busybox ip -o link show uplink0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *uplink0* ]]
	hn_assert_nothing_made

	run nf_podman_run --network=host --annotation io.netfence.policy=restricted \
		-- /bin/busybox true
	echo "$output"
	nf_assert_refused "$output" "$status" "host's network namespace"
	hn_assert_nothing_made
}

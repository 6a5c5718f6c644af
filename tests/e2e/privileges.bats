#!/usr/bin/env bats
# Least privilege: once it has read its input, the hook (and gc, status, validate) keeps only
# the capabilities it needs, with no_new_privs set and empty bounding, inheritable and ambient
# sets. The test build appends its sets to $NETFENCE_CAPS_OUT right after the drop; the fence
# must still work with what is left, in wire mode and in overlay mode.

load helpers

# CAP_NET_ADMIN (12) + CAP_SYS_PTRACE (19) + CAP_SYS_ADMIN (21)
FENCE_CAPS=0000000000281000
NONE=0000000000000000

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

# assert_caps FILE MASK COUNT: COUNT drops were recorded, each keeping exactly MASK in the
# effective and permitted sets, nothing else anywhere, and no_new_privs on.
assert_caps() {
	local f=$1 mask=$2 count=$3 kv k v
	echo "--- $f"
	cat "$f"
	capsh --decode="$mask"
	for kv in "CapEff=$mask" "CapPrm=$mask" "CapInh=$NONE" "CapBnd=$NONE" "CapAmb=$NONE" \
		"NoNewPrivs=1"; do
		k=${kv%%=*}
		v=${kv#*=}
		if [ "$(grep -c "^$k:" "$f")" -ne "$count" ] ||
			[ "$(grep -cE "^$k:[[:space:]]+$v\$" "$f")" -ne "$count" ]; then
			echo "FAIL: expected $count x $k $v in $f" >&2
			return 1
		fi
	done
}

wire_mode() {
	local rt=$1 id
	id=$(nf_cid "w$rt")
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_CAPS_OUT=$NF_TMP/caps" \
		nf_bundle "w$rt" io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start "$rt" "$NF_BUNDLE" "$id"
	assert_caps "$NF_TMP/caps" "$FENCE_CAPS" 1
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_expect_blocked "$id" "$NF_META" 80
	nf_stop "$id"
	# poststop dropped to the same set, and still removed everything
	assert_caps "$NF_TMP/caps" "$FENCE_CAPS" 2
	nf_assert_clean
}

@test "privileges: wire mode (runc): set-up and poststop keep only what they need" {
	wire_mode runc
}

@test "privileges: wire mode (crun): set-up and poststop keep only what they need" {
	wire_mode crun
}

@test "privileges: a container in its own user namespace is fenced with the kept set" {
	local id
	id=$(nf_cid u)
	# /sys cannot be mounted from a user namespace that does not own the network namespace
	NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_CAPS_OUT=$NF_TMP/caps" NF_CONFIG_JQ='
		.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts |= map(select(.destination != "/sys"))' \
		nf_bundle u io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	chmod 755 "$NF_TMP" # the container's root maps to uid 100000: let it reach the rootfs
	nf_start runc "$NF_BUNDLE" "$id"
	run nf_exec "$id" cat /proc/self/uid_map
	echo "$output"
	[[ $output == *100000* ]]
	assert_caps "$NF_TMP/caps" "$FENCE_CAPS" 1
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	assert_caps "$NF_TMP/caps" "$FENCE_CAPS" 2
	nf_assert_clean
}

@test "privileges: overlay mode (namespace handle bind mount) works with the kept set" {
	local id ns
	id=$(nf_cid ov)
	ns=$(nf_wire_by_hand ov)
	NF_NETNS_PATH=$ns NF_HOOK=$NF_TEST_BIN NF_HOOK_ENV="NETFENCE_CAPS_OUT=$NF_TMP/caps" \
		nf_bundle ov io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	assert_caps "$NF_TMP/caps" "$FENCE_CAPS" 1
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_expect_blocked "$id" 10.55.0.1 "$NF_HOST_SVC_PORT"
	nf_stop "$id"
	assert_caps "$NF_TMP/caps" "$FENCE_CAPS" 2
	run ip netns exec "${ns##*/}" nft list ruleset
	echo "left in the namespace: $output"
	[ -z "$output" ]
	nf_assert_clean
}

@test "privileges: gc, status and validate drop to their own sets" {
	local id
	id=$(nf_cid g)
	nf_bundle g io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_blocked "$id" "$NF_PUB1" 80
	# status: counters (nfnetlink) and the namespace's inner table (setns)
	run nf_host env NETFENCE_CAPS_OUT="$NF_TMP/status" "$NF_TEST_BIN" status --json "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].mode' <<<"$output")" = wire ]
	[ "$(jq '.[0].counters.blocked_packets' <<<"$output")" -gt 0 ]
	assert_caps "$NF_TMP/status" "$FENCE_CAPS" 1
	# gc: the same set as tear-down; a live container is kept and stays fenced
	run nf_host env NETFENCE_CAPS_OUT="$NF_TMP/gc" "$NF_TEST_BIN" gc
	echo "$output"
	[ "$status" -eq 0 ]
	assert_caps "$NF_TMP/gc" "$FENCE_CAPS" 1
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	# validate: nothing at all; --host reads nftables: CAP_NET_ADMIN (12)
	run nf_host env NETFENCE_CAPS_OUT="$NF_TMP/validate" "$NF_TEST_BIN" validate \
		"$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_caps "$NF_TMP/validate" "$NONE" 1
	run nf_host env NETFENCE_CAPS_OUT="$NF_TMP/validate-host" "$NF_TEST_BIN" validate --host \
		"$NF_BUNDLE/config.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ipv4 forwarding on"* ]]
	assert_caps "$NF_TMP/validate-host" 0000000000001000 1
	nf_stop "$id"
	nf_assert_clean
}

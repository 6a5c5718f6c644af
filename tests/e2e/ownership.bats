#!/usr/bin/env bats
# Who may tear a fence down (SPEC section 2, "Identity"): a container X runs fenced; a second
# container with the same id under another runtime root (another engine sharing state_dir) is
# refused at set-up, and its runtime then runs poststop for that id (runc does after a failed
# create; crun 1.8 does not, so the second runtime here is runc). That poststop must leave
# X's fence alone (wire: X's veth and host rules; overlay: the policy in X's namespace), and X's
# own stop must still leave nothing behind.

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	# overlay handles are bind mounts under state_dir: keep them visible to every runtime
	nf_shared_state
	mkdir -p "$NF_TMP/root2"
}

teardown() {
	nf_pod_teardown
}

# X's policy: restricted, egress $NF_PUB1:443 only.
own_expect_fenced() { # ID
	nf_expect_open "$1" "$NF_PUB1" 443
	nf_expect_blocked "$1" "$NF_PUB1" 80
	nf_expect_blocked "$1" "$NF_PUB2" 443
	nf_expect_blocked "$1" "$NF_META" 80
}

# A runtime command under the second state root.
own_rt2() { # RUNTIME ARGS...
	local NF_RT_ROOT=$NF_TMP/root2 NF_RT_TIMEOUT=120
	nf_rt "$@" </dev/null 3>&-
}

# The same id run by RUNTIME under a second state root, from bundle NAME (namespace path
# NF_NETNS_PATH if set): must be refused. Its runtime runs poststop for the id afterwards.
own_second() { # RUNTIME ID NAME
	NF_NETNS_PATH=${NF_NETNS_PATH:-} nf_bundle "$3" io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	run own_rt2 "$1" run -b "$NF_BUNDLE" "$2"
	echo "second runtime ($1): $output"
	# crun does not pass a hook's stderr on
	if [ "$1" = crun ]; then
		nf_assert_refused "$output" "$status" "error executing hook"
	else
		nf_assert_refused "$output" "$status" "netfence: $2" "already fenced"
	fi
	nf_settled
	# the refused container is gone from its runtime (so its poststop ran)
	nf_not own_rt2 "$1" state "$2" >/dev/null 2>&1
}

# X (runtime XRT, wire mode) and a second container with its id under runtime ORT.
own_wire() { # XRT ORT
	local id link
	id=$(nf_cid own)
	nf_bundle own io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start "$1" "$NF_BUNDLE" "$id"
	own_expect_fenced "$id"
	link=$(nf_host_nf_links)
	[ -n "$link" ]

	own_second "$2" "$id" own2

	# X keeps its veth, its state, its allowed egress and its blocks
	[ "$(nf_host_nf_links)" = "$link" ]
	[ "$(jq -r .complete "$NF_TMP/state/$id.json")" = true ]
	run nf_netfence status
	echo "$output"
	[[ $output == *"$id"* ]]
	own_expect_fenced "$id"
	nf_stop "$id"
	nf_assert_clean
}

@test "ownership: runc, wire: a refused same-id container's poststop (runc, 2nd root) keeps X's fence" {
	own_wire runc runc
}

@test "ownership: crun, wire: a refused same-id container's poststop (runc) keeps X's fence" {
	own_wire crun runc
}

# X in a pod (a namespace wired by CNI: overlay mode); the second container names another
# namespace, or the pod's own one.
own_overlay() { # XRT ORT SAME-NAMESPACE
	local id ns ns2
	id=$(nf_cid ovl)
	ns=$(nf_cni_pod o)
	NF_NETNS_PATH=$ns nf_bundle ovl io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start "$1" "$NF_BUNDLE" "$id"
	own_expect_fenced "$id"

	if [ "$3" = same ]; then
		ns2=$ns
	else
		ns2=$(nf_wire_by_hand o2)
	fi
	NF_NETNS_PATH=$ns2 own_second "$2" "$id" ovl2

	# the pod keeps its policy and X is still listed
	nsenter --net="$ns" nft list table inet netfence >/dev/null
	run nf_netfence status
	echo "$output"
	[[ $output == *"$id"* ]]
	own_expect_fenced "$id"
	nf_stop "$id"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
}

@test "ownership: runc, overlay (pod): a refused same-id container's poststop keeps the pod's policy" {
	own_overlay runc runc other
}

@test "ownership: crun, overlay (pod): a refused same-id container's poststop keeps the pod's policy" {
	own_overlay crun runc other
}

@test "ownership: overlay (pod): the same id joining the same namespace from another root is refused" {
	own_overlay runc runc same
}

# Members of a shared fence: the poststop of a second container with a member's id must leave
# the member and the fence alone.
@test "ownership: a pod member's id reused under another root: the member keeps the fence" {
	local a b ns
	a=$(nf_cid ma)
	b=$(nf_cid mb)
	ns=$(nf_cni_pod m)
	NF_NETNS_PATH=$ns nf_bundle ma io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$a"
	NF_NETNS_PATH=$ns nf_bundle mb io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$b"
	# b's id under a second root in another namespace; then the owner a stops
	NF_NETNS_PATH=$(nf_wire_by_hand m2) own_second runc "$b" mb2
	[ -e "$NF_TMP/state/$b.json" ]
	nf_stop "$a"
	own_expect_fenced "$b"
	nsenter --net="$ns" nft list table inet netfence >/dev/null
	nf_stop "$b"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
}

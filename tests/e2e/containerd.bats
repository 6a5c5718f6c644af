#!/usr/bin/env bats
# containerd 1.6 (its runc shim, containerd-shim-runc-v2) started by the test inside HOST with a
# private root, state and socket. `ctr run --config` takes a full OCI spec: once with the
# netfence hooks in it, once without hooks through build/netfence-runtime (`--runc-binary`),
# which adds them (SPEC section 7).

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	# the wrapper hands create/run on to runc and copies NETFENCE_CONFIG into the hooks' env
	NF_CTRD_ENV="NETFENCE_RUNTIME=runc NETFENCE_CONFIG=$NF_HOSTCONF"
	nf_containerd_start
}

teardown() {
	nf_containerd_teardown
	nf_world_teardown
}

# ct_probe ID ARGS...: /probe ARGS in a running task; sets NF_PROBE_OUT.
ct_probe() {
	local id=$1 rc=0
	shift
	NF_CT_EXEC=$((${NF_CT_EXEC:-0} + 1))
	NF_PROBE_OUT=$(nf_ctr tasks exec --fifo-dir "$NF_CTRD/fifo" --exec-id "p$NF_CT_EXEC" "$id" \
		/probe "$@" 2>&1) || rc=$?
	echo "probe $id: $* -> $NF_PROBE_OUT (exit $rc)"
	return $rc
}

ct_expect_open() { # ID ADDR PORT
	if ! ct_probe "$1" connect tcp "$2" "$3" 2000; then
		echo "FAIL: expected $2:$3 open from $1" >&2
		return 1
	fi
}

ct_expect_blocked() { # ID ADDR PORT
	if ct_probe "$1" connect tcp "$2" "$3" 2000; then
		echo "FAIL: expected $2:$3 blocked from $1" >&2
		return 1
	fi
	nf_check_blocked_fast "$2:$3"
}

# A container that prints the result of one allowed and one blocked connect, then exits.
ct_two_probes_bundle() { # NAME
	nf_bundle "$1" io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" -- \
		/bin/sh -c "/probe connect tcp $NF_PUB1 443 2000; /probe connect tcp $NF_PUB2 443 2000"
}

ct_check_two_probes() {
	[ "${#lines[@]}" -ge 2 ]
	[[ ${lines[0]} == open* ]]
	NF_PROBE_OUT=${lines[1]}
	nf_check_blocked_fast "$NF_PUB2:443"
}

@test "containerd: ctr run --config with the hooks in the spec: allowed open, blocked fast, clean" {
	local id
	id=$(nf_cid ctr1)
	ct_two_probes_bundle ctr1
	run nf_ctr_run --rm --config "$NF_BUNDLE/config.json" "$id"
	echo "$output"
	ct_check_two_probes
	nf_assert_clean
	[ -z "$(nf_ctr containers ls -q)" ]
}

@test "containerd: a running task is fenced (wire mode) until it is killed and deleted" {
	local id
	id=$(nf_cid ctr2)
	nf_bundle ctr2 io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	run nf_ctr_run -d --null-io --config "$NF_BUNDLE/config.json" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_wait_for 250 test "$(nf_ctr_task_status "$id")" = RUNNING

	ct_expect_open "$id" "$NF_PUB1" 443
	ct_expect_blocked "$id" "$NF_PUB1" 80
	ct_expect_blocked "$id" "$NF_PUB2" 443
	ct_expect_blocked "$id" "$NF_META" 80
	ct_expect_blocked "$id" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	[ -n "$(nf_host_nf_links)" ]
	[ -f "$NF_TMP/state/$id.json" ]

	nf_ctr_stop "$id"
	nf_assert_clean
}

@test "containerd: --runc-binary netfence-runtime adds the hooks to a spec without them" {
	local id
	id=$(nf_cid ctr3)
	NF_NO_HOOKS=1 ct_two_probes_bundle ctr3
	[ "$(jq '.hooks // {} | length' "$NF_BUNDLE/config.json")" -eq 0 ]
	run nf_ctr_run --rm --runc-binary "$NF_ROOT/build/netfence-runtime" \
		--config "$NF_BUNDLE/config.json" "$id"
	echo "$output"
	ct_check_two_probes
	nf_assert_clean
	[ -z "$(nf_ctr containers ls -q)" ]
}

@test "containerd: netfence-runtime keeps a running task fenced and cleans up on delete" {
	local id
	id=$(nf_cid ctr4)
	NF_NO_HOOKS=1 nf_bundle ctr4 io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	run nf_ctr_run -d --null-io --runc-binary "$NF_ROOT/build/netfence-runtime" \
		--config "$NF_BUNDLE/config.json" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_wait_for 250 test "$(nf_ctr_task_status "$id")" = RUNNING
	# the bundle containerd handed to the runtime now carries both hooks
	jq -e '.hooks.createRuntime | length > 0' \
		"$NF_CTRD/state/io.containerd.runtime.v2.task/default/$id/config.json"
	jq -e '.hooks.poststop | length > 0' \
		"$NF_CTRD/state/io.containerd.runtime.v2.task/default/$id/config.json"

	ct_expect_open "$id" "$NF_PUB1" 443
	ct_expect_blocked "$id" "$NF_PUB2" 443
	[ -f "$NF_TMP/state/$id.json" ]

	nf_ctr_stop "$id"
	nf_assert_clean
}

@test "containerd: netfence-runtime leaves a container without annotations alone" {
	local id
	id=$(nf_cid ctr5)
	NF_NO_HOOKS=1 nf_bundle ctr5 -- /bin/busybox ip -o link
	run nf_ctr_run --rm --runc-binary "$NF_ROOT/build/netfence-runtime" \
		--config "$NF_BUNDLE/config.json" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *eth0* ]]
	[ -z "$(nf_host_nf_links)" ]
	[ -z "$(find "$NF_TMP/state" -name '*.json')" ]
}

@test "containerd: a bad policy is refused through netfence-runtime, nothing left" {
	local id
	id=$(nf_cid ctr6)
	NF_NO_HOOKS=1 nf_bundle ctr6 io.netfence.policy=restricted "io.netfence.egress=10.0.0.1/8" \
		-- /bin/busybox true
	run nf_ctr_run --rm --runc-binary "$NF_ROOT/build/netfence-runtime" \
		--config "$NF_BUNDLE/config.json" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "io.netfence.egress" "10.0.0.1/8"
	nf_assert_clean
}

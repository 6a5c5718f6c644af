#!/usr/bin/env bats
# Hook timeouts: the hooks netfence-runtime injects carry a `timeout`, and the runtimes kill a
# hook that outlives it and refuse the container, so a hung hook never hangs the runtime. (The
# shipped files' timeouts are checked in files.bats.)

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

@test "timeout: the hooks netfence-runtime adds carry a timeout (runc, crun)" {
	local rt id
	for rt in wrunc wcrun; do
		id=$(nf_cid "t$rt")
		NF_NO_HOOKS=1 nf_bundle "t$rt" io.netfence.policy=restricted
		nf_start "$rt" "$NF_BUNDLE" "$id"
		jq '.hooks' "$NF_BUNDLE/config.json"
		jq -e '[.hooks.createRuntime[], .hooks.poststop[]] | length == 2 and
			all(.timeout | type == "number" and . == floor and . > 0 and . <= 120)' \
			"$NF_BUNDLE/config.json"
		nf_stop "$id"
		nf_assert_clean
	done
}

# A registration shaped like netfence's (the wrapper's and the shipped file's), with a hook that
# never returns and a short timeout: the runtime gives up within bounds and refuses the container.
honours_timeout() { # RUNTIME SOURCE-JQ
	local rt=$1 id sleep_bin t0 elapsed st
	id=$(nf_cid "h$rt")
	sleep_bin=$(command -v sleep)
	NF_NO_HOOKS=1 nf_bundle "h$rt" -- /bin/busybox true
	jq --arg s "$sleep_bin" --slurpfile src "$NF_ROOT/hooks.d/netfence-createruntime.json" \
		'.hooks.createRuntime = [$src[0].hook + {path: $s, args: ["sleep", "3600"],
		                                           timeout: 2}]' \
		"$NF_BUNDLE/config.json" >"$NF_BUNDLE/config.json.new"
	mv "$NF_BUNDLE/config.json.new" "$NF_BUNDLE/config.json"
	jq -c '.hooks' "$NF_BUNDLE/config.json"
	t0=$SECONDS
	run nf_run "$rt" "$NF_BUNDLE" "$id"
	elapsed=$((SECONDS - t0))
	echo "$rt: status $status after ${elapsed}s: $output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ] # not the test's own bound (timeout(1))
	[ "$elapsed" -lt 30 ]
	# gone, or at least not running (jq -e passes on empty input: read the status)
	st=$(nf_rt "$rt" state "$id" 2>/dev/null | jq -r .status) || true
	echo "state after: '$st'"
	[ "$st" != running ]
}

@test "timeout: runc kills a hook that outlives its timeout and refuses the container" {
	honours_timeout runc
}

@test "timeout: crun kills a hook that outlives its timeout and refuses the container" {
	honours_timeout crun
}

#!/usr/bin/env bats
# The state lock (<state_dir>/.lock) is waited for at most the host key lock_timeout (default
# 10 s); a hook that times out fails closed with a message naming the holder's pid, having made
# nothing.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

# Hold the state lock from a process of the test; prints its pid once the lock is held.
lock_hold() {
	local lock=$NF_TMP/state/.lock
	mkdir -p "$NF_TMP/state"
	# -o: the lock stays with flock itself (sleep does not inherit it), so killing flock frees it
	flock -o "$lock" sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	echo $! >>"$NF_TMP/pids"
	nf_wait_for 250 nf_not flock -n "$lock" true >/dev/null
	echo $!
}

@test "state lock: a set-up waits lock_timeout, then fails naming the holder's pid; nothing made" {
	local id holder t0 t1
	nf_hostconf '{"lock_timeout": 2}'
	holder=$(lock_hold)
	[ -n "$holder" ]
	id=$(nf_cid lk)
	nf_bundle lk io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	t0=$(date +%s)
	run nf_run_runc "$NF_BUNDLE" "$id"
	t1=$(date +%s)
	echo "$output"
	echo "took $((t1 - t0)) s"
	nf_assert_refused "$output" "$status" "netfence: $id" "state lock" "pid $holder" \
		lock_timeout
	# bounded by the key (set-up and the runtime's poststop each wait 2 s), not the hook's
	# 60 s timeout
	[ $((t1 - t0)) -lt 30 ]
	# nothing was made while the lock was held
	[ ! -e "$NF_TMP/state/$id.json" ]
	[ -z "$(ip -n "$NF_HOST" -o link show | grep -E ': nf[0-9a-f]{12}[@:]')" ]
	kill "$holder"
	nf_wait_for 250 flock -n "$NF_TMP/state/.lock" true
	# with the lock free the same container starts
	nf_bundle lk io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "state lock: lock_timeout must be 1 to 3600 seconds" {
	local id
	nf_hostconf '{"lock_timeout": 0}'
	id=$(nf_cid lkbad)
	nf_bundle lkbad io.netfence.policy=restricted
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "lock_timeout"
	nf_assert_clean
}

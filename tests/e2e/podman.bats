#!/usr/bin/env bats
# podman 4.3 (rootful, runc, netavark) with the shipped hooks.d files: a container annotated
# io.netfence.* gets the hook from podman's hooks directory. --network=none gives a fresh
# namespace (wire mode); the default bridge network gives one netavark already wired (overlay
# mode). podman, conmon, netavark and the hook all run inside HOST: the bridge, its veth and
# netavark's firewall rules land there, never on the real host.

load helpers

setup() {
	nf_world_setup
	# no hostname rules here: the resolvers are named so the machine's resolv.conf is unused
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	nf_podman_setup
}

teardown() {
	nf_podman_teardown
	nf_world_teardown
}

# pm_probe NAME ARGS...: /probe ARGS in a running podman container; sets NF_PROBE_OUT.
pm_probe() {
	local name=$1 rc=0
	shift
	NF_PROBE_OUT=$(nf_podman exec "$name" /probe "$@" 2>&1) || rc=$?
	echo "probe $name: $* -> $NF_PROBE_OUT (exit $rc)"
	return $rc
}

pm_expect_open() { # NAME ADDR PORT
	if ! pm_probe "$1" connect tcp "$2" "$3" 2000; then
		echo "FAIL: expected $2:$3 open from $1" >&2
		return 1
	fi
}

pm_expect_blocked() { # NAME ADDR PORT
	if pm_probe "$1" connect tcp "$2" "$3" 2000; then
		echo "FAIL: expected $2:$3 blocked from $1" >&2
		return 1
	fi
	nf_check_blocked_fast "$2:$3"
}

pm_pid() {
	nf_podman inspect --format '{{.State.Pid}}' "$1"
}

# The real host (the test's own network namespace) has no podman bridge.
pm_assert_real_host_untouched() {
	if ip -o link show podman0 >/dev/null 2>&1; then
		echo "FAIL: podman0 exists on the real host" >&2
		return 1
	fi
}

@test "podman: the shipped hooks.d files load and fence a --network=none container (wire)" {
	local name=pm-wire-$NF_TAG
	run nf_podman run -d --name "$name" --network=none \
		--annotation io.netfence.policy=restricted \
		--annotation "io.netfence.egress=$NF_PUB1:443" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--rootfs "$NF_TMP/rootfs" /bin/busybox sleep 3600
	echo "$output"
	[ "$status" -eq 0 ]
	local cid=${lines[-1]}

	pm_expect_open "$name" "$NF_PUB1" 443
	pm_expect_blocked "$name" "$NF_PUB1" 80
	pm_expect_blocked "$name" "$NF_PUB2" 443
	pm_expect_blocked "$name" "$NF_META" 80
	pm_expect_blocked "$name" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"

	# wire mode: eth0 with a pool address, the host end in HOST, the state under its id
	run nf_podman exec "$name" /bin/busybox ip -4 -o addr show dev eth0
	echo "$output"
	[[ $output =~ 10\.213\.[0-9]+\.[0-9]+/31 ]]
	[ -n "$(nf_host_nf_links)" ]
	[ -f "$NF_TMP/state/$cid.json" ]

	run nf_podman rm -f -t 0 "$name"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_assert_clean
	pm_assert_real_host_untouched
}

@test "podman: run --rm (wire): allowed open, blocked fast, nothing left" {
	run nf_podman_run --network=none --annotation io.netfence.policy=restricted \
		--annotation "io.netfence.egress=$NF_PUB1:443" \
		-- /bin/sh -c "/probe connect tcp $NF_PUB1 443 2000; /probe connect tcp $NF_PUB2 443 2000"
	echo "$output"
	[ "${#lines[@]}" -ge 2 ]
	[[ ${lines[0]} == open* ]]
	NF_PROBE_OUT=${lines[1]}
	nf_check_blocked_fast "$NF_PUB2:443"
	nf_assert_clean
	[ -z "$(nf_podman ps -aq)" ]
}

@test "podman: default bridge network (overlay): allowed open, blocked fast, nothing left" {
	local name=pm-br-$NF_TAG pid
	run nf_podman run -d --name "$name" \
		--annotation io.netfence.policy=restricted \
		--annotation "io.netfence.egress=$NF_PUB1:443" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--rootfs "$NF_TMP/rootfs" /bin/busybox sleep 3600
	echo "$output"
	[ "$status" -eq 0 ]
	local cid=${lines[-1]}

	# netavark wired it inside HOST: the bridge is there, not on the real host
	ip -n "$NF_HOST" -o link show podman0
	pm_assert_real_host_untouched
	run nf_podman exec "$name" /bin/busybox ip -4 -o addr show dev eth0
	echo "$output"
	[[ $output == *" 10.88."* ]]

	pm_expect_open "$name" "$NF_PUB1" 443
	pm_expect_blocked "$name" "$NF_PUB1" 80
	pm_expect_blocked "$name" "$NF_PUB2" 443
	pm_expect_blocked "$name" "$NF_META" 80
	pm_expect_blocked "$name" "$NF_PRIV10" 443
	# the host's own services, through the bridge address and the uplink
	pm_expect_blocked "$name" 10.88.0.1 "$NF_HOST_SVC_PORT"
	pm_expect_blocked "$name" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"

	# overlay: no interface added in HOST, the policy lives in the container's namespace
	[ -z "$(nf_host_nf_links)" ]
	pid=$(pm_pid "$name")
	nsenter --net="/proc/$pid/ns/net" nft list table inet netfence >/dev/null
	[ -f "$NF_TMP/state/$cid.json" ]

	run nf_podman rm -f -t 0 "$name"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_assert_clean
	pm_assert_real_host_untouched
}

@test "podman: run --rm on the bridge network (overlay): the policy holds, nothing left" {
	run nf_podman_run --annotation io.netfence.policy=restricted \
		--annotation "io.netfence.egress=$NF_PUB1:443" \
		-- /bin/sh -c "/probe connect tcp $NF_PUB1 443 2000; /probe connect tcp $NF_PUB2 443 2000"
	echo "$output"
	[ "${#lines[@]}" -ge 2 ]
	[[ ${lines[0]} == open* ]]
	NF_PROBE_OUT=${lines[1]}
	nf_check_blocked_fast "$NF_PUB2:443"
	nf_assert_clean
	[ -z "$(nf_podman ps -aq)" ]
	pm_assert_real_host_untouched
}

@test "podman: a container without io.netfence annotations is untouched (no hook runs)" {
	# the hooks.d `when` does not match: the hook is never injected
	run nf_podman_run --network=none --annotation xio.netfence.policy=restricted \
		--annotation other.example/key=io.netfence.policy -- /bin/busybox ip -o link
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *eth0* ]]
	[ -z "$(nf_host_nf_links)" ]
	[ -z "$(find "$NF_TMP/state" -name '*.json')" ]

	# and on the bridge network it keeps netavark's wiring, unfenced
	run nf_podman_run -- /probe connect tcp "$NF_PUB2" 443 2000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == open* ]]
	[ -z "$(find "$NF_TMP/state" -name '*.json')" ]
}

@test "podman: a bad policy is refused with the hook's one-line message" {
	run nf_podman_run --network=none --annotation io.netfence.policy=restricted \
		--annotation "io.netfence.egress=10.0.0.1/8" -- /bin/busybox true
	echo "$output"
	nf_assert_refused "$output" "$status" "io.netfence.egress" "10.0.0.1/8"
	nf_assert_clean
	[ -z "$(nf_podman ps -aq)" ]
}

#!/usr/bin/env bats
# The seccomp socket filter (SPEC section 6) in real containers: netfence-runtime merges it into
# config.json before runc/crun create the container, drops CAP_NET_ADMIN and CAP_NET_RAW, keeps
# an existing profile's rules, and the hook refuses io.netfence.seccomp=inet without it.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_podman_teardown
	nf_world_teardown
}

# Ping sockets need the sysctl (a new namespace has "1 0"); the capabilities the wrapper drops.
SC_JQ='.linux.sysctl = {"net.ipv4.ping_group_range": "0 2147483647"}
	| .process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN", "CAP_NET_RAW"])'

# expect_sock ID ok|"denied ERRNO" FAMILY TYPE PROTO
expect_sock() {
	local id=$1 want=$2
	shift 2
	nf_probe "$id" socket "$@" || true
	if [ "$NF_PROBE_OUT" != "$want" ]; then
		echo "FAIL: socket($*): expected '$want', got '$NF_PROBE_OUT'" >&2
		return 1
	fi
}

# CAP_NET_ADMIN (12) and CAP_NET_RAW (13) absent from the container's effective set.
expect_no_net_caps() {
	local eff
	eff=$(nf_exec "$1" /bin/busybox cat /proc/self/status | awk '/^CapEff:/ {print $2}')
	echo "CapEff: $eff"
	[ -n "$eff" ]
	[ $((0x$eff & (1 << 12))) -eq 0 ]
	[ $((0x$eff & (1 << 13))) -eq 0 ]
}

n_socket_rules() {
	jq '[.linux.seccomp.syscalls[] | select(.names | index("socket"))] | length' "$1/config.json"
}

inet_checks() {
	local rt=$1 level=$2 id b n
	id=$(nf_cid "i$rt")
	NF_NO_HOOKS=1 NF_CONFIG_JQ=$SC_JQ nf_bundle "i$rt" io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443" ${level:+"io.netfence.seccomp=$level"}
	b=$NF_BUNDLE
	nf_start "$rt" "$b" "$id"
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ALLOW"' "$b/config.json"
	[ "$(jq '[.. | strings | select(. == "CAP_NET_ADMIN" or . == "CAP_NET_RAW")] | length' \
		"$b/config.json")" -eq 0 ]

	# denied
	expect_sock "$id" "denied EAFNOSUPPORT" 17 3 768 # AF_PACKET
	expect_sock "$id" "denied EAFNOSUPPORT" 17 2 768 # AF_PACKET, datagram
	expect_sock "$id" "denied EPERM" 2 3 1	  # raw IPv4 (ICMP)
	expect_sock "$id" "denied EPERM" 2 3 255	  # raw IPv4 (IPPROTO_RAW)
	expect_sock "$id" "denied EPERM" 10 3 58	  # raw IPv6
	expect_sock "$id" "denied EPERM" 2 10 768	  # SOCK_PACKET
	expect_sock "$id" "denied EPERM" 16 3 12	  # NETLINK_NETFILTER
	expect_sock "$id" "denied EPERM" 16 524291 12 # ... with SOCK_CLOEXEC
	expect_sock "$id" "denied EAFNOSUPPORT" 40 1 0   # AF_VSOCK
	nf_probe "$id" io_uring || true
	[ "$NF_PROBE_OUT" = "denied EPERM" ]

	# allowed
	expect_sock "$id" ok 2 1 0	     # TCP
	expect_sock "$id" ok 2 526337 0 # TCP, SOCK_CLOEXEC|SOCK_NONBLOCK
	expect_sock "$id" ok 2 2 0	     # UDP
	expect_sock "$id" ok 2 2 1	     # ICMP "ping"
	expect_sock "$id" ok 10 1 0     # TCP over IPv6
	expect_sock "$id" ok 10 2 58    # ICMPv6 "ping"
	expect_sock "$id" ok 16 3 0     # NETLINK_ROUTE
	expect_sock "$id" ok 16 2 0     # NETLINK_ROUTE, datagram
	expect_sock "$id" ok 1 1 0	     # AF_UNIX
	expect_sock "$id" ok 1 2 0	     # AF_UNIX, datagram
	# busybox ip uses NETLINK_ROUTE
	nf_exec "$id" /bin/busybox ip -o link show lo

	expect_no_net_caps "$id"
	# still fenced
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	n=$(n_socket_rules "$b")
	nf_stop "$id"
	nf_assert_clean

	# a second run of the same bundle adds nothing twice
	nf_start "$rt" "$b" "$id"
	[ "$(n_socket_rules "$b")" -eq "$n" ]
	expect_sock "$id" "denied EAFNOSUPPORT" 17 3 768
	expect_sock "$id" ok 2 1 0
	nf_stop "$id"
	nf_assert_clean
}

@test "seccomp (runc, inet): raw, packet, netfilter, vsock and io_uring denied; the rest works" {
	inet_checks wrunc inet
}

@test "seccomp (crun, auto): raw, packet, netfilter, vsock and io_uring denied; the rest works" {
	inet_checks wcrun ""
}

@test "seccomp (runc, unix): only AF_UNIX sockets" {
	local id b
	id=$(nf_cid unix)
	NF_NO_HOOKS=1 NF_CONFIG_JQ=$SC_JQ nf_bundle unix io.netfence.policy=none \
		io.netfence.seccomp=unix
	b=$NF_BUNDLE
	nf_start wrunc "$b" "$id"
	expect_sock "$id" ok 1 1 0
	expect_sock "$id" "denied EAFNOSUPPORT" 2 1 0
	expect_sock "$id" "denied EAFNOSUPPORT" 16 3 0
	expect_sock "$id" "denied EAFNOSUPPORT" 17 3 768
	nf_probe "$id" io_uring || true
	[ "$NF_PROBE_OUT" = "denied EPERM" ]
	expect_no_net_caps "$id"
	nf_stop "$id"
	nf_assert_clean
}

existing_profile_checks() {
	local rt=$1 id b
	id=$(nf_cid "p$rt")
	NF_NO_HOOKS=1 NF_CONFIG_JQ="$SC_JQ"' | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1},
		           {names: ["socket", "getpid"], action: "SCMP_ACT_ALLOW"}]}' \
		nf_bundle "p$rt" io.netfence.policy=restricted
	b=$NF_BUNDLE
	nf_start "$rt" "$b" "$id"
	# the old rules stay (socket left the allowing rule, getpid kept it)
	jq -e '.linux.seccomp.syscalls[0] == {names: ["mkdir", "mkdirat"],
		action: "SCMP_ACT_ERRNO", errnoRet: 1}' "$b/config.json"
	jq -e '.linux.seccomp.syscalls[1].names == ["getpid"]' "$b/config.json"
	jq -e '.linux.seccomp.architectures == ["SCMP_ARCH_X86_64"]' "$b/config.json"
	run nf_exec "$id" /bin/busybox mkdir /tmp/x
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"not permitted"* ]]
	expect_sock "$id" "denied EAFNOSUPPORT" 17 3 768
	expect_sock "$id" "denied EPERM" 2 3 1
	expect_sock "$id" ok 2 1 0
	expect_no_net_caps "$id"
	nf_stop "$id"
	nf_assert_clean
}

@test "seccomp (runc): an existing profile keeps blocking what it blocked" {
	existing_profile_checks wrunc
}

@test "seccomp (crun): an existing profile keeps blocking what it blocked" {
	existing_profile_checks wcrun
}

@test "seccomp: io.netfence.seccomp=inet without the filter is refused by the hook" {
	local id b
	id=$(nf_cid nofilter)
	nf_bundle nofilter io.netfence.policy=restricted io.netfence.seccomp=inet
	b=$NF_BUNDLE
	run nf_run runc "$b" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "io.netfence.seccomp" "has no linux.seccomp"
	[ -z "$(nf_host_nf_links)" ]

	# a filter that misses AF_VSOCK is refused too, naming the call
	NF_CONFIG_JQ='.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
		{names: ["socket"], action: "SCMP_ACT_ERRNO", errnoRet: 97,
		 args: [{index: 0, value: 17, op: "SCMP_CMP_EQ"}]}]}' \
		nf_bundle nofilter2 io.netfence.policy=restricted io.netfence.seccomp=inet
	run nf_run runc "$NF_BUNDLE" "$(nf_cid nofilter2)"
	echo "$output"
	nf_assert_refused "$output" "$status" "io.netfence.seccomp" "does not deny socket(0,"
	[ -z "$(nf_host_nf_links)" ]

	# the filter netfence prints is accepted
	NF_CONFIG_JQ=".linux.seccomp = $("$NF_BIN" seccomp-profile --level inet)" \
		nf_bundle withfilter io.netfence.policy=restricted io.netfence.seccomp=inet
	nf_start runc "$NF_BUNDLE" "$(nf_cid withfilter)"
	expect_sock "$(nf_cid withfilter)" "denied EAFNOSUPPORT" 17 3 768
	nf_stop "$(nf_cid withfilter)"
	nf_assert_clean
}

@test "seccomp: hook precreate edits config.json on stdin, unannotated input passes unchanged" {
	local out
	NF_NO_HOOKS=1 NF_CONFIG_JQ=$SC_JQ nf_bundle pre io.netfence.policy=restricted
	out=$(nf_host "$NF_BIN" hook precreate <"$NF_BUNDLE/config.json")
	jq -e '.linux.seccomp.syscalls | length > 20' <<<"$out"
	[ "$(jq '[.. | strings | select(. == "CAP_NET_ADMIN")] | length' <<<"$out")" -eq 0 ]
	# idempotent
	[ "$(nf_host "$NF_BIN" hook precreate <<<"$out")" = "$out" ]

	# seccomp off (allowed by default), net_admin allowed by the host: nothing to change
	nf_hostconf '{"allow": {"net_admin": true}}'
	NF_NO_HOOKS=1 NF_CONFIG_JQ=$SC_JQ nf_bundle pre2 io.netfence.policy=restricted \
		io.netfence.seccomp=off
	cmp <(nf_host "$NF_BIN" hook precreate <"$NF_BUNDLE/config.json") "$NF_BUNDLE/config.json"

	NF_NO_HOOKS=1 nf_bundle plain -- /bin/busybox true
	cmp <(nf_host "$NF_BIN" hook precreate <"$NF_BUNDLE/config.json") "$NF_BUNDLE/config.json"
}

@test "seccomp (podman): the precreate hook merges the filter into podman's default profile" {
	local name=pm-sc-$NF_TAG
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	nf_podman_setup
	nf_hooksd "$NF_PODMAN/hooks" "$NF_ROOT/hooks.d/podman-precreate"
	run nf_podman run -d --name "$name" --network=none --cap-add NET_ADMIN,NET_RAW \
		--sysctl net.ipv4.ping_group_range="0 2147483647" \
		--annotation io.netfence.policy=restricted --annotation io.netfence.seccomp=inet \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --rootfs "$NF_TMP/rootfs" \
		/bin/busybox sleep 3600
	echo "$output"
	[ "$status" -eq 0 ]
	pm_sock() { # WANT FAMILY TYPE PROTO
		local want=$1 out
		shift
		out=$(nf_podman exec "$name" /probe socket "$@" 2>&1) || true
		echo "socket($*) -> $out"
		[ "$out" = "$want" ]
	}
	pm_sock "denied EAFNOSUPPORT" 17 3 768
	pm_sock "denied EPERM" 2 3 1
	pm_sock "denied EPERM" 16 3 12
	pm_sock "denied EAFNOSUPPORT" 40 1 0
	# NETLINK_AUDIT: podman's profile (EINVAL) and netfence's (EPERM) both refuse it
	run nf_podman exec "$name" /probe socket 16 3 9
	[[ $output == denied* ]]
	pm_sock ok 2 1 0
	pm_sock ok 2 2 0
	pm_sock ok 2 2 1
	pm_sock ok 10 2 0
	pm_sock ok 16 3 0
	pm_sock ok 1 1 0
	run nf_podman exec "$name" /probe io_uring
	[ "$output" = "denied EPERM" ]
	run nf_podman exec "$name" /bin/busybox cat /proc/self/status
	eff=$(awk '/^CapEff:/ {print $2}' <<<"$output")
	echo "CapEff: $eff"
	[ $((0x$eff & (3 << 12))) -eq 0 ]
	nf_podman rm -f -t 0 "$name"
	nf_assert_clean
}

#!/usr/bin/env bats
# In the vm-check VM (tests/vm/run.sh), whose stock kernel has flowtables: the host
# configuration's "flowtable": true offloads a fenced container's established flows (host
# side), and iperf3 through it against a bare veth (its own host namespace, no nftables) and
# against a fenced container without the flowtable, interleaved rounds. Figures go to
# $NF_OUT/perf.txt. Only runs there: elsewhere every test skips.

load ../e2e/helpers

ROUNDS=${VM_IPERF_ROUNDS:-5}
SECS=${VM_IPERF_SECS:-3}
PORT=5201

setup() {
	if [ ! -e /nf/tests/vm/init.sh ] || [ -z "${NF_OUT:-}" ]; then
		skip "not the vm-check VM: run make vm-check"
	fi
	nf_world_setup
	AVC_MARK=$(dmesg | wc -l)
	NF_BARE_H=nft-bareh-$NF_TAG
	NF_BARE_C=nft-barec-$NF_TAG
	echo "$NF_BARE_H $NF_BARE_C" >"$NF_TMP/netns"
	ip netns exec "$NF_WORLD" iperf3 -s -B "$NF_PUB1" -p "$PORT" >"$NF_TMP/out/iperf3-s" 2>&1 &
	echo $! >>"$NF_TMP/pids"
	nf_wait_for 250 ip netns exec "$NF_WORLD" sh -c "ss -Htln 'sport = :$PORT' | grep -q ."
}

teardown() {
	nf_world_teardown
}

# a bare path: host namespace with its own uplink (192.0.2.5/30) and a container namespace
# wired by hand (veth, 10.55.1.0/31), no nftables anywhere
bare_setup() {
	local h=$NF_BARE_H c=$NF_BARE_C
	ip netns add "$h"
	ip netns add "$c"
	ip -n "$h" link add up1 type veth peer name wbare netns "$NF_WORLD"
	ip -n "$h" addr add 192.0.2.5/30 dev up1
	ip -n "$h" link set up1 up
	ip -n "$h" route add default via 192.0.2.6
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NF_WORLD" addr add 192.0.2.6/30 dev wbare
	ip -n "$NF_WORLD" link set wbare up
	ip -n "$NF_WORLD" route add 10.55.1.0/31 via 192.0.2.5
	ip -n "$h" link add hw0 type veth peer name eth0 netns "$c"
	ip -n "$h" addr add 10.55.1.0/31 dev hw0
	ip -n "$h" link set hw0 up
	ip -n "$c" link set lo up
	ip -n "$c" addr add 10.55.1.1/31 dev eth0
	ip -n "$c" link set eth0 up
	ip -n "$c" route add default via 10.55.1.0
}

# fenced NAME FLOWTABLE: a runc container allowed to the iperf3 server, set up with the host
# configuration's "flowtable" as given
fenced() {
	local id
	id=$(nf_cid "$1")
	jq -n --argjson ft "$2" '{state_dir: "/run/netfence", flowtable: $ft}' >"$NF_TMP/hc-$1.json"
	NF_HOSTCONF=$NF_TMP/hc-$1.json nf_bundle "$1" io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:$PORT"
	nf_start runc "$NF_BUNDLE" "$id"
}

iperf() { # NETNS-PATH OUTFILE: one iperf3 run, receiver bit/s appended to OUTFILE
	local bps
	nsenter --net="$1" iperf3 -c "$NF_PUB1" -p "$PORT" -t "$SECS" -J >"$NF_TMP/ip.json" ||
		{ cat "$NF_TMP/ip.json" >&2; return 1; }
	bps=$(jq -er '.end.sum_received.bits_per_second' "$NF_TMP/ip.json")
	echo "$bps" >>"$2"
}

hook_avc() { # AVC records of the hook's domain since setup (SELinux is enforcing in the VM)
	dmesg | tail -n "+$((AVC_MARK + 1))" | grep 'avc: *denied' | grep 'scontext=[^ ]*:netfence_t:' || true
}

median() { sort -g "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

@test "vm flow: a fenced container's flows are offloaded to the host's flowtable" {
	local id pid dev out
	id=$(nf_cid fo)
	fenced fo true
	dev=$(nf_host_nf_links | head -1)
	run ip netns exec "$NF_HOST" nft list flowtable inet netfence ft
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"devices = { $dev }"* ]]
	pid=$(nf_pid "$id")
	nsenter --net="/proc/$pid/ns/net" iperf3 -c "$NF_PUB1" -p "$PORT" -t 4 >"$NF_TMP/out/ip" 2>&1 &
	local cl=$!
	sleep 2
	out=$(ip netns exec "$NF_HOST" conntrack -L -p tcp --dport "$PORT" 2>/dev/null)
	wait "$cl"
	echo "$out"
	[[ $out == *OFFLOAD* ]]
	# still fenced: anything else is blocked
	nf_expect_blocked "$id" "$NF_PUB2" 443
	nf_stop "$id"
	# the host end left the flowtable with its veth
	run ip netns exec "$NF_HOST" nft list flowtable inet netfence ft
	echo "$output"
	[[ $output != *"$dev"* ]]
	nf_assert_clean
	# the flowtable batch (and the modules it loads) from the hook's own domain
	run hook_avc
	echo "$output"
	[ -z "$output" ]
}

@test "vm flow: without \"flowtable\" (the default) nothing is offloaded" {
	local id pid out
	id=$(nf_cid fn)
	fenced fn false
	run ip netns exec "$NF_HOST" nft list flowtable inet netfence ft
	[ "$status" -ne 0 ]
	pid=$(nf_pid "$id")
	nsenter --net="/proc/$pid/ns/net" iperf3 -c "$NF_PUB1" -p "$PORT" -t 3 >"$NF_TMP/out/ip" 2>&1 &
	local cl=$!
	sleep 1.5
	out=$(ip netns exec "$NF_HOST" conntrack -L -p tcp --dport "$PORT" 2>/dev/null)
	wait "$cl"
	echo "$out"
	[[ $out == *ESTABLISHED* ]]
	[[ $out != *OFFLOAD* ]]
	nf_stop "$id"
	nf_assert_clean
}

@test "vm flow: iperf3 through a fenced container against a bare veth" {
	local p_ft p_nf r
	bare_setup
	fenced tf true
	fenced tn false
	p_ft=/proc/$(nf_pid "$(nf_cid tf)")/ns/net
	p_nf=/proc/$(nf_pid "$(nf_cid tn)")/ns/net
	for ((r = 0; r < ROUNDS; r++)); do
		iperf "/run/netns/$NF_BARE_C" "$NF_TMP/bare"
		iperf "$p_ft" "$NF_TMP/ft"
		iperf "$p_nf" "$NF_TMP/nf"
	done
	local b f n
	b=$(median "$NF_TMP/bare")
	f=$(median "$NF_TMP/ft")
	n=$(median "$NF_TMP/nf")
	{
		echo "# vm flow: iperf3 -t $SECS, container to world, receiver Gbit/s, median of $ROUNDS interleaved rounds"
		echo "# kernel $(uname -r); accel $(cat /nf/accel 2>/dev/null || echo ?)"
		awk -v b="$b" -v f="$f" -v n="$n" 'BEGIN {
			printf "bare veth                 %.3f  1.000\n", b / 1e9
			printf "netfence, flowtable       %.3f  %.3f\n", f / 1e9, f / b
			printf "netfence, no flowtable    %.3f  %.3f\n", n / 1e9, n / b
		}'
		echo "# per round (bare flowtable no-flowtable, bit/s):"
		paste "$NF_TMP/bare" "$NF_TMP/ft" "$NF_TMP/nf"
	} | tee "$NF_OUT/perf.txt"
	# every run moved data; the figures' verdict (target 0.95) is the report's
	awk -v b="$b" -v f="$f" -v n="$n" 'BEGIN {exit !(b > 0 && f > 0 && n > 0)}'
	nf_stop "$(nf_cid tf)"
	nf_stop "$(nf_cid tn)"
	nf_assert_clean
}

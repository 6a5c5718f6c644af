#!/usr/bin/env bash
# Set-up (createRuntime) and tear-down (poststop) wall time and peak RSS of the hook, median of
# RUNS, for a restricted policy with 10 rules and with 10,000 CIDR rules (host profile), and the
# time `nft -f` takes to load the same tables. Everything happens in throwaway namespaces.
# Usage: bench/hook-latency.sh [RUNS]   (run from the repository root after `make`)
set -euo pipefail
RUNS=${1:-20}
NF=${NF_BIN:-$PWD/build/netfence}
# The timed commands run inside a throwaway host namespace themselves, so no nsenter is timed.
if [ "${NFB_INSIDE:-}" != 1 ]; then
	HOST=nfb-host-$$
	ip netns add "$HOST"
	trap 'ip netns del "$HOST"' EXIT
	ip -n "$HOST" link set lo up
	NFB_INSIDE=1 NF_BIN=$NF nsenter --net=/run/netns/"$HOST" bash "$0" "$@"
	exit
fi
W=$(mktemp -d /tmp/nf-bench.XXXXXX)
cleanup() {
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^nfb-c[0-9]+-$$" || true); do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minmax() { sort -n | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b-a)/1e6}'; }

# profile with N CIDR rules: distinct /24s in 100.0.0.0/8 and 44.0.0.0/8, port 443
make_conf() {
	local n=$1 f=$2
	{
		printf '{"state_dir": "%s/state", "dns": ["198.51.100.53"], "profiles": {"big": {"base": "restricted", "egress": [' "$W"
		for ((i = 0; i < n; i++)); do
			((i)) && printf ','
			# every other /24, so that no two rules merge into one range
			printf '"%d.%d.%d.0/24:443"' $((44 + i / 32768)) $(((i / 128) % 256)) $(((i % 128) * 2))
		done
		printf ']}}}\n'
	} >"$f"
}

run_case() {
	local label=$1 conf=$2 policy=$3 egress=$4
	local setup=() teardown=() rss=()
	mkdir -p "$W/b"
	for ((r = 0; r < RUNS; r++)); do
		local c=nfb-c$r-$$
		ip netns add "$c"
		cat >"$W/b/config.json" <<JSON
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "linux": {"namespaces": [{"type": "network", "path": "/run/netns/$c"}]},
 "annotations": {"io.netfence.policy": "$policy"$egress}}
JSON
		local state="{\"ociVersion\":\"1.0.2\",\"id\":\"bench$r\",\"status\":\"creating\",\"pid\":$$,\"bundle\":\"$W/b\"}"
		local t0 t1 t2
		t0=$(date +%s%N)
		echo "$state" | NETFENCE_CONFIG=$conf /usr/bin/time -f %M -o "$W/rss" \
			"$NF" hook createRuntime
		t1=$(date +%s%N)
		rss+=("$(cat "$W/rss")")
		if [ "$r" = 0 ]; then
			nft list table inet netfence >"$W/host.nft"
			ip netns exec "$c" nft list table inet netfence >"$W/ns.nft"
		fi
		echo "$state" | NETFENCE_CONFIG=$conf "$NF" hook poststop
		t2=$(date +%s%N)
		setup+=("$(ms "$t0" "$t1")")
		teardown+=("$(ms "$t1" "$t2")")
		ip netns del "$c"
	done
	# nft -f loading the same two tables into fresh namespaces
	local nftt=()
	for ((r = 0; r < RUNS; r++)); do
		ip netns add nfb-c$r-$$
		local t0 t1
		t0=$(date +%s%N)
		ip netns exec nfb-c$r-$$ nft -f "$W/host.nft"
		ip netns exec nfb-c$r-$$ nft -f "$W/ns.nft" 2>/dev/null ||
			{ ip netns exec nfb-c$r-$$ nft delete table inet netfence &&
			  ip netns exec nfb-c$r-$$ nft -f "$W/ns.nft"; }
		t1=$(date +%s%N)
		nftt+=("$(ms "$t0" "$t1")")
		ip netns del nfb-c$r-$$
	done
	printf '| %s | %s (%s) | %s (%s) | %s (%s) | %s |\n' "$label" \
		"$(printf '%s\n' "${setup[@]}" | median)" "$(printf '%s\n' "${setup[@]}" | minmax)" \
		"$(printf '%s\n' "${teardown[@]}" | median)" "$(printf '%s\n' "${teardown[@]}" | minmax)" \
		"$(printf '%s\n' "${nftt[@]}" | median)" "$(printf '%s\n' "${nftt[@]}" | minmax)" \
		"$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
}

echo "# hook latency, $RUNS runs each, $(nproc) cores, kernel $(uname -r)"
echo "| case | set-up ms median (min-max) | tear-down ms median (min-max) | nft -f same tables ms | peak RSS KiB |"
echo "| --- | --- | --- | --- | --- |"
printf '{"state_dir": "%s/state", "dns": ["198.51.100.53"]}\n' "$W" >"$W/small.json"
run_case "restricted, 10 rules" "$W/small.json" restricted \
	', "io.netfence.egress": "203.0.113.1:443,203.0.113.2:443,203.0.113.3:443,203.0.113.4:443,203.0.113.5:443,198.51.100.0/24:80,198.51.100.7:53/udp,192.0.2.0/28,203.0.113.9:8000-9000,203.0.113.10/icmp"'
make_conf 10000 "$W/big.json"
run_case "restricted, 10,000 CIDR rules" "$W/big.json" big ""

# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced, never run). Everything a benchmark makes lives in
# throwaway network namespaces named nfb-*-<pid of the script>; the timed commands run inside a
# throwaway "host" namespace themselves (nfb_enter), so no nsenter is timed and the real host's
# network is never touched.
#
# Variables: NF (the netfence binary), RUNS (runs per figure, default 20), W (a work directory,
# removed on exit), NFB_OUT (where .dat files go, default build/bench).

NF=${NF_BIN:-$PWD/build/netfence}
RUNS=${RUNS:-20}
NFB_OUT=${NFB_OUT:-$PWD/build/bench}

# nfb_enter "$@": re-run the calling script inside a fresh host namespace (lo up) and exit.
nfb_enter() {
	[ "${NFB_INSIDE:-}" = 1 ] && return 0
	local host=nfb-host-$$ rc=0
	ip netns add "$host" || exit 1
	ip -n "$host" link set lo up
	mkdir -p "$NFB_OUT"
	NFB_INSIDE=1 NFB_PARENT=$$ NF_BIN=$NF RUNS=$RUNS NFB_OUT=$NFB_OUT \
		nsenter --net=/run/netns/"$host" bash "$0" "$@" || rc=$?
	ip netns del "$host"
	exit "$rc"
}

# Namespaces, the resolvers live-DNS set-ups started (one per state_dir under $W) and the work
# directory go on exit, whatever happened.
nfb_cleanup() {
	local ns pid
	for pid in $(cat "${W:-/nonexistent}"/*/resolver.pid 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	for ns in $(ip netns list | awk '{print $1}' | grep -E -- "^nfb-.*-$$\$" || true); do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${W:-}" ]; then
		umount -l "$W" 2>/dev/null || true
		rm -rf "$W"
	fi
	return 0
}

# The work directory (state_dir of netfence, the peers' IPAM and state) is a tmpfs, as /run is
# on a systemd host: on a disk file system every replace-by-rename of a state file would force
# a data flush (ext4 auto_da_alloc) that production never pays.
nfb_init() {
	W=$(mktemp -d /tmp/nf-bench.XXXXXX)
	mount -t tmpfs -o mode=0700 nfb-work "$W"
	trap nfb_cleanup EXIT
	trap 'exit 130' INT TERM
}

# ---- statistics: values one per line on stdin ----
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }
# "median (min-max)"
stats() { local v; v=$(cat); printf '%s (%s)' "$(median <<<"$v")" "$(minmax <<<"$v")"; }
# milliseconds between two `date +%s%N` stamps
ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", (b-a)/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f\n", a/b}'; }
now() { date +%s%N; }
# mark VAR: the same kind of stamp in VAR without forking (what timed spans use: a fork or a
# `date` process inside a span adds 0.5-1 ms to it).
mark() { printf -v "$1" '%s000' "${EPOCHREALTIME//[!0-9]/}"; }

# ---- host configurations ----
# nfb_conf FILE [N] [STATE_DIR]: a host configuration with state in STATE_DIR (default
# $W/state); with N, a profile "big" (base restricted) holding N distinct, non-adjacent /24 CIDR
# rules on port 443 (never merged). awk: a bash loop takes about a second for 100,000 rules.
nfb_conf() {
	awk -v n="${2:-0}" -v sd="${3:-$W/state}" 'BEGIN {
		printf "{\"state_dir\": \"%s\", \"dns\": [\"198.51.100.53\"]", sd
		if (n > 0) {
			printf ", \"profiles\": {\"big\": {\"base\": \"restricted\", \"egress\": ["
			for (i = 0; i < n; i++)
				printf "%s\"%d.%d.%d.0/24:443\"", (i ? "," : ""), 20 + int(i / 32768),
					int(i / 128) % 256, (i % 128) * 2
			printf "]}}"
		}
		printf "}\n"
	}' >"$1"
}

# The restricted policy with 10 rules used for "10 rules" everywhere.
# shellcheck disable=SC2034 # used by the scripts that source this file
NFB_EGRESS10="203.0.113.1:443,203.0.113.2:443,203.0.113.3:443,203.0.113.4:443,203.0.113.5:443,198.51.100.0/24:80,198.51.100.7:53/udp,192.0.2.0/28,203.0.113.9:8000-9000,203.0.113.10/icmp"

# ---- containers driven through the hook, as a runtime would ----
# nfb_bundle ID NETNS POLICY [EGRESS]: writes $W/b-ID/config.json for a container whose network
# namespace is /run/netns/NETNS, and $W/b-ID/state, the OCI state a runtime would pass.
nfb_bundle() {
	local id=$1 ns=$2 policy=$3 egress=${4:-}
	mkdir -p "$W/b-$id"
	{
		printf '{"ociVersion": "1.0.2", "root": {"path": "rootfs"},\n'
		printf ' "linux": {"namespaces": [{"type": "network", "path": "/run/netns/%s"}]},\n' "$ns"
		printf ' "annotations": {"io.netfence.policy": "%s"' "$policy"
		[ -n "$egress" ] && printf ', "io.netfence.egress": "%s"' "$egress"
		printf '}}\n'
	} >"$W/b-$id/config.json"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%d,"bundle":"%s/b-%s"}' \
		"$id" "$$" "$W" "$id" >"$W/b-$id/state"
}

# nfb_hook STAGE CONF ID: one hook call with the state nfb_bundle wrote for ID.
nfb_hook() {
	NETFENCE_CONFIG=$2 "$NF" hook "$1" <"$W/b-$3/state"
}

# nfb_settle: wait until the background part of the last tear-down is done (it holds the
# state lock until everything is gone; SPEC section 4, "teardown").
nfb_settle() { flock "$W/state/.lock" true; }

# nfb_up CONF ID POLICY [EGRESS]: a fresh namespace nfb-ID-$$ and the hook's set-up of it.
nfb_up() {
	local conf=$1 id=$2
	ip netns add "nfb-$id-$$" || return 1
	nfb_bundle "$id" "nfb-$id-$$" "$3" "${4:-}"
	nfb_hook createRuntime "$conf" "$id"
}

# nfb_down CONF ID: the hook's tear-down, then the namespace goes.
nfb_down() {
	nfb_hook poststop "$1" "$2"
	ip netns del "nfb-$2-$$"
}

# ---- namespaces wired to a world (bench/traffic.sh, bench/scale.sh) ----
# nfb_inns NS CMD...: CMD in network namespace NS.
nfb_inns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# nfb_wait_for TRIES CMD...: poll CMD every 20 ms until it succeeds; 1 if it never does.
nfb_wait_for() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
	done
	return 1
}

# nfb_uplink WORLD HOSTNS N: a veth between HOSTNS (uplink0, 192.0.2.4N+1/30, its default
# route) and the namespace WORLD (upN, 4N+2).
nfb_uplink() {
	local w=$1 h=$2 n=$3 a=192.0.2.$((4 * $3 + 1)) b=192.0.2.$((4 * $3 + 2))
	ip -n "$w" link add "up$n" type veth peer name uplink0 netns "$h"
	ip -n "$w" addr add "$b/30" dev "up$n"
	ip -n "$w" link set "up$n" up
	ip -n "$h" link set lo up
	ip -n "$h" addr add "$a/30" dev uplink0
	ip -n "$h" link set uplink0 up
	ip -n "$h" route add default via "$b"
}


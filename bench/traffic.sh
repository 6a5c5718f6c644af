#!/usr/bin/env bash
# Traffic through netfence: new TCP connections per second (build/connrate) and TCP throughput
# (iperf3) from a container namespace to a server in a world namespace, with no netfence, with
# netfence and 10 rules, with 10,000 rules, and with 500 fenced containers in the host table.
#
# Interleaving: every case has its own host namespace, all set up before the clock starts, so
# each round runs every case once, in an order that rotates from round to round (1 vs 500
# containers too: two host namespaces, not a load/unload cycle). RUNS rounds; each figure is
# the median (min-max) of its RUNS values, and each ratio also comes per round.
#
# Usage: RUNS=20 bash bench/traffic.sh   (from the repository root, after `make` and
#        `make build/connrate`; RUNS=3 for a quick look). Knobs: CONN_SECS (2), IPERF_SECS (2),
#        CONTAINERS (500), CONNRATE_C (connections in flight, 1: the rate is CPU-bound either
#        way, the handshake runs in softirq on the client's CPU).
# Output: markdown on stdout; $NFB_OUT/connrate-rules.dat (rules median_conn_per_s min max; 0 is
# no netfence) and $NFB_OUT/connrate-containers.dat (containers median_conn_per_s min max
# median_throughput_gbit min max). Any failed connection attempt or set-up fails the script
# (exit 1) before anything is printed.
#
# Topology, all throwaway namespaces (nothing touches the real host's network):
#
#   nfb-world-$$  203.0.113.9 on lo: `connrate serve` :8080, `iperf3 -s` :8081, and a second
#                 connrate on :7000, which no policy allows (shows each fence is in force)
#   a host namespace per case, each with its own veth uplink to the world (192.0.2.4N+1/30)
#   and its default route there:
#     nfb-bare-$$     no nftables at all; container nfb-cbare-$$ wired by hand (veth, /31,
#                     default route; the world routes 10.55.1.0/31 back): no netfence
#     nfb-floor-$$    the same wiring (10.55.2.0/31) plus the least any stateful fence with NAT
#                     does: conntrack in both namespaces (one `ct state` rule per hook) and a
#                     masquerade; a reference, to tell conntrack's cost from netfence's own
#     nfb-host-P      nfb_enter's (this script runs in it): one container, c10: restricted +
#                     NFB_EGRESS10, whose 203.0.113.9:8000-9000 allows both servers
#     nfb-hbig-$$     one container, c10k: host profile of 10,000 CIDR rules + that one rule
#     nfb-hload-$$    CONTAINERS containers, 10 rules each; l0 is measured
#   netfence runs with its default host configuration (NAT on), each host its own state_dir.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
nfb_enter "$@"
nfb_init

CR=${CONNRATE_BIN:-$PWD/build/connrate}
CONN_SECS=${CONN_SECS:-2}
IPERF_SECS=${IPERF_SECS:-2}
CONTAINERS=${CONTAINERS:-500}
CONC=${CONNRATE_C:-1}

WORLD=nfb-world-$$
HOST=nfb-host-$NFB_PARENT
SRV=203.0.113.9
PORT_CONN=8080
PORT_IPERF=8081
PORT_DENIED=7000
EGRESS_SRV=$SRV:8000-9000 # the rule the 10,000-rule container needs besides its profile

fail() {
	echo "traffic.sh: $*" >&2
	exit 1
}
say() { echo "traffic.sh: $*" >&2; }

# The servers go before the namespaces (a process keeps its namespace alive).
SERVER_PIDS=()
stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SERVER_PIDS=()
}
trap 'stop_servers; nfb_cleanup' EXIT

[ -x "$CR" ] || fail "$CR missing: run make build/connrate"
[ -x "$NF" ] || fail "$NF missing: run make"
command -v iperf3 >/dev/null || fail "iperf3 missing (bench/deps.sh installs it)"
command -v jq >/dev/null || fail "jq missing"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || fail "RUNS must be a positive number"

inns() { nfb_inns "$@"; }
wait_for() { nfb_wait_for "$@"; }

listening() { # NS PORT: a TCP socket listens on PORT in NS
	[ -n "$(inns "$1" ss -Htln "sport = :$2")" ]
}

tcp_open() { # NS PORT: a TCP connect from NS to the server's PORT opens (within 3 s)
	timeout 3 nsenter --net="/run/netns/$1" bash -c "exec 3<>/dev/tcp/$SRV/$2" 2>/dev/null
}

# uplink HOSTNS N: a veth between HOSTNS (192.0.2.4N+1/30, default route) and the world (4N+2).
uplink() { nfb_uplink "$WORLD" "$@"; }

# by_hand HOSTNS CNS N: new namespaces HOSTNS (uplink N) and CNS, wired as a CNI plugin would:
# veth, 10.55.N.0/31, default route; the world routes the /31 back.
by_hand() {
	local h=$1 c=$2 n=$3
	ip netns add "$h"
	ip netns add "$c"
	uplink "$h" "$n"
	inns "$h" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$h" link add hw0 type veth peer name eth0 netns "$c"
	ip -n "$h" addr add "10.55.$n.0/31" dev hw0
	ip -n "$h" link set hw0 up
	ip -n "$c" link set lo up
	ip -n "$c" addr add "10.55.$n.1/31" dev eth0
	ip -n "$c" link set eth0 up
	ip -n "$c" route add default via "10.55.$n.0"
	ip -n "$WORLD" route add "10.55.$n.0/31" via "192.0.2.$((4 * n + 1))"
}

# fence HOSTNS CONF ID POLICY [EGRESS]: nfb_up with the hook run inside HOSTNS.
fence() {
	local host=$1 conf=$2 id=$3 out
	ip netns add "nfb-$id-$$"
	nfb_bundle "$id" "nfb-$id-$$" "$4" "${5:-}"
	if ! out=$(inns "$host" env NETFENCE_CONFIG="$conf" "$NF" hook createRuntime \
		<"$W/b-$id/state" 2>&1); then
		fail "netfence set-up of $id in $host: $out"
	fi
}


fenced_count() { # HOSTNS: containers in the host table (elements of its ifaces set)
	inns "$1" nft -j list set inet netfence ifaces |
		jq '[.nftables[].set.elem // empty | .[]] | length'
}

# conn NS SECS [FILE]: one connrate run from NS; the rate goes to FILE. Any error fails the run.
conn() {
	local out rate errs
	if ! out=$(inns "$1" "$CR" connect -c "$CONC" "$SRV" "$PORT_CONN" "$2" 2>"$W/cr.err"); then
		fail "connrate from $1: '$out' $(tr '\n' ' ' <"$W/cr.err")"
	fi
	read -r rate errs <<<"$out"
	if [ "$errs" != 0 ] || ! [ "${rate:-0}" -gt 0 ] 2>/dev/null; then
		fail "connrate from $1: '$out' $(tr '\n' ' ' <"$W/cr.err")"
	fi
	[ -z "${3:-}" ] || echo "$rate" >>"$3"
}

# tput NS SECS [FILE]: one iperf3 run from NS; receiver Gbit/s to FILE. Any error fails the run.
tput() {
	local bps
	if ! timeout $(($2 + 20)) nsenter --net="/run/netns/$1" iperf3 -c "$SRV" -p "$PORT_IPERF" \
		-t "$2" -J --connect-timeout 3000 >"$W/iperf.json" 2>"$W/iperf.err"; then
		fail "iperf3 from $1: $(jq -r '.error // empty' "$W/iperf.json" 2>/dev/null)" \
			"$(tr '\n' ' ' <"$W/iperf.err")"
	fi
	bps=$(jq -er '.end.sum_received.bits_per_second' "$W/iperf.json") ||
		fail "iperf3 from $1: no receiver figure in its output"
	awk -v b="$bps" 'BEGIN {exit !(b > 0)}' || fail "iperf3 from $1: $bps bit/s"
	[ -z "${3:-}" ] || awk -v b="$bps" 'BEGIN {printf "%.3f\n", b / 1e9}' >>"$3"
}

# ---- the world and its servers ----
say "setting up (RUNS=$RUNS, $CONTAINERS containers)"
ip netns add "$WORLD"
ip -n "$WORLD" link set lo up
ip -n "$WORLD" addr add "$SRV/32" dev lo
# nsenter execs the server, so $! is the server's own pid.
nsenter --net="/run/netns/$WORLD" "$CR" serve "$SRV" "$PORT_CONN" >"$W/srv-conn" 2>&1 \
	</dev/null &
SERVER_PIDS+=($!)
nsenter --net="/run/netns/$WORLD" "$CR" serve "$SRV" "$PORT_DENIED" >"$W/srv-denied" 2>&1 \
	</dev/null &
SERVER_PIDS+=($!)
nsenter --net="/run/netns/$WORLD" iperf3 -s -B "$SRV" -p "$PORT_IPERF" >"$W/srv-iperf" 2>&1 \
	</dev/null &
SERVER_PIDS+=($!)
wait_for 250 grep -q listening "$W/srv-conn" || fail "connrate server: $(cat "$W/srv-conn")"
wait_for 250 grep -q listening "$W/srv-denied" || fail "connrate server: $(cat "$W/srv-denied")"
wait_for 250 listening "$WORLD" "$PORT_IPERF" || fail "iperf3 server: $(cat "$W/srv-iperf")"

# ---- no netfence, and the stateful floor ----
by_hand "nfb-bare-$$" "nfb-cbare-$$" 1
by_hand "nfb-floor-$$" "nfb-cfloor-$$" 2
inns "nfb-floor-$$" nft -f - <<'EOF' || fail "floor: host rules"
table inet floor {
	chain forward { type filter hook forward priority filter; policy accept;
		ct state established,related accept; }
	chain postrouting { type nat hook postrouting priority srcnat; policy accept;
		oifname "uplink0" masquerade; }
}
EOF
inns "nfb-cfloor-$$" nft -f - <<'EOF' || fail "floor: container rules"
table inet floor {
	chain output { type filter hook output priority filter; policy accept;
		ct state established,related accept; }
	chain input { type filter hook input priority filter; policy accept;
		ct state established,related accept; }
}
EOF

# ---- netfence: 10 rules; 10,000 rules; CONTAINERS containers ----
uplink "$HOST" 0
nfb_conf "$W/c10.json" 0 "$W/state-host"
fence "$HOST" "$W/c10.json" c10 restricted "$NFB_EGRESS10"

ip netns add "nfb-hbig-$$"
uplink "nfb-hbig-$$" 3
nfb_conf "$W/big.json" 10000 "$W/state-big"
fence "nfb-hbig-$$" "$W/big.json" c10k big "$EGRESS_SRV"

ip netns add "nfb-hload-$$"
uplink "nfb-hload-$$" 4
nfb_conf "$W/load.json" 0 "$W/state-load"
t0=$(now)
for ((i = 0; i < CONTAINERS; i++)); do
	fence "nfb-hload-$$" "$W/load.json" "l$i" restricted "$NFB_EGRESS10"
done
say "$CONTAINERS containers set up in $(ms "$t0" "$(now)") ms"
n=$(fenced_count "nfb-hload-$$")
[ "$n" = "$CONTAINERS" ] || fail "the load host's table holds $n containers, not $CONTAINERS"
for h in "$HOST" "nfb-hbig-$$"; do
	n=$(fenced_count "$h")
	[ "$n" = 1 ] || fail "host $h holds $n containers, not 1"
done

# Each case and its container namespace. Check each path, and each fence, before timing.
CONN_CASES=(bare floor c10 c10k load)
TPUT_CASES=(bare floor c10 load)
declare -A NS=([bare]=nfb-cbare-$$ [floor]=nfb-cfloor-$$ [c10]=nfb-c10-$$ [c10k]=nfb-c10k-$$
	[load]=nfb-l0-$$)
for k in "${CONN_CASES[@]}"; do
	wait_for 10 tcp_open "${NS[$k]}" "$PORT_CONN" || fail "$k: the server is not reachable"
	case $k in
	bare | floor)
		tcp_open "${NS[$k]}" "$PORT_DENIED" || fail "$k: port $PORT_DENIED not reachable"
		;;
	*)
		! tcp_open "${NS[$k]}" "$PORT_DENIED" ||
			fail "$k: port $PORT_DENIED opened: the fence is not in force"
		;;
	esac
	conn "${NS[$k]}" 1 # warm-up, and no attempt may fail
	[ "$k" = c10k ] || tput "${NS[$k]}" 1
done

# ---- measure: every case in every round, in an order rotating by one each round ----
t0=$(now)
for ((r = 0; r < RUNS; r++)); do
	say "round $((r + 1))/$RUNS"
	for ((j = 0; j < ${#CONN_CASES[@]}; j++)); do
		k=${CONN_CASES[$(((r + j) % ${#CONN_CASES[@]}))]}
		conn "${NS[$k]}" "$CONN_SECS" "$W/conn-$k"
	done
	for ((j = 0; j < ${#TPUT_CASES[@]}; j++)); do
		k=${TPUT_CASES[$(((r + j) % ${#TPUT_CASES[@]}))]}
		tput "${NS[$k]}" "$IPERF_SECS" "$W/tput-$k"
	done
done
say "measured in $(($(ms "$t0" "$(now)" | cut -d. -f1) / 1000)) s"

# ---- report ----
med() { median <"$1"; }
mm() { minmax <"$1" | tr '-' ' '; }
rat() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN {printf "%.3f", a / b}'; }
paired() { # A B: the per-round ratios A/B (same round, same line), median (min-max)
	paste "$1" "$2" | awk '{printf "%.3f\n", $1 / $2}' | stats
}
within() { # A B PERCENT: is the median of A at least (100 - PERCENT)% of B's?
	awk -v a="$(med "$1")" -v b="$(med "$2")" -v t="$3" \
		'BEGIN {print (a >= b * (1 - t / 100)) ? "met" : "missed"}'
}
row() { # LABEL A REF: "| LABEL | A's median (min-max) | A/REF | per round |"
	if [ "$2" = "$3" ]; then
		printf '| %s | %s | 1.000 | |' "$1" "$(stats <"$2")"
	else
		printf '| %s | %s | %s | %s |' "$1" "$(stats <"$2")" "$(rat "$2" "$3")" \
			"$(paired "$2" "$3")"
	fi
}
C=$W/conn
T=$W/tput

mkdir -p "$NFB_OUT"
{
	echo "# rules median_conn_per_s min max (0 rules: no netfence); bench/traffic.sh RUNS=$RUNS"
	echo "0 $(med "$C-bare") $(mm "$C-bare")"
	echo "10 $(med "$C-c10") $(mm "$C-c10")"
	echo "10000 $(med "$C-c10k") $(mm "$C-c10k")"
} >"$NFB_OUT/connrate-rules.dat"
{
	echo "# containers median_conn_per_s min max median_throughput_gbit min max;" \
		"bench/traffic.sh RUNS=$RUNS"
	echo "1 $(med "$C-c10") $(mm "$C-c10") $(med "$T-c10") $(mm "$T-c10")"
	echo "$CONTAINERS $(med "$C-load") $(mm "$C-load") $(med "$T-load") $(mm "$T-load")"
} >"$NFB_OUT/connrate-containers.dat"

NOTE="median (min-max) of $RUNS rounds; each round runs every case once, in rotating order, and"
NOTE="$NOTE \"per round\" is the ratio within each round, median (min-max). Every case has its"
NOTE="$NOTE own host namespace with a veth uplink to the world; netfence uses its default host"
NOTE="$NOTE configuration (NAT on). No netfence: veth, /31 and routes by hand, no nftables at"
NOTE="$NOTE all; stateful floor: the same plus conntrack in both namespaces and a masquerade"
NOTE="$NOTE (3 rules), what any stateful fence with NAT costs."

echo "### New connections per second against rule count"
echo
echo "TCP connections per second, container to a server in the world namespace:" \
	"\`connrate connect -c $CONC\` for $CONN_SECS s (handshake, then a reset; a failed attempt" \
	"fails the run); 10 rules: restricted + 10 egress rules, one allowing the server; 10,000" \
	"rules: a restricted host profile of 10,000 distinct /24 rules + the server's rule; $NOTE"
echo
echo "| case | conn/s | vs 10 rules | per round | target |"
echo "| --- | --- | --- | --- | --- |"
echo "$(row "no netfence" "$C-bare" "$C-c10") |"
echo "$(row "stateful floor" "$C-floor" "$C-c10") |"
echo "$(row "netfence, 10 rules" "$C-c10" "$C-c10") |"
echo "$(row "netfence, 10,000 rules" "$C-c10k" "$C-c10")" \
	"10,000 rules within 10% of 10: $(within "$C-c10k" "$C-c10" 10) |"
echo
echo "### Containers in the host table: connection rate and throughput"
echo
echo "One container (restricted, 10 rules) while its host's netfence table holds 1 container" \
	"(its own) against $CONTAINERS (each its own namespace, veth and 10-rule policy, set up by" \
	"the hook; two host namespaces, both measured in every round). Connections as above;" \
	"throughput: \`iperf3 -t $IPERF_SECS\`, container to world, receiver Gbit/s;" \
	"$RUNS rounds, interleaved as above."
echo
echo "| containers | conn/s | vs 1 | per round | target |"
echo "| --- | --- | --- | --- | --- |"
echo "$(row 1 "$C-c10" "$C-c10") |"
echo "$(row "$CONTAINERS" "$C-load" "$C-c10")" \
	"within 5% of 1: $(within "$C-load" "$C-c10" 5) |"
echo
echo "| containers | Gbit/s | vs 1 | per round | target |"
echo "| --- | --- | --- | --- | --- |"
echo "$(row 1 "$T-c10" "$T-c10") |"
echo "$(row "$CONTAINERS" "$T-load" "$T-c10")" \
	"within 5% of 1: $(within "$T-load" "$T-c10" 5) |"
echo
echo "### Throughput: netfence against the bare veth path"
echo
echo "\`iperf3 -t $IPERF_SECS\`, container to a server in the world namespace, receiver" \
	"Gbit/s; netfence: restricted, 10 rules; no netfence and stateful floor as above; $RUNS" \
	"rounds, interleaved as above."
echo
echo "| path | Gbit/s | vs bare | per round | target |"
echo "| --- | --- | --- | --- | --- |"
echo "$(row "no netfence (bare veth)" "$T-bare" "$T-bare") |"
echo "$(row "stateful floor" "$T-floor" "$T-bare") |"
echo "$(row "netfence, 10 rules" "$T-c10" "$T-bare")" \
	"within 10% of bare: $(within "$T-c10" "$T-bare" 10) |"

#!/usr/bin/env bash
# What observability and limits cost accepted traffic (issue 12, SPEC section 11), side by side:
#
# - Packets per second through one container (restricted, 10 rules + the UDP server's rule):
#   iperf3 UDP with small datagrams (-l PPS_LEN, unpaced) from the container to a server in the
#   world namespace, with
#     off     the same tables with every `log` rule deleted by this script (host table and the
#             container's table: `nft -j -a list` finds them, `nft delete rule ... handle N`);
#     quiet   logging on, nobody listening (the resolver the set-up started is killed);
#     follow  logging on, the resolver running and `netfence log -f` reading from it.
#   Target: quiet and follow within 2% of off.
# - New connections per second (build/connrate, as bench/traffic.sh) through a container with
#   io.netfence.rate unset (the quiet container) and one with io.netfence.rate at the most
#   it takes (1000000/s), which never triggers, and in place: the rate container again with its
#   rl element deleted for the sample (what a container without a rate has). Target: within 3%.
#   OBS_RATE sets that rate; OBS_RATE= (empty) leaves both containers without one and skips the
#   in-place case: a control of what two alike containers differ by.
#
# Every case has its own host namespace (nfb_enter's is "quiet"), uplink and state_dir, set up
# before the clock starts; each round runs every case once in an order rotating by one. RUNS
# rounds (default 20). Two figures per sample: the rate, and the client's CPU time (perf stat
# task-clock) per packet or connection, which other processes on the machine disturb far less.
# Each is the median (min-max); each ratio also per round, with a 95% interval of its median.
# Knobs: PPS_SECS (2), PPS_LEN (64 bytes of UDP payload), CONN_SECS (2), OBS_RATE.
# Usage: make all build/connrate && RUNS=10 bash bench/observe.sh   (from the repository root)
# Output: markdown on stdout, $NFB_OUT/observe.dat. A failed run fails the script (exit 1).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
nfb_enter "$@"
nfb_init

CR=${CONNRATE_BIN:-$PWD/build/connrate}
PPS_SECS=${PPS_SECS:-2}
PPS_LEN=${PPS_LEN:-64}
RATE=${OBS_RATE-1000000/s} # OBS_RATE= (empty): the rate container has none, an A/A control
CONN_SECS=${CONN_SECS:-2}
WORLD=nfb-world-$$
SRV=203.0.113.9
PORT_CONN=8080
PORT_PPS=8081
EGRESS="$NFB_EGRESS10,$SRV:8000-9000/udp"

fail() {
	echo "observe.sh: $*" >&2
	exit 1
}
say() { echo "observe.sh: $*" >&2; }

PIDS=()
stop_pids() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}
trap 'stop_pids; nfb_cleanup' EXIT

[ -x "$CR" ] || fail "$CR missing: run make build/connrate"
[ -x "$NF" ] || fail "$NF missing: run make"
command -v iperf3 >/dev/null || fail "iperf3 missing (bench/deps.sh installs it)"
command -v jq >/dev/null || fail "jq missing"
command -v perf >/dev/null || fail "perf missing (Debian linux-perf)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || fail "RUNS must be a positive number"

inns() { nfb_inns "$@"; }
# has NS TEXT: the listing of table inet netfence in NS holds TEXT (no grep -q in a pipe:
# under pipefail its early exit would fail nft with SIGPIPE)
has() { grep -qF -- "$2" <<<"$(inns "$1" nft list table inet netfence)"; }

# ---- the world: a connrate server and an iperf3 server ----
say "setting up (RUNS=$RUNS)"
ip netns add "$WORLD"
ip -n "$WORLD" link set lo up
ip -n "$WORLD" addr add "$SRV/32" dev lo
nsenter --net="/run/netns/$WORLD" "$CR" serve "$SRV" "$PORT_CONN" >"$W/srv-conn" 2>&1 </dev/null &
PIDS+=($!)
nsenter --net="/run/netns/$WORLD" iperf3 -s -B "$SRV" -p "$PORT_PPS" >"$W/srv-iperf" 2>&1 </dev/null &
PIDS+=($!)
nfb_wait_for 250 grep -q listening "$W/srv-conn" || fail "connrate server: $(cat "$W/srv-conn")"
nfb_wait_for 250 bash -c "[ -n \"\$(nsenter --net=/run/netns/$WORLD ss -Htln 'sport = :$PORT_PPS')\" ]" ||
	fail "iperf3 server: $(cat "$W/srv-iperf")"

# ---- a host namespace per case, one container each ----
declare -A HOSTNS=([quiet]=nfb-host-$NFB_PARENT [off]=nfb-hoff-$$ [follow]=nfb-hfollow-$$
	[rate]=nfb-hrate-$$)
CASES=(off quiet follow rate)
n=0
for k in "${CASES[@]}"; do
	h=${HOSTNS[$k]}
	[ "$k" = quiet ] || ip netns add "$h"
	nfb_uplink "$WORLD" "$h" "$n"
	n=$((n + 1))
	nfb_conf "$W/$k.json" 0 "$W/state-$k"
	ip netns add "nfb-c$k-$$"
	nfb_bundle "c$k" "nfb-c$k-$$" restricted "$EGRESS"
	if [ "$k" = rate ] && [ -n "$RATE" ]; then
		jq --arg r "$RATE" '.annotations["io.netfence.rate"] = $r' "$W/b-c$k/config.json" >"$W/cfg"
		mv "$W/cfg" "$W/b-c$k/config.json"
	fi
	out=$(inns "$h" env NETFENCE_CONFIG="$W/$k.json" "$NF" hook createRuntime \
		<"$W/b-c$k/state" 2>&1) || fail "set-up of c$k: $out"
done
has "${HOSTNS[rate]}" 'limit name iifname map @rl' || fail "rate: the host table has no rate rule"
[ -z "$RATE" ] || grep -q '"nf' <<<"$(inns "${HOSTNS[rate]}" nft list map inet netfence rl)" ||
	fail "rate: the container has no rate limit"

# Nobody listens but in follow: the set-ups (live DNS names) started a resolver per state_dir.
for k in off quiet rate; do
	pid=$(cat "$W/state-$k/resolver.pid" 2>/dev/null) || continue
	kill "$pid"
	nfb_wait_for 250 bash -c "! kill -0 $pid" || fail "$k: resolver $pid does not exit"
done
pidfile=$W/state-follow/resolver.pid
[ -s "$pidfile" ] || fail "follow: no resolver running"
kill -0 "$(cat "$pidfile")" || fail "follow: no resolver running"
inns "${HOSTNS[follow]}" env NETFENCE_CONFIG="$W/follow.json" "$NF" log -f --json \
	>"$W/follow.out" 2>&1 </dev/null &
PIDS+=($!)
FOLLOWER=$!

# Who listens on the events' NFLOG group (28262, NF_NFLOG_GROUP), per namespace: only follow's
# resolver, in its host namespace and in the container's.
bound() { awk '$1 == 28262' /proc/net/netfilter/nfnetlink_log | grep -q .; }
for k in "${CASES[@]}"; do
	for ns in "${HOSTNS[$k]}" "nfb-c$k-$$"; do
		if inns "$ns" bash -c "$(declare -f bound); bound"; then
			[ "$k" = follow ] || fail "$k: something listens on the NFLOG group in $ns"
		else
			[ "$k" != follow ] || fail "follow: the resolver does not listen in $ns"
		fi
	done
done

# off: delete every log rule of the host table and of the container's table.
unlog() { # NS: the rules with a log statement of table inet netfence in NS go
	local ns=$1 batch
	batch=$(inns "$ns" nft -j -a list table inet netfence | jq -r '.nftables[].rule // empty |
		select(any(.expr[]; has("log"))) | "delete rule inet netfence \(.chain) handle \(.handle)"')
	[ -n "$batch" ] || fail "no log rule in $ns"
	inns "$ns" nft -f - <<<"$batch"
	! has "$ns" ' log ' || fail "log rules left in $ns"
	echo "$batch" | wc -l
}
say "off: deleted $(unlog "${HOSTNS[off]}") host and $(unlog "nfb-coff-$$") container log rules"
# rules NS ID: the rules of NS's table, one a line, without handles, ID's suffix as <hex>
rules() {
	inns "$1" nft -j list table inet netfence | jq -c --arg hex "$(jq -r .hex "$W/state-${2#c}/$2.json")" \
		'.nftables[].rule // empty | del(.handle) | tojson | gsub($hex; "<hex>")'
}
# off against quiet: no rule but the log rules differs (so accepted packets meet the same rules)
SAME="the rules of both tables (host and container), the log rules aside, are the same in every case"
for ns in host c; do
	a=$(rules "$([ $ns = host ] && echo "${HOSTNS[off]}" || echo "nfb-coff-$$")" coff)
	b=$(rules "$([ $ns = host ] && echo "${HOSTNS[quiet]}" || echo "nfb-cquiet-$$")" cquiet |
		grep -v '\\"log\\"')
	[ "$a" = "$b" ] || fail "off and quiet differ in more than their log rules ($ns table):" \
		"$(diff <(echo "$a") <(echo "$b") | head -5)"
done
for k in quiet follow rate; do
	for ns in "${HOSTNS[$k]}" "nfb-c$k-$$"; do
		has "$ns" ' log ' || fail "$k: no log rule in $ns"
	done
done

# The CPU time a sample's client used, whole process (task-clock, ns): the path from the
# container to the world's socket runs in the client's context (veth hands packets to the
# softirq the sender runs on leaving its bottom-half section; this kernel has no
# IRQ_TIME_ACCOUNTING, so that softirq time is the task's), and time the client spends
# waiting for a CPU is not in it: a figure other processes disturb less than a rate.
cpu_ns() { awk -F, '$3 == "task-clock" {printf "%.0f", $1 * 1e6}' "$W/perf.txt"; }
clock() { perf stat -x, -e task-clock -o "$W/perf.txt" "$@"; }

# pps NS SECS [FILE]: one iperf3 UDP run; "sent/s received/s ns-per-sent-packet" to FILE.
pps() {
	if ! clock timeout $(($2 + 20)) nsenter --net="/run/netns/$1" iperf3 -c "$SRV" -p "$PORT_PPS" \
		-u -b 0 -l "$PPS_LEN" -t "$2" -J --connect-timeout 3000 >"$W/iperf.json" \
		2>"$W/iperf.err"; then
		fail "iperf3 from $1: $(jq -r '.error // empty' "$W/iperf.json" 2>/dev/null)" \
			"$(tr '\n' ' ' <"$W/iperf.err")"
	fi
	jq -er --argjson ns "$(cpu_ns)" '.end.sum | select(.packets > 0 and .seconds > 0) |
		"\(.packets / .seconds | floor) \((.packets - .lost_packets) / .seconds | floor)" +
		" \($ns / .packets | floor)"' "$W/iperf.json" >"$W/pps.line" ||
		fail "iperf3 from $1: no packet count in its output"
	[ -z "${3:-}" ] || cat "$W/pps.line" >>"$3"
}
# conn NS SECS [FILE]: one connrate run; "conn/s ns-per-connection" to FILE. A refused or reset
# attempt (what a rate limit does) fails the run; one unanswered within connrate's 1 s is counted
# in $W/timeouts and reported (the rate counts completed connections only). Such timeouts, one in
# a run of ~30,000 connections, ended two runs at a load average of 10 on 2 cores, in a container
# without a rate too; their cause was not pinned down.
conn() {
	local out rate errs
	out=$(clock nsenter --net="/run/netns/$1" "$CR" connect -c 1 "$SRV" "$PORT_CONN" "$2" \
		2>"$W/cr.err") || true
	read -r rate errs <<<"$out"
	if grep -qv 'attempts failed: Connection timed out$' "$W/cr.err" ||
		! [ "${rate:-0}" -gt 0 ] 2>/dev/null || ! [ "${errs:-x}" -ge 0 ] 2>/dev/null; then
		fail "connrate from $1: '$out' $(tr '\n' ' ' <"$W/cr.err")"
	fi
	[ "$errs" = 0 ] || echo "$errs" >>"$W/timeouts"
	[ -z "${3:-}" ] || echo "$rate $(($(cpu_ns) / (rate * $2)))" >>"$3"
}

PPS_CASES=(off quiet follow)
CONN_CASES=(quiet rate)
# in place: the rate container without its rl element for the sample, which is what a container
# without a rate has (the rule then never matches), so the same namespace measures both sides
if [ -n "$RATE" ]; then
	CONN_CASES+=(unrated)
	RL=\"nf$(jq -r .hex "$W/state-rate/crate.json")\"
fi
rl() { # add|delete: the rate container's element of map rl
	local e=$RL
	[ "$1" = add ] && e="$e : \"rl_${RL:3:12}\""
	inns "${HOSTNS[rate]}" nft "$1" element inet netfence rl "{ $e }" || fail "rl $1 $e"
}
# sample CASE SECS [FILE]: one connrate run of CASE
sample() {
	if [ "$1" = unrated ]; then
		rl delete
		! grep -qF "$RL" <<<"$(inns "${HOSTNS[rate]}" nft list map inet netfence rl)" ||
			fail "unrated: the rl element is still there"
		conn "nfb-crate-$$" "$2" "${3:-}"
		rl add
	else
		conn "nfb-c$1-$$" "$2" "${3:-}"
	fi
}
for k in "${PPS_CASES[@]}"; do pps "nfb-c$k-$$" 1; done # warm-up, and each path works
for k in "${CONN_CASES[@]}"; do sample "$k" 1; done

# the follow case's resolver and log -f: CPU time (clock ticks) they used while the rounds ran
rticks() { cat "/proc/$(cat "$pidfile")/stat" "/proc/$FOLLOWER/stat" | awk '{t += $14 + $15} END {print t}'; }
rt0=$(rticks)
t0=$(now)
for ((r = 0; r < RUNS; r++)); do
	say "round $((r + 1))/$RUNS"
	for ((j = 0; j < ${#PPS_CASES[@]}; j++)); do
		k=${PPS_CASES[$(((r + j) % ${#PPS_CASES[@]}))]}
		pps "nfb-c$k-$$" "$PPS_SECS" "$W/pps-$k"
	done
	for ((j = 0; j < ${#CONN_CASES[@]}; j++)); do
		k=${CONN_CASES[$(((r + j) % ${#CONN_CASES[@]}))]}
		sample "$k" "$CONN_SECS" "$W/conn-$k"
	done
done
secs=$(($(ms "$t0" "$(now)" | cut -d. -f1) / 1000))
say "measured in $secs s"
RCPU="the resolver and \`log -f\` (follow case) used $((($(rticks) - rt0) * 1000 / $(getconf CLK_TCK))) ms of CPU in the $secs s"
kill -0 "$FOLLOWER" 2>/dev/null || fail "follow: netfence log -f exited: $(cat "$W/follow.out")"
kill -0 "$(cat "$pidfile")" || fail "follow: the resolver exited during the run"
# The rate never refused a connection.
refused=$(inns "${HOSTNS[rate]}" nft -j list counters table inet netfence |
	jq '[.nftables[].counter // empty | select(.name | startswith("rr_")) | .packets] | add // 0')
[ "$refused" = 0 ] || fail "rate: $refused connections refused by the rate limit"

# ---- report ----
for k in "${PPS_CASES[@]}"; do
	for c in 1:sent 2:recv 3:cpu; do cut -d' ' -f"${c%%:*}" "$W/pps-$k" >"$W/${c#*:}-$k"; done
done
for k in "${CONN_CASES[@]}"; do
	cut -d' ' -f1 "$W/conn-$k" >"$W/rate-$k"
	cut -d' ' -f2 "$W/conn-$k" >"$W/ccpu-$k"
done
med() { median <"$1"; }
rat() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN {printf "%.3f", a / b}'; }
# ci95: "[lo-hi]" on stdin's values, the distribution-free 95% confidence interval of their
# median (order statistics k and n+1-k, k = (n - 1.96 sqrt(n)) / 2; for 30 values the 10th and
# the 21st); "" below 6 values
ci95() {
	sort -g | awk '{v[NR] = $1} END {k = int((NR - 1.96 * sqrt(NR)) / 2)
		if (k >= 1) printf " [%s-%s]", v[k], v[NR + 1 - k]}'
}
# paired A B: the ratios A/B within each round, "median [95% CI] (min-max)"
paired() {
	local v
	v=$(paste "$1" "$2" | awk '{printf "%.3f\n", $1 / $2}')
	printf '%.3f%s (%s)' "$(median <<<"$v")" "$(ci95 <<<"$v")" "$(minmax <<<"$v")"
}
# row LABEL A REF [PERCENT [cost]]: "| LABEL | median (min-max) | A/REF | per round | verdict |";
# the verdict: A at least (100 - PERCENT)% of REF, or for a cost at most (100 + PERCENT)%.
row() {
	if [ "$2" = "$3" ]; then
		printf '| %s | %s | 1.000 | | |\n' "$1" "$(stats <"$2")"
		return
	fi
	printf '| %s | %s | %s | %s | within %s%%: %s |\n' "$1" "$(stats <"$2")" "$(rat "$2" "$3")" \
		"$(paired "$2" "$3")" "$4" "$(awk -v a="$(med "$2")" -v b="$(med "$3")" -v t="$4" \
		-v cost="${5:-}" 'BEGIN {ok = cost ? a <= b * (1 + t / 100) : a >= b * (1 - t / 100)
			print ok ? "met" : "missed"}')"
}
{
	echo "# case median min-max; bench/observe.sh RUNS=$RUNS; pps: sent/s received/s ns/packet"
	for k in "${PPS_CASES[@]}"; do
		echo "pps-$k $(med "$W/sent-$k") $(minmax <"$W/sent-$k") $(med "$W/recv-$k")" \
			"$(med "$W/cpu-$k")"
	done
	for k in "${CONN_CASES[@]}"; do
		echo "conn-$k $(med "$W/rate-$k") $(minmax <"$W/rate-$k") $(med "$W/ccpu-$k")"
	done
} >"$NFB_OUT/observe.dat"

L_OFF="off (log rules deleted)"
L_QUIET="on, nobody listening"
L_FOLLOW="on, \`netfence log -f\` running"
echo "### Logging: accepted packets"
echo
echo "\`iperf3 -u -b 0 -l $PPS_LEN -t $PPS_SECS\` from a container (restricted, 10 rules and the" \
	"server's UDP rule) to a server in the world namespace; median (min-max) of $RUNS rounds," \
	"each running every case once in rotating order; \"per round\" is the ratio within each" \
	"round: median [95% confidence interval of the median] (min-max). CPU: the client's task-clock (the whole path runs in its context) per packet sent."
echo "The tables differ only in their log rules: $SAME; $RCPU."
echo
echo "| logging | sent pkt/s | vs off | per round | target |"
echo "| --- | --- | --- | --- | --- |"
row "$L_OFF" "$W/sent-off" "$W/sent-off"
row "$L_QUIET" "$W/sent-quiet" "$W/sent-off" 2
row "$L_FOLLOW" "$W/sent-follow" "$W/sent-off" 2
echo
echo "| logging | received pkt/s | vs off | per round | target |"
echo "| --- | --- | --- | --- | --- |"
row "$L_OFF" "$W/recv-off" "$W/recv-off"
row "$L_QUIET" "$W/recv-quiet" "$W/recv-off" 2
row "$L_FOLLOW" "$W/recv-follow" "$W/recv-off" 2
echo
echo "| logging | CPU ns per packet | vs off | per round | target |"
echo "| --- | --- | --- | --- | --- |"
row "$L_OFF" "$W/cpu-off" "$W/cpu-off"
row "$L_QUIET" "$W/cpu-quiet" "$W/cpu-off" 2 cost
row "$L_FOLLOW" "$W/cpu-follow" "$W/cpu-off" 2 cost
echo
echo "### io.netfence.rate: new connections"
echo
echo "\`connrate connect -c 1\` for $CONN_SECS s (handshake, then a reset; a refused attempt" \
	"fails the run), same rounds as above; the rate limit refused none (\`rr_<hex>\` is 0). CPU: connrate's" \
	"task-clock per connection."
echo
echo "Connection attempts unanswered within 1 s (not in the rates): $(awk '{t += $1} END {print t + 0}' \
	"$W/timeouts" 2>/dev/null || echo 0) in all rounds; refused: none."
echo
echo "| io.netfence.rate | conn/s | vs unset | per round | target |"
echo "| --- | --- | --- | --- | --- |"
row "unset" "$W/rate-quiet" "$W/rate-quiet"
row "${RATE:-unset (control)}" "$W/rate-rate" "$W/rate-quiet" 3
echo
echo "| io.netfence.rate | CPU ns per connection | vs unset | per round | target |"
echo "| --- | --- | --- | --- | --- |"
row "unset" "$W/ccpu-quiet" "$W/ccpu-quiet"
row "${RATE:-unset (control)}" "$W/ccpu-rate" "$W/ccpu-quiet" 3 cost
if [ -n "$RATE" ]; then
	echo
	echo "In place: the rate container with its \`rl\` element deleted for the sample (as a" \
		"container without a rate has none) against the same container with it."
	echo
	echo "| io.netfence.rate, one container | conn/s | vs unset | per round | target |"
	echo "| --- | --- | --- | --- | --- |"
	row "unset (element deleted)" "$W/rate-unrated" "$W/rate-unrated"
	row "$RATE" "$W/rate-rate" "$W/rate-unrated" 3
	echo
	echo "| io.netfence.rate, one container | CPU ns per connection | vs unset | per round | target |"
	echo "| --- | --- | --- | --- | --- |"
	row "unset (element deleted)" "$W/ccpu-unrated" "$W/ccpu-unrated"
	row "$RATE" "$W/ccpu-rate" "$W/ccpu-unrated" 3 cost
fi

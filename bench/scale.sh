#!/usr/bin/env bash
# Scale: many containers on one host (restricted policy, 10 rules each: NFB_EGRESS10).
#
# a. Parallel start: the set-ups of 32 containers (`netfence hook createRuntime`) started at
#    once, against the same 32 set-ups one after the other; wall time of all 32 and failures
#    (must be 0). The 32 namespaces are made before the clock starts and re-made for every
#    round; the rounds alternate parallel, serial, parallel, ... and all containers are torn
#    down between rounds. Set-ups take the state directory's lock, so they partly serialise:
#    the target is a parallel total no worse than the serial one.
# b. Set-up and tear-down at scale: wall time of one container's tear-down (`poststop`) and
#    set-up (`createRuntime`) while LEVELS containers are set up (default "1 100 1000"): tear
#    one down (timed), re-make its namespace (untimed), set it up again (timed), RUNS times per
#    level (a different container each time), adding containers between levels (untimed).
#    Neither should grow with the count (target: at the last level within 10% of the first).
#    With NF_BASE_BIN set (as for bench/ab.sh), that older build runs beside $NF, alternating
#    run by run; each build has its own throwaway host namespace, table and state_dir (their
#    host tables never share a namespace: the layouts may differ). The hook calls of b run
#    inside those namespaces through bench/inhost.sh, which takes the timestamps itself.
# c. New-connection rate through one container while its host table holds 1 container and
#    the last level's (build/connrate to a server in a world namespace, CONN_RUNS rounds of
#    CONN_SECS s, default RUNS and 2; each build; target: within 5%).
# d. Kernel memory of each build's host table at the last level: /proc/slabinfo (active_objs
#    x objsize) plus VmallocUsed, before and after deleting that table alone, per container;
#    the same from the script's own memory cgroup (read only), where nothing else counts, and
#    per container beyond the skeleton (less c's one-container table).
#
# Every figure is the median of RUNS runs (default 20) with min-max; `ip netns add/del` are
# never inside a timed span; everything runs in throwaway namespaces, removed on exit.
# Run from the repository root: make all build/connrate && bash bench/scale.sh  (RUNS=3
# LEVELS="1 10" for a quick look), or via `make bench`. Writes to $NFB_OUT (default
# build/bench/): scale.dat (and scale-base.dat for NF_BASE_BIN): containers setup_median
# setup_min setup_max teardown_median teardown_min teardown_max gone_median;
# connrate-scale.dat: containers, then per build median_conn_per_s min max;
# hosttable-kmem.dat: build containers table_kib kib_per_container.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$NF" ] || { echo "scale: $NF not found: run make first" >&2; exit 1; }
CR=${CONNRATE_BIN:-$PWD/build/connrate}
[ -x "$CR" ] || { echo "scale: $CR not found: run make build/connrate" >&2; exit 1; }
nfb_enter "$@"
nfb_init

PAR=32
read -r -a LEVELS <<<"${LEVELS:-1 100 1000}"

CONF=$W/conf.json
nfb_conf "$CONF"
ERRS=$W/errors # stderr of every hook run whose failures are counted

# ---- a. parallel start ----

for ((i = 0; i < PAR; i++)); do
	nfb_bundle "p$i" "nfb-p$i-$$" restricted "$NFB_EGRESS10"
done

par_ns_add() { for ((i = 0; i < PAR; i++)); do ip netns add "nfb-p$i-$$"; done; }
# tear every container of the round down (untimed) and drop the namespaces
par_down() {
	for ((i = 0; i < PAR; i++)); do
		nfb_hook poststop "$CONF" "p$i" 2>>"$ERRS" || echo "scale: poststop p$i failed" >&2
		ip netns del "nfb-p$i-$$"
	done
	nfb_settle
}

# par_round parallel|serial: sets RT (total ms) and RF (failures)
par_round() {
	local mode=$1 fails=0 t0 t1 pids=() p
	par_ns_add
	mark t0
	if [ "$mode" = parallel ]; then
		for ((i = 0; i < PAR; i++)); do
			nfb_hook createRuntime "$CONF" "p$i" 2>>"$ERRS" &
			pids+=($!)
		done
		for p in "${pids[@]}"; do
			wait "$p" || fails=$((fails + 1))
		done
	else
		for ((i = 0; i < PAR; i++)); do
			nfb_hook createRuntime "$CONF" "p$i" 2>>"$ERRS" || fails=$((fails + 1))
		done
	fi
	mark t1
	par_down
	RT=$(ms "$t0" "$t1")
	RF=$fails
}

: >"$ERRS"
# warm-up, untimed: the host table's skeleton is made once per host, never in a timed round
nfb_up "$CONF" warm restricted "$NFB_EGRESS10"
nfb_down "$CONF" warm
par_t=() ser_t=()
par_f=0 ser_f=0
for ((r = 0; r < RUNS; r++)); do
	par_round parallel
	par_t+=("$RT")
	par_f=$((par_f + RF))
	par_round serial
	ser_t+=("$RT")
	ser_f=$((ser_f + RF))
done

pt=$(printf '%s\n' "${par_t[@]}")
st=$(printf '%s\n' "${ser_t[@]}")
cat <<EOF
### Parallel start

$PAR container set-ups (\`netfence hook createRuntime\`, restricted, 10 rules) started at once
against the same $PAR one after the other, namespaces made beforehand; wall time of all $PAR,
median (min-max) of $RUNS rounds, alternating; failures summed over all rounds.
$(nproc) cores, kernel $(uname -r).

| start | total ms median (min-max) | per container ms | failures |
| --- | --- | ---: | ---: |
EOF
printf '| parallel | %s | %s | %d |\n' "$(stats <<<"$pt")" \
	"$(awk -v t="$(median <<<"$pt")" -v n=$PAR 'BEGIN {printf "%.2f", t / n}')" "$par_f"
printf '| serial | %s | %s | %d |\n' "$(stats <<<"$st")" \
	"$(awk -v t="$(median <<<"$st")" -v n=$PAR 'BEGIN {printf "%.2f", t / n}')" "$ser_f"
echo
echo "parallel / serial: $(ratio "$(median <<<"$pt")" "$(median <<<"$st")")"
if ((par_f + ser_f > 0)); then
	echo
	echo "Errors, most frequent first:"
	echo
	sort "$ERRS" | uniq -c | sort -rn | head -5 | sed 's/^/    /'
fi
echo

# ---- b, c, d: one host table with many containers, per build ----
# Each side (new: $NF; base: $NF_BASE_BIN when set) has its own host namespace nfb-hSIDE-$$
# (and nfb-oSIDE-$$ holding a single container, for c), its own host configuration and
# state_dir: the two builds never share a host table, whose layouts may differ. Both sides are
# built up level by level together and measured run by run in rotating order.

SIDES=(new)
declare -A BIN=([new]=$NF) PFX=([new]=n) UPN=([new]=1)
if [ -n "${NF_BASE_BIN:-}" ]; then
	[ -x "$NF_BASE_BIN" ] || {
		echo "scale: NF_BASE_BIN=$NF_BASE_BIN is not executable" >&2
		exit 1
	}
	SIDES+=(base)
	BIN[base]=$NF_BASE_BIN
	PFX[base]=b
	UPN[base]=3
fi
WORLD=nfb-world-$$
SRV=203.0.113.9
PORT_CONN=8080

# inhost SIDE one|load CMD ARGS...: bench/inhost.sh inside the side's host namespace
inhost() {
	local s=$1 kind=$2 ns conf state
	shift 2
	if [ "$kind" = one ]; then
		ns=nfb-o$s-$$ conf=$W/conf-one-$s.json state=$W/state-one-$s
	else
		ns=nfb-h$s-$$ conf=$W/conf-$s.json state=$W/state-$s
	fi
	nsenter --net="/run/netns/$ns" env NF_BIN="${BIN[$s]}" W="$W" NFB_CONF="$conf" \
		NFB_STATE="$state" NFB_P=$$ bash "$(dirname "$0")/inhost.sh" "$@"
}

# The world: the connection server of c (its process goes before the namespaces on exit).
SERVER_PID=
stop_server() {
	[ -z "$SERVER_PID" ] || { kill "$SERVER_PID" && wait "$SERVER_PID"; } 2>/dev/null || true
	SERVER_PID=
}
trap 'stop_server; nfb_cleanup' EXIT
ip netns add "$WORLD"
ip -n "$WORLD" link set lo up
ip -n "$WORLD" addr add "$SRV/32" dev lo
nsenter --net="/run/netns/$WORLD" "$CR" serve "$SRV" "$PORT_CONN" >"$W/srv" 2>&1 </dev/null &
SERVER_PID=$!
nfb_wait_for 250 grep -q listening "$W/srv" || {
	echo "scale: connrate server: $(cat "$W/srv")" >&2
	exit 1
}
for s in "${SIDES[@]}"; do
	ip netns add "nfb-h$s-$$"
	ip netns add "nfb-o$s-$$"
	nfb_uplink "$WORLD" "nfb-h$s-$$" "${UPN[$s]}"
	nfb_uplink "$WORLD" "nfb-o$s-$$" $((UPN[$s] + 1))
	nfb_conf "$W/conf-$s.json" 0 "$W/state-$s"
	nfb_conf "$W/conf-one-$s.json" 0 "$W/state-one-$s"
	# c's single container, in a host namespace of its own: container PFX"one0"
	nfb_bundle "${PFX[$s]}one0" "nfb-${PFX[$s]}one0-$$" restricted "$NFB_EGRESS10"
	inhost "$s" one fill "${PFX[$s]}one" 0 1
done

mkdir -p "$NFB_OUT"
MAXLEVEL=${LEVELS[${#LEVELS[@]} - 1]}
FIRST=${LEVELS[0]}
BASE_NOTE=
[ "${#SIDES[@]}" = 1 ] || BASE_NOTE="; base: $NF_BASE_BIN"
cat <<EOF
### Set-up and tear-down with many containers set up

One container's tear-down (\`poststop\`: until the hook returns, and until its background part
has removed everything, i.e. the state lock is free) and set-up (\`createRuntime\`, after that,
its namespace re-made untimed) while N containers are set up (restricted, 10 rules each; the
set-up makes the N-th again); median (min-max) of $RUNS runs, ms, spread over the containers
present. Each build has its own host namespace and table, and the builds alternate run by run.
new: $NF$BASE_NOTE.

EOF
hdr='| containers |' sep='| ---: |'
for col in set-up "tear-down, hook returns" "tear-down, all gone"; do
	for s in "${SIDES[@]}"; do
		hdr="$hdr $col ($s) |"
		sep="$sep --- |"
	done
done
echo "$hdr"
echo "$sep"
for s in "${SIDES[@]}"; do
	printf '# containers setup_median setup_min setup_max teardown_median teardown_min' \
		>"$W/scale-$s.dat"
	printf ' teardown_max gone_median; %s: %s\n' "$s" "${BIN[$s]}" >>"$W/scale-$s.dat"
done

have=0
for level in "${LEVELS[@]}"; do
	# add containers up to the level (untimed), on each side
	if ((have < level)); then
		for ((i = have; i < level; i++)); do
			for s in "${SIDES[@]}"; do
				nfb_bundle "${PFX[$s]}c$i" "nfb-${PFX[$s]}c$i-$$" restricted "$NFB_EGRESS10"
			done
		done
		for s in "${SIDES[@]}"; do
			inhost "$s" load fill "${PFX[$s]}c" "$have" "$level"
		done
		have=$level
	fi
	for ((r = 0; r < RUNS; r++)); do
		n=$((r * level / RUNS)) # spread over the containers present
		for ((j = 0; j < ${#SIDES[@]}; j++)); do
			s=${SIDES[$(((r + j) % ${#SIDES[@]}))]}
			out=$(inhost "$s" load cycle "${PFX[$s]}c$n") || {
				echo "scale: the $s build's tear-down and set-up of ${PFX[$s]}c$n failed" >&2
				exit 1
			}
			read -r u d g <<<"$out"
			echo "$u" >>"$W/up-$s-$level"
			echo "$d" >>"$W/down-$s-$level"
			echo "$g" >>"$W/gone-$s-$level"
		done
	done
	row="| $level |"
	for k in up down gone; do
		for s in "${SIDES[@]}"; do
			row="$row $(stats <"$W/$k-$s-$level") |"
		done
	done
	echo "$row"
	for s in "${SIDES[@]}"; do
		printf '%s %s %s %s %s %s\n' "$level" "$(median <"$W/up-$s-$level")" \
			"$(minmax <"$W/up-$s-$level" | tr - ' ')" "$(median <"$W/down-$s-$level")" \
			"$(minmax <"$W/down-$s-$level" | tr - ' ')" "$(median <"$W/gone-$s-$level")" \
			>>"$W/scale-$s.dat"
	done
done
cp "$W/scale-new.dat" "$NFB_OUT/scale.dat"
rm -f "$NFB_OUT/scale-base.dat"
[ "${#SIDES[@]}" = 1 ] || cp "$W/scale-base.dat" "$NFB_OUT/scale-base.dat"

echo
for s in "${SIDES[@]}"; do
	for k in up down gone; do
		a=$(median <"$W/$k-$s-$MAXLEVEL")
		b=$(median <"$W/$k-$s-$FIRST")
		case $k in
		up) what=set-up ;;
		down) what="tear-down (hook returns)" ;;
		gone) what="tear-down (all gone)" ;;
		esac
		# latencies: "met" when at MAXLEVEL at most 10% above at FIRST
		target=$(awk -v a="$a" -v b="$b" 'BEGIN {print (a <= b * 1.1) ? "met" : "missed"}')
		printf '%s, %s: at %s / at %s = %s (%s / %s ms)%s\n' "$s" "$what" "$MAXLEVEL" \
			"$FIRST" "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')" "$a" "$b" \
			"$([ "$k" = gone ] || echo "; target within 10%: $target")"
	done
done
echo

# ---- c. new connections through one container: 1 against MAXLEVEL containers set up ----
# connrate from the measured container (the one-container host's, and the loaded host's c0)
# to the world; every case in every round, in rotating order. Any failed attempt fails the
# script.
CONN_SECS=${CONN_SECS:-2}
CONN_RUNS=${CONN_RUNS:-$RUNS}
CASES=()
declare -A CNS
for s in "${SIDES[@]}"; do
	CASES+=("$s-1" "$s-$MAXLEVEL")
	CNS[$s-1]=nfb-${PFX[$s]}one0-$$
	CNS[$s-$MAXLEVEL]=nfb-${PFX[$s]}c0-$$
done
conn() { # CASE SECS [FILE]
	local out rate errs
	out=$(nfb_inns "${CNS[$1]}" "$CR" connect "$SRV" "$PORT_CONN" "$2" 2>"$W/cr.err") || true
	read -r rate errs <<<"$out"
	if [ "${errs:-1}" != 0 ] || ! [ "${rate:-0}" -gt 0 ] 2>/dev/null; then
		echo "scale: connrate in case $1: '$out' $(tr '\n' ' ' <"$W/cr.err")" >&2
		exit 1
	fi
	[ -z "${3:-}" ] || echo "$rate" >>"$3"
}
for c in "${CASES[@]}"; do
	conn "$c" 1 # warm-up: the path works, no attempt fails
done
for ((r = 0; r < CONN_RUNS; r++)); do
	for ((j = 0; j < ${#CASES[@]}; j++)); do
		c=${CASES[$(((r + j) % ${#CASES[@]}))]}
		conn "$c" "$CONN_SECS" "$W/conn-$c"
	done
done
{
	printf '# containers'
	for s in "${SIDES[@]}"; do printf ' %s_median_conn_per_s min max' "$s"; done
	printf '; bench/scale.sh CONN_RUNS=%s CONN_SECS=%s\n' "$CONN_RUNS" "$CONN_SECS"
	for l in 1 "$MAXLEVEL"; do
		printf '%s' "$l"
		for s in "${SIDES[@]}"; do
			printf ' %s %s' "$(median <"$W/conn-$s-$l")" \
				"$(minmax <"$W/conn-$s-$l" | tr - ' ')"
		done
		echo
	done
} >"$NFB_OUT/connrate-scale.dat"
cat <<EOF
### New connections through one container: 1 against $MAXLEVEL containers set up

TCP connections per second from one container (restricted, 10 rules) to a server in a world
namespace (\`connrate connect -c 1\` for $CONN_SECS s, handshake then a reset; a failed attempt
fails the run), while its host table holds 1 container (its own, in a host namespace of its
own) or $MAXLEVEL (the table above; the others carry no traffic). Every case in every round, in
rotating order; median (min-max) of $CONN_RUNS rounds; "per round": the ratio within each round.

| build | conn/s, 1 container | conn/s, $MAXLEVEL containers | $MAXLEVEL / 1 | per round | within 5% |
| --- | --- | --- | ---: | --- | --- |
EOF
for s in "${SIDES[@]}"; do
	a=$(median <"$W/conn-$s-$MAXLEVEL")
	b=$(median <"$W/conn-$s-1")
	printf '| %s | %s | %s | %s | %s | %s |\n' "$s" "$(stats <"$W/conn-$s-1")" \
		"$(stats <"$W/conn-$s-$MAXLEVEL")" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')" \
		"$(paste "$W/conn-$s-$MAXLEVEL" "$W/conn-$s-1" | awk '{printf "%.3f\n", $1 / $2}' |
			stats)" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN {print (a >= b * 0.95) ? "met" : "missed"}')"
done
echo

# ---- d. kernel memory of the host table at MAXLEVEL containers ----
# Kernel memory in KiB: the sum over /proc/slabinfo of active_objs * objsize, plus VmallocUsed
# (/proc/meminfo); the median of 5 samples 0.2 s apart. Taken with every container set up, then
# after deleting only the side's host table(s) (every table in its host namespace: nothing else
# makes one there) and a 1 s wait for RCU and the deferred frees; the difference is the
# table's. c's conntrack entries are flushed first (they would expire inside the window), the
# server is stopped, and the sides are measured one after the other, so nothing of this script
# allocates or frees meanwhile; other processes on the machine may, hence the median.
kmem_once() { # prints "all kmalloc": KiB over every cache, and over the kmalloc caches only
	awk 'FILENAME ~ /slabinfo/ { if (FNR > 2) { b += $2 * $4; if ($1 ~ /^kmalloc/) k += $2 * $4 }; next }
		/^VmallocUsed:/ { v = $2 }
		END { printf "%.0f %.0f\n", b / 1024 + v, k / 1024 + v }' /proc/slabinfo /proc/meminfo
}
kmem() { # FILE: 5 samples 0.2 s apart to FILE; prints the medians "all kmalloc"
	local i
	for ((i = 0; i < 5; i++)); do
		kmem_once
		sleep 0.2
	done >"$1"
	echo "$(cut -d' ' -f1 "$1" | median) $(cut -d' ' -f2 "$1" | median)"
}
caches() { awk 'NR > 2 {print $1, $2 * $4}' /proc/slabinfo | sort; } # name bytes
# The same from this script's own memory cgroup, read only: nf_tables charges its objects to
# the cgroup of the process that made them (the hooks, run from here), and other processes'
# allocations do not count there, so this one holds where the slab sum is noisy. cgroup v1:
# memory.kmem.usage_in_bytes; v2: memory.stat's "kernel". KiB (median of 5), or "-".
CG=$(awk -F: '$2 == "memory" {print "/sys/fs/cgroup/memory" $3; exit}
	$1 == "0" {v2 = "/sys/fs/cgroup" $3} END {if (NR && v2) print v2}' /proc/self/cgroup | head -1)
cgmem() {
	local i
	for ((i = 0; i < 5; i++)); do
		if [ -r "$CG/memory.kmem.usage_in_bytes" ]; then
			echo $(($(cat "$CG/memory.kmem.usage_in_bytes") / 1024))
		elif [ -r "$CG/memory.stat" ]; then
			awk '$1 == "kernel" {print int($2 / 1024)}' "$CG/memory.stat"
		fi
		sleep 0.2
	done | median
}
# deltable NS: delete every table of namespace NS (nothing else makes one there), wait for RCU
deltable() {
	local t
	for t in $(nfb_inns "$1" nft -j list tables |
		jq -r '.nftables[] | select(.table) | "\(.table.family)/\(.table.name)"'); do
		nfb_inns "$1" nft delete table "${t%%/*}" "${t#*/}"
	done
	sleep 1
}
stop_server
for ns in "$WORLD" "${CNS[@]}" $(for s in "${SIDES[@]}"; do echo "nfb-h$s-$$ nfb-o$s-$$"; done); do
	nfb_inns "$ns" conntrack -F >/dev/null 2>&1 || true
done
sleep 1
cat <<EOF
### Kernel memory of the host table

Kernel memory (sum over /proc/slabinfo of active_objs x objsize, plus VmallocUsed; median of 5
samples 0.2 s apart) with $MAXLEVEL containers set up, and after \`nft delete table\` of the
host table(s) alone and a 1 s wait; the difference, and per container. Objects: the host
namespace's \`nft list ruleset\`: lines, chains, rules, sets and maps, their elements. cgroup:
the same difference in this script's own memory cgroup (what nf_tables charged to the hooks run
from here), and per container beyond the skeleton: less the table of c's one-container host
namespace, over $MAXLEVEL - 1.

| build | KiB with table | KiB without | table KiB | KiB per container | kmalloc only: per container | cgroup: table KiB / per container / per container beyond the skeleton | ruleset lines | chains | rules | sets+maps | elements |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
EOF
echo "# side containers table_kib kib_per_container; bench/scale.sh" >"$NFB_OUT/hosttable-kmem.dat"
for s in "${SIDES[@]}"; do
	h=nfb-h$s-$$
	lines=$(nfb_inns "$h" nft list ruleset | wc -l)
	read -r chains rules sets elems < <(nfb_inns "$h" nft -j list ruleset | jq -r '
		[.nftables[] | select(.chain)] as $c | [.nftables[] | select(.rule)] as $r |
		[.nftables[] | (.set // .map) | select(.)] as $s |
		"\($c | length) \($r | length) \($s | length) \([$s[] | (.elem // []) | length] | add // 0)"')
	read -r before kbefore < <(kmem "$W/kmem-before-$s")
	caches >"$W/caches-before-$s"
	vbefore=$(awk '/^VmallocUsed:/ {print $2}' /proc/meminfo)
	cg0=$(cgmem)
	deltable "$h"
	read -r after kafter < <(kmem "$W/kmem-after-$s")
	caches >"$W/caches-after-$s"
	vafter=$(awk '/^VmallocUsed:/ {print $2}' /proc/meminfo)
	cg1=$(cgmem)
	# the table of c's host namespace: the skeleton and one container
	deltable "nfb-o$s-$$"
	cg2=$(cgmem)
	d=$((before - after))
	per=$(awk -v d="$d" -v n="$MAXLEVEL" 'BEGIN {printf "%.1f", d / n}')
	cgper=$(awk -v a="$cg0" -v b="$cg1" -v c="$cg2" -v n="$MAXLEVEL" 'BEGIN {
		if (a == "" || n < 2) print "-"
		else printf "%.0f / %.1f / %.1f", a - b, (a - b) / n, (a - b - (b - c)) / (n - 1) }')
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$before" \
		"$after" "$d" "$per" "$(awk -v d="$((kbefore - kafter))" -v n="$MAXLEVEL" \
		'BEGIN {printf "%.1f", d / n}')" "$cgper" "$lines" "$chains" "$rules" "$sets" "$elems"
	echo "$s $MAXLEVEL $d $per" >>"$NFB_OUT/hosttable-kmem.dat"
	# where it was: the caches that shrank most (one snapshot each side of the deletion)
	join "$W/caches-before-$s" "$W/caches-after-$s" |
		awk '{printf "%s %.0f\n", $1, ($2 - $3) / 1024}' | sort -k2,2nr | head -5 |
		awk '{printf "%s%s %s KiB", (NR > 1 ? ", " : ""), $1, $2}' >"$W/top-$s"
	echo ", VmallocUsed $((vbefore - vafter)) KiB" >>"$W/top-$s"
done
echo
for s in "${SIDES[@]}"; do
	echo "$s: what shrank most (one snapshot either side): $(tr -d '\n' <"$W/top-$s")."
done

# The containers go with their namespaces (lib.sh's cleanup; the kernel deletes their veth
# pairs), the host tables and the state directories with the host namespaces and $W.
echo
echo "(data: $NFB_OUT/scale.dat$([ "${#SIDES[@]}" = 1 ] || echo ", $NFB_OUT/scale-base.dat")," \
	"$NFB_OUT/connrate-scale.dat, $NFB_OUT/hosttable-kmem.dat)"

#!/usr/bin/env bash
# Scale: many containers on one host (restricted policy, 10 rules each: NFB_EGRESS10).
#
# a. Parallel start: the set-ups of 32 containers (`netfence hook createRuntime`) started at
#    once, against the same 32 set-ups one after the other; wall time of all 32 and failures
#    (must be 0). The 32 namespaces are made before the clock starts and re-made for every
#    round; the rounds alternate parallel, serial, parallel, ... and all containers are torn
#    down between rounds. Set-ups take the state directory's lock, so they partly serialise:
#    the target is a parallel total no worse than the serial one.
# b. Tear-down at scale: wall time of one container's tear-down (`poststop`) and set-up
#    (`createRuntime`) while 1, 100 and 500 containers are set up: tear one down (timed),
#    re-make its namespace (untimed), set it up again (timed), RUNS times per level (a
#    different container each time), adding containers between levels (untimed). Neither
#    should grow with the count.
#
# Every figure is the median of RUNS runs (default 20) with min-max; `ip netns add/del` are
# never inside a timed span; everything runs in throwaway namespaces, removed on exit.
# Run from the repository root: make && bash bench/scale.sh  (RUNS=3 for a quick look), or via
# `make bench`. Writes $NFB_OUT/scale.dat (default build/bench/): containers setup_median
# setup_min setup_max teardown_median teardown_min teardown_max gone_median.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$NF" ] || { echo "scale: $NF not found: run make first" >&2; exit 1; }
nfb_enter "$@"
nfb_init

PAR=32
LEVELS=(1 100 500)


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

# ---- b. tear-down at scale ----

mkdir -p "$NFB_OUT"
DAT=$NFB_OUT/scale.dat
printf '# containers setup_median setup_min setup_max teardown_median teardown_min teardown_max gone_median\n' \
	>"$DAT"
cat <<EOF
### Tear-down at scale

One container's tear-down (\`poststop\`: until the hook returns, and until its background part
has removed everything, i.e. the state lock is free) and set-up (\`createRuntime\`, after that,
its namespace re-made untimed) while N containers are set up (restricted, 10 rules each; the
set-up makes the N-th again); median (min-max) of $RUNS runs, ms, spread over the containers
present. A set-up that follows a tear-down at once waits for that background part instead.

| containers | set-up ms median (min-max) | tear-down ms, hook returns | tear-down ms, all gone |
| ---: | --- | --- | --- |
EOF

have=0
for level in "${LEVELS[@]}"; do
	# add containers up to the level (untimed)
	for ((; have < level; have++)); do
		nfb_up "$CONF" "c$have" restricted "$NFB_EGRESS10"
	done
	up=() down=() gone=()
	for ((r = 0; r < RUNS; r++)); do
		id=c$((r * level / RUNS)) # spread over the containers present
		mark t0
		nfb_hook poststop "$CONF" "$id"
		mark t1
		nfb_settle
		mark tg
		ip netns del "nfb-$id-$$"
		ip netns add "nfb-$id-$$"
		mark t2
		nfb_hook createRuntime "$CONF" "$id"
		mark t3
		down+=("$(ms "$t0" "$t1")")
		gone+=("$(ms "$t0" "$tg")")
		up+=("$(ms "$t2" "$t3")")
	done
	u=$(printf '%s\n' "${up[@]}")
	d=$(printf '%s\n' "${down[@]}")
	g=$(printf '%s\n' "${gone[@]}")
	printf '| %s | %s | %s | %s |\n' "$level" "$(stats <<<"$u")" "$(stats <<<"$d")" \
		"$(stats <<<"$g")"
	printf '%s %s %s %s %s %s\n' "$level" "$(median <<<"$u")" "$(minmax <<<"$u" | tr - ' ')" \
		"$(median <<<"$d")" "$(minmax <<<"$d" | tr - ' ')" "$(median <<<"$g")" >>"$DAT"
done

# The containers go with their namespaces (lib.sh's cleanup; the kernel deletes their veth
# pairs), the host table and the state directory with the host namespace and $W.
echo
echo "(data: $DAT)"

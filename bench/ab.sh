#!/usr/bin/env bash
# A change against a base build, side by side in one run: the hook's set-up and tear-down
# latency (as the runtime waits for it) of two netfence binaries, interleaved run by run with
# rotating order, for the restricted policy with 10 rules and for internet.
#
#   NF_BASE_BIN=/path/to/old/netfence bash bench/ab.sh      (RUNS=20 by default)
#
# Build the base from a commit in a scratch worktree:
#   git worktree add /tmp/base COMMIT && make -C /tmp/base all
# Not part of `make bench` (it needs the second binary); its table goes to stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
BASE=${NF_BASE_BIN:?NF_BASE_BIN: the base build of netfence to compare against}
nfb_enter "$@"
nfb_init

declare -A BIN=([new]=$NF [base]=$BASE)
for s in new base; do
	nfb_conf "$W/conf-$s.json" 0 "$W/state-$s"
done

one() { # SIDE POLICY ID
	local side=$1 policy=$2 id=$3 t0 t1 t2 egress=
	[ "$policy" = restricted ] && egress=$NFB_EGRESS10
	ip netns add "nfb-$id-$$"
	nfb_bundle "$id" "nfb-$id-$$" "$policy" "$egress"
	mark t0
	NETFENCE_CONFIG=$W/conf-$side.json "${BIN[$side]}" hook createRuntime <"$W/b-$id/state"
	mark t1
	NETFENCE_CONFIG=$W/conf-$side.json "${BIN[$side]}" hook poststop <"$W/b-$id/state"
	mark t2
	flock "$W/state-$side/.lock" true
	ms "$t0" "$t1" >>"$W/$side-$policy-up"
	ms "$t1" "$t2" >>"$W/$side-$policy-down"
	ip netns del "nfb-$id-$$"
}

for p in restricted internet; do
	one new "$p" "warm-new-$p"
	one base "$p" "warm-base-$p"
	for ((r = 0; r < RUNS; r++)); do
		if ((r % 2)); then
			one new "$p" "n$r-$p"
			one base "$p" "b$r-$p"
		else
			one base "$p" "b$r-$p"
			one new "$p" "n$r-$p"
		fi
	done
done

echo "### This build against a base build"
echo
echo "$RUNS interleaved runs each, median (min-max) in ms, process start included."
echo "base: $BASE; new: $NF."
echo
echo "| step | base | new | new - base (medians) |"
echo "| --- | --- | --- | --- |"
for p in restricted internet; do
	for s in up down; do
		b=$(median <"$W/base-$p-$s")
		n=$(median <"$W/new-$p-$s")
		printf '| %s %s | %s | %s | %s |\n' "$p" "$([ $s = up ] && echo set-up || echo tear-down)" \
			"$(stats <"$W/base-$p-$s")" "$(stats <"$W/new-$p-$s")" \
			"$(awk -v a="$n" -v b="$b" 'BEGIN {printf "%+.2f", a - b}')"
	done
done

#!/usr/bin/env bash
# A change against a base build, side by side in one run: the hook's set-up and tear-down
# latency (as the runtime waits for it) of two netfence binaries, interleaved run by run with
# rotating order, for the restricted policy with 10 rules and for internet, as the only
# container and as one of several.
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
# Both sides share the host namespace and its table: each gets its own pool.
nfb_conf "$W/conf-new.json" 0 "$W/state-new"
nfb_conf "$W/c.json" 0 "$W/state-base"
jq '. + {subnet: "10.214.0.0/16"}' "$W/c.json" >"$W/conf-base.json"

one() { # SIDE POLICY ID CASE
	local side=$1 policy=$2 id=$3 case=$4 t0 t1 t2 egress=
	[ "$policy" = restricted ] && egress=$NFB_EGRESS10
	ip netns add "nfb-$id-$$"
	nfb_bundle "$id" "nfb-$id-$$" "$policy" "$egress"
	mark t0
	NETFENCE_CONFIG=$W/conf-$side.json "${BIN[$side]}" hook createRuntime <"$W/b-$id/state"
	mark t1
	NETFENCE_CONFIG=$W/conf-$side.json "${BIN[$side]}" hook poststop <"$W/b-$id/state"
	mark t2
	flock "$W/state-$side/.lock" true
	ms "$t0" "$t1" >>"$W/$side-$policy-up-$case"
	ms "$t1" "$t2" >>"$W/$side-$policy-down-$case"
	ip netns del "nfb-$id-$$"
}

rounds() { # CASE POLICY
	local r
	for ((r = 0; r < RUNS; r++)); do
		if ((r % 2)); then
			one new "$2" "n$r-$2-$1" "$1"
			one base "$2" "b$r-$2-$1" "$1"
		else
			one base "$2" "b$r-$2-$1" "$1"
			one new "$2" "n$r-$2-$1" "$1"
		fi
	done
}

# "only": no other container (the internet policy's first set-up starts the host watcher,
# SPEC addition in README); "several": an internet container of each side stays running.
for p in restricted internet; do
	one new "$p" "warm-new-$p" warm
	one base "$p" "warm-base-$p" warm
	rounds only "$p"
done
for s in new base; do
	ip netns add "nfb-keep-$s-$$"
	nfb_bundle "keep-$s" "nfb-keep-$s-$$" internet
	NETFENCE_CONFIG=$W/conf-$s.json "${BIN[$s]}" hook createRuntime <"$W/b-keep-$s/state"
done
for p in restricted internet; do
	rounds several "$p"
done
for s in new base; do
	NETFENCE_CONFIG=$W/conf-$s.json "${BIN[$s]}" hook poststop <"$W/b-keep-$s/state"
	flock "$W/state-$s/.lock" true
	ip netns del "nfb-keep-$s-$$"
done

echo "### This build against a base build"
echo
echo "$RUNS interleaved runs each, median (min-max) in ms, process start included."
echo "base: $BASE; new: $NF."
echo
echo "| step | base | new | new - base (medians) |"
echo "| --- | --- | --- | --- |"
for c in only several; do
	for p in restricted internet; do
		for s in up down; do
			b=$(median <"$W/base-$p-$s-$c")
			n=$(median <"$W/new-$p-$s-$c")
			printf '| %s %s (%s) | %s | %s | %s |\n' "$p" \
				"$([ $s = up ] && echo set-up || echo tear-down)" \
				"$([ $c = only ] && echo only container || echo one of several)" \
				"$(stats <"$W/base-$p-$s-$c")" "$(stats <"$W/new-$p-$s-$c")" \
				"$(awk -v a="$n" -v b="$b" 'BEGIN {printf "%+.2f", a - b}')"
		done
	done
done

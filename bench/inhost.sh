#!/usr/bin/env bash
# The hook calls of one side of bench/scale.sh, run inside that side's own host namespace
# (scale.sh starts this under nsenter, so neither nsenter nor this script's start is ever in a
# timed span: the spans are taken here, around the hook alone). Never run by hand.
#
#   inhost.sh fill PREFIX FROM TO   set up containers PREFIX<FROM> .. PREFIX<TO-1> (untimed):
#                                   their namespace, then `hook createRuntime`
#   inhost.sh cycle ID              one timed tear-down and set-up of ID; prints
#                                   "set-up tear-down(hook returns) tear-down(all gone)" in ms
#
# Environment: NF_BIN (this side's binary), W (scale.sh's work directory, holding the bundles
# it wrote), NFB_CONF (this side's host configuration), NFB_STATE (its state_dir), NFB_P
# (scale.sh's pid, in every namespace name).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
: "${W:?}" "${NFB_CONF:?}" "${NFB_STATE:?}" "${NFB_P:?}"

case $1 in
fill)
	for ((i = $3; i < $4; i++)); do
		ip netns add "nfb-$2$i-$NFB_P"
		nfb_hook createRuntime "$NFB_CONF" "$2$i" >/dev/null || {
			echo "inhost: set-up of $2$i failed" >&2
			exit 1
		}
	done
	;;
cycle)
	id=$2
	mark t0
	nfb_hook poststop "$NFB_CONF" "$id" >/dev/null
	mark t1
	flock "$NFB_STATE/.lock" true # the background part of the tear-down is done
	mark tg
	ip netns del "nfb-$id-$NFB_P"
	ip netns add "nfb-$id-$NFB_P"
	mark t2
	nfb_hook createRuntime "$NFB_CONF" "$id" >/dev/null
	mark t3
	# shellcheck disable=SC2154 # mark sets them
	echo "$(ms "$t2" "$t3") $(ms "$t0" "$t1") $(ms "$t0" "$tg")"
	;;
*)
	echo "inhost: unknown command '$1'" >&2
	exit 2
	;;
esac

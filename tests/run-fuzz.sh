#!/bin/bash
# netfence: run each given libFuzzer binary for a short while (FUZZ_SECONDS, default 20) on a
# scratch copy of its seed corpus (tests/fuzz/corpus/<name>/), so runs never modify the repo.
# Exits non-zero if any target crashes, leaks, times out or fails to start.
set -u
here=$(cd "$(dirname "$0")" && pwd)
secs=${FUZZ_SECONDS:-20}
status=0

if [ $# -eq 0 ]; then
	echo "usage: $0 FUZZ_BINARY..." >&2
	exit 2
fi
for bin in "$@"; do
	name=$(basename "$bin")
	work=$(mktemp -d "${TMPDIR:-/tmp}/netfence-fuzz-$name.XXXXXX")
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$here/fuzz/corpus/$name" ]; then
		cp -r "$here/fuzz/corpus/$name/." "$work/corpus/"
	fi
	# binary seeds (DNS messages) are kept as hex text, drill -w's format (";" comments)
	for h in "$work/corpus"/*.hex; do
		[ -e "$h" ] || continue
		perl -ne 's/;.*//; s/\s+//g; print pack("H*", $_)' "$h" >"${h%.hex}" && rm -f "$h"
	done
	echo "fuzz: $name for ${secs}s"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n1)
		echo "fuzz: $name ok, ${runs:-?} runs in ${secs}s, no crash ($(grep -c . <(ls "$work/corpus")) corpus files)"
		rm -rf "$work"
	else
		echo "fuzz: $name FAILED; log and crashing input kept in $work" >&2
		tail -n 40 "$work/log" >&2
		status=1
	fi
done
exit $status

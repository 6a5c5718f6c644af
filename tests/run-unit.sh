#!/usr/bin/env bash
# Run cmocka unit binaries and count their tests. A binary that crashes or exits non-zero
# without reporting a failure counts as one failed test. A test that cannot run here (no root,
# no kernel support) calls cmocka's skip() and is counted as skipped, never as passed.
# Usage: tests/run-unit.sh BINARY...   (NF_COUNTS=FILE: also write "passed=N failed=N skipped=N")
set -uo pipefail

passed=0
failed=0
skipped=0
for bin in "$@"; do
	echo "== unit: $bin"
	log=$(mktemp)
	rc=0
	timeout 300 "$bin" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
	rm -f "$log"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "== unit: $bin exited with status $rc (crash or abort): counted as a failure"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo "unit: $passed passed, $failed failed, $skipped skipped"
if [ -n "${NF_COUNTS:-}" ]; then
	printf 'passed=%d\nfailed=%d\nskipped=%d\n' "$passed" "$failed" "$skipped" >"$NF_COUNTS"
fi
[ "$failed" -eq 0 ]

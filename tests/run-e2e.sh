#!/usr/bin/env bash
# Run the bats end-to-end tests (TAP) and count ok / not ok / skip.
# NF_E2E_FILES: globs of files under tests/e2e, separated by spaces (default *.bats);
# NF_E2E_FILTER: a regex on test names (bats --filter).
# NF_COUNTS=FILE: also write "passed=N failed=N skipped=N".
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
files=()
for pat in ${NF_E2E_FILES:-*.bats}; do
	for f in tests/e2e/$pat; do
		[ -f "$f" ] && files+=("$f")
	done
done

passed=0
failed=0
skipped=0
if [ "$(id -u)" -ne 0 ]; then
	echo "e2e: needs root (network namespaces, runc)"
	failed=1
elif [ ${#files[@]} -eq 0 ]; then
	echo "e2e: no test files"
else
	args=(--tap)
	[ -n "${NF_E2E_FILTER:-}" ] && args+=(--filter "$NF_E2E_FILTER")
	log=$(mktemp)
	rc=0
	bats "${args[@]}" "${files[@]}" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
	skipped=$(grep -cE '^ok [0-9]+ .*# skip' "$log")
	passed=$(grep -E '^ok [0-9]+' "$log" | grep -cvE '# skip')
	failed=$(grep -cE '^not ok [0-9]+' "$log")
	rm -f "$log"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "e2e: bats exited with status $rc without a failed test: counted as a failure"
		failed=1
	fi
fi
echo "e2e: $passed passed, $failed failed, $skipped skipped"
if [ -n "${NF_COUNTS:-}" ]; then
	printf 'passed=%d\nfailed=%d\nskipped=%d\n' "$passed" "$failed" "$skipped" >"$NF_COUNTS"
fi
[ "$failed" -eq 0 ]

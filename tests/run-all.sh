#!/usr/bin/env bash
# Everything `make check` runs: unit tests, the format check, the end-to-end tests.
# Usage: tests/run-all.sh UNIT_BINARY...   Last line: "N passed, N failed, N skipped".
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2

# Stale test namespaces of an earlier, interrupted run (names made by tests/e2e/helpers.bash):
# kill the processes left in them, by pid, then delete them.
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^nft-(host|world|c)' || true); do
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	ip netns del "$ns" 2>/dev/null || true
	echo "removed stale test namespace $ns"
done

# Temp dirs of interrupted runs: kill their containers' processes by pid (no runtime delete: its
# poststop hook would run outside the test namespaces), then remove the files.
for d in /tmp/nf-e2e.*; do
	[ -d "$d" ] || continue
	for rt in runc crun; do
		[ -d "$d/$rt" ] || continue
		for id in $($rt --root "$d/$rt" list -q 2>/dev/null); do
			pid=$($rt --root "$d/$rt" state "$id" 2>/dev/null | jq -r '.pid // 0' 2>/dev/null)
			[ "${pid:-0}" -gt 0 ] 2>/dev/null && kill -9 "$pid" 2>/dev/null
		done
	done
	for m in $(findmnt -rn -o TARGET | grep "^$d/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$d"
	echo "removed stale test directory $d"
done

counts=$(mktemp -d)
trap 'rm -rf "$counts"' EXIT
passed=0
failed=0
skipped=0

add_counts() {
	local f=$1 p=0 fl=0 s=0
	if [ -f "$f" ]; then
		p=$(sed -n 's/^passed=//p' "$f")
		fl=$(sed -n 's/^failed=//p' "$f")
		s=$(sed -n 's/^skipped=//p' "$f")
	else
		fl=1 # the runner died before it could count
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${fl:-0}))
	skipped=$((skipped + ${s:-0}))
}

echo "=== unit tests"
NF_COUNTS=$counts/unit bash tests/run-unit.sh "$@"
add_counts "$counts/unit"

echo "=== format check"
if make --no-print-directory format-check; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "=== layers and cycles (includes and symbols)"
if make --no-print-directory check-includes; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "=== selinux module builds"
if make --no-print-directory selinux >/dev/null; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "=== fuzz smoke (each parser's libFuzzer target, briefly)"
if FUZZ_SECONDS=${FUZZ_SECONDS:-5} make --no-print-directory fuzz; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "=== end-to-end tests"
NF_COUNTS=$counts/e2e bash tests/run-e2e.sh
add_counts "$counts/e2e"

# skipped: unit tests that could not run here (cmocka skip(), e.g. no root) and bats `skip`s
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

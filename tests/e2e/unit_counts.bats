#!/usr/bin/env bats
# Test honesty (issue 9, item 6): a unit test that cannot run here is reported skipped and
# counted, never passed by returning early. Runs tests/run-unit.sh as an unprivileged user over
# the unit binaries that need root (build them first: make build/unit/test_link ...).

load helpers

UNIT_BINS="test_link test_nft test_caps"

@test "run-unit.sh: kernel tests run unprivileged are counted as skipped" {
	local b bins=() counts
	for b in $UNIT_BINS; do
		[ -x "$NF_ROOT/build/unit/$b" ] || skip "build/unit/$b not built"
		bins+=("$NF_ROOT/build/unit/$b")
	done
	command -v setpriv >/dev/null || skip "setpriv not installed"
	counts=$(mktemp)
	chmod 0666 "$counts"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		env NF_COUNTS="$counts" bash "$NF_ROOT/tests/run-unit.sh" "${bins[@]}"
	echo "$output" | grep -E '^unit:|SKIPPED \] [0-9]|root'
	local skipped failed
	skipped=$(sed -n 's/^skipped=//p' "$counts")
	failed=$(sed -n 's/^failed=//p' "$counts")
	rm -f "$counts"
	[ "$status" -eq 0 ]
	[ "$failed" -eq 0 ]
	# test_link's 12, test_nft's 6 kernel tests and test_caps' 5 at least
	[ "$skipped" -ge 23 ]
	[[ ${lines[-1]} =~ ^unit:\ [0-9]+\ passed,\ 0\ failed,\ $skipped\ skipped$ ]]
}

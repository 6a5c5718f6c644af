#!/usr/bin/env bash
# Fail on a dependency cycle between the modules of the production code. A module is a .c file
# and its .h (hook/policy.c + hook/policy.h = hook/policy).
#  1. include edges: every #include "..." of hook/, runtime-spec/, selinux/ (always);
#  2. link edges: an object that uses a symbol another object defines (nm), when objects are
#     given as arguments (`make check-includes` passes build/obj/...; mains excluded).
# Prints the edges' count and either "no cycle" or the modules of each cycle (tsort), exit 1.
# Usage: tests/tools/include-cycles.sh [OBJECT.o...]
set -uo pipefail
cd "$(dirname "$0")/../.."

edges=$(mktemp)
trap 'rm -f "$edges" "$edges".*' EXIT

for f in hook/*.[ch] runtime-spec/*.[ch] selinux/*.[ch]; do
	dir=${f%/*}
	from=${f%.*}
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r inc; do
			to=$(realpath -m --relative-to=. "$dir/$inc")
			to=${to%.*}
			[ "$to" != "$from" ] && echo "$from $to"
		done
done | sort -u >"$edges.inc"

rc=0
check() { # name file
	local n loops
	n=$(wc -l <"$2")
	loops=$(tsort "$2" 2>&1 >/dev/null | grep -v 'input contains a loop:$' || true)
	if [ -n "$loops" ]; then
		echo "$1: $n edges, CYCLE through:"
		echo "$loops" | sed 's/^tsort: /  /'
		rc=1
	else
		echo "$1: $n edges, no cycle"
	fi
}
check "include graph" "$edges.inc"

if [ $# -gt 0 ]; then
	for o in "$@"; do
		m=${o#*/obj/}
		m=${m%.o}
		nm -g --defined-only "$o" | awk -v m="$m" 'NF == 3 { print $3, m }'
	done | sort -u >"$edges.def"
	for o in "$@"; do
		m=${o#*/obj/}
		m=${m%.o}
		nm -u "$o" | awk -v m="$m" '{ print $2, m }'
	done | sort -u >"$edges.use"
	awk 'NR == FNR { d[$1] = $2; next } ($1 in d) && d[$1] != $2 { print $2, d[$1] }' \
		"$edges.def" "$edges.use" | sort -u >"$edges.link"
	check "link graph" "$edges.link"
fi
exit $rc

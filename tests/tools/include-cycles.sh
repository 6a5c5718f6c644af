#!/usr/bin/env bash
# Fail on a dependency cycle between the modules of the production code, or on an include that
# goes up the layers. A module is a .c file and its .h (lib/policy/policy.c + .h).
#  0. layers, lowest first: lib/base, runtime-spec and selinux, lib/policy, lib/kernel,
#     lib/state, lib/fence, resolver, hook; a file includes headers of its own layer or lower ones;
#  1. include edges: every #include "..." of the production code (always);
#  2. link edges: an object that uses a symbol another object defines (nm), when objects are
#     given as arguments (`make check-includes` passes build/obj/...; mains excluded).
# Prints the edges' count and either "no cycle" or the modules of each cycle (tsort), exit 1.
# Usage: tests/tools/include-cycles.sh [OBJECT.o...]
set -uo pipefail
cd "$(dirname "$0")/../.."

edges=$(mktemp)
trap 'rm -f "$edges" "$edges".*' EXIT

DIRS=(lib/base runtime-spec selinux lib/policy lib/kernel lib/state lib/fence resolver hook)
declare -A RANK=([lib/base]=0 [runtime-spec]=1 [selinux]=1 [lib/policy]=2 [lib/kernel]=3
	[lib/state]=4 [lib/fence]=5 [resolver]=6 [hook]=7)
rc=0
for f in $(for d in "${DIRS[@]}"; do ls "$d"/*.[ch]; done); do
	dir=${f%/*}
	from=${f%.*}
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		to=
		for d in "$dir" "${DIRS[@]}"; do
			[ -e "$d/$inc" ] && { to=$d/$inc; break; }
		done
		[ -n "$to" ] || { echo "$f: #include \"$inc\" not found" >>"$edges.bad"; continue; }
		[ "${RANK[${to%/*}]}" -le "${RANK[$dir]}" ] ||
			echo "$f: includes $to, a higher layer" >>"$edges.bad"
		to=${to%.*}
		[ "$to" != "$from" ] && echo "$from $to"
	done
done | sort -u >"$edges.inc"
if [ -s "$edges.bad" ]; then
	cat "$edges.bad"
	rc=1
else
	echo "layers: no include goes up"
fi

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
	while read -r from to; do
		[ "${RANK[${to%/*}]}" -le "${RANK[${from%/*}]}" ] ||
			echo "$from uses a symbol of $to, a higher layer"
	done <"$edges.link" >"$edges.up"
	if [ -s "$edges.up" ]; then
		cat "$edges.up"
		rc=1
	else
		echo "layers: no object uses a higher layer"
	fi
fi
exit $rc

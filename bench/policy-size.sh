#!/usr/bin/env bash
# Policy size: how the hook's set-up and tear-down scale with the number of rules.
#
# For a restricted policy with 10 rules (NFB_EGRESS10) and host profiles with 1,000, 10,000 and
# 100,000 distinct, non-adjacent /24 CIDR rules, measures
#   - set-up: wall time of one `netfence hook createRuntime` process (exec included),
#   - tear-down: wall time of one `netfence hook poststop` process,
#   - peak RSS of the hook (an extra untimed run under /usr/bin/time, which adds ~1 ms),
# against `nft -f` loading the same tables (the host table and the container's table, as
# dumped after the first set-up, in one file) into a fresh namespace. Hook and nft -f runs are
# interleaved (hook, nft -f, hook, ...); every figure is the median of RUNS runs with min-max.
# `ip netns add/del` are never inside a timed span. Everything runs in throwaway namespaces.
#
# Run from the repository root: make && bash bench/policy-size.sh  (RUNS=20 by default;
# RUNS=3 for a quick look), or via `make bench`. Writes $NFB_OUT/policy-size.dat
# (default build/bench/): rules setup_median setup_min setup_max nft_median nft_min nft_max rss_mib.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$NF" ] || { echo "policy-size: $NF not found: run make first" >&2; exit 1; }
nfb_enter "$@"
nfb_init


CTR=nfb-ps-$$  # the container's namespace (bundle "ps")
NFTNS=nfb-nft-$$ # nft -f loads into this one

mkdir -p "$NFB_OUT"
DAT=$NFB_OUT/policy-size.dat
printf '# rules setup_median setup_min setup_max nft_median nft_min nft_max rss_mib\n' >"$DAT"

NFTV=$(nft --version | awk '{print $1, $2}')
cat <<EOF
### Policy size

Set-up (\`netfence hook createRuntime\`, exec included) and tear-down (\`poststop\`) wall time
of the hook against \`nft -f\` loading the same two tables (host and container, dumped after a
first set-up, one file) into a fresh namespace, interleaved; median (min-max) of $RUNS runs, ms.
The host table's skeleton exists (an untimed first set-up made it); peak RSS of the hook in that
first set-up and tear-down. Tear-down: until the hook returns (the default background mode);
each set-up starts after the previous tear-down's background part is done.
$(nproc) cores, kernel $(uname -r), $NFTV.

| rules | set-up ms median (min-max) | nft -f ms | set-up / nft -f | tear-down ms | peak RSS MiB |
| ---: | --- | --- | ---: | --- | ---: |
EOF

# run_case RULES CONF POLICY [EGRESS]
run_case() {
	local rules=$1 conf=$2 policy=$3 egress=${4:-}
	local setup=() teardown=() nftt=() r t0 t1 t2 t3 t4 rss_up rss_down rss

	# Warm-up, untimed: the host skeleton (made once per host, never in a timed run), the page
	# cache, the two tables for nft -f, and the peak RSS.
	ip netns add "$CTR"
	nfb_bundle ps "$CTR" "$policy" "$egress"
	NETFENCE_CONFIG=$conf /usr/bin/time -f %M -o "$W/rss.up" "$NF" hook createRuntime \
		<"$W/b-ps/state"
	nft list ruleset >"$W/host.nft"
	nsenter --net=/run/netns/"$CTR" nft list ruleset >"$W/ctr.nft"
	NETFENCE_CONFIG=$conf /usr/bin/time -f %M -o "$W/rss.down" "$NF" hook poststop \
		<"$W/b-ps/state"
	ip netns del "$CTR"
	rss_up=$(tail -1 "$W/rss.up")
	rss_down=$(tail -1 "$W/rss.down")
	rss=$(awk -v a="$rss_up" -v b="$rss_down" 'BEGIN {printf "%.1f", (a > b ? a : b) / 1024}')
	# both tables in one file, so one nft process loads them as the hook's one process does
	sed 's/^table inet netfence {/table inet netfence_ctr {/' "$W/ctr.nft" | cat "$W/host.nft" - \
		>"$W/both.nft"
	if [ "$(grep -c '^table ' "$W/both.nft")" != 2 ] ||
		[ "$(grep -c '^table inet netfence_ctr {' "$W/both.nft")" != 1 ]; then
		echo "policy-size: expected one host and one container table in the dumps:" >&2
		grep '^table ' "$W/both.nft" >&2
		exit 1
	fi

	for ((r = 0; r < RUNS; r++)); do
		ip netns add "$CTR"
		mark t0
		nfb_hook createRuntime "$conf" ps
		mark t1
		nfb_hook poststop "$conf" ps
		mark t2
		nfb_settle # the next set-up would wait for the background part
		ip netns del "$CTR"

		ip netns add "$NFTNS"
		mark t3
		nsenter --net=/run/netns/"$NFTNS" nft -f "$W/both.nft"
		mark t4
		ip netns del "$NFTNS"

		setup+=("$(ms "$t0" "$t1")")
		teardown+=("$(ms "$t1" "$t2")")
		nftt+=("$(ms "$t3" "$t4")")
	done

	local s n d
	s=$(printf '%s\n' "${setup[@]}")
	n=$(printf '%s\n' "${nftt[@]}")
	d=$(printf '%s\n' "${teardown[@]}")
	printf '| %s | %s | %s | %s | %s | %s |\n' "$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$rules")" \
		"$(stats <<<"$s")" "$(stats <<<"$n")" "$(ratio "$(median <<<"$s")" "$(median <<<"$n")")" \
		"$(stats <<<"$d")" "$rss"
	printf '%s %s %s %s %s\n' "$rules" "$(median <<<"$s")" "$(minmax <<<"$s" | tr - ' ')" \
		"$(median <<<"$n")" "$(minmax <<<"$n" | tr - ' ') $rss" >>"$DAT"
}

nfb_conf "$W/small.json"
run_case 10 "$W/small.json" restricted "$NFB_EGRESS10"
for n in 1000 10000 100000; do
	nfb_conf "$W/big.json" "$n"
	run_case "$n" "$W/big.json" big
done
echo
echo "(data: $DAT)"

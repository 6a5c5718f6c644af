#!/usr/bin/env bash
# `make bench`: every benchmark in turn, then the plots. Markdown results go to stdout and to
# $NFB_OUT/results.md; data files and PNG plots to $NFB_OUT (default build/bench). Nothing here
# is part of `make check`. RUNS (default 20) sets the runs per figure; NFB_ONLY="peers traffic"
# runs a subset. NF_BASE_BIN=/path/to/an/older/netfence adds that build beside this one in
# bench/scale.sh's host-table figures (1, 100, 1000 containers: LEVELS="1 100 1000").
# bench/observe.sh: what logging and io.netfence.rate cost accepted traffic (section 12).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUNS=${RUNS:-20}
export NFB_OUT=${NFB_OUT:-$PWD/build/bench}
mkdir -p "$NFB_OUT"
only=${NFB_ONLY:-peers policy-size traffic scale resolver observe}

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
{
	echo "# netfence benchmarks"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' \
		/proc/meminfo), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release), kernel $(uname -r);" \
		"netfence $(build/netfence --version 2>/dev/null | awk '{print $NF}'), nft $(pkgver nftables)," \
		"libnftnl $(pkgver libnftnl11), netavark $(pkgver netavark), CNI plugins" \
		"$(pkgver containernetworking-plugins), iptables $(pkgver iptables), iperf3 $(pkgver iperf3)."
	echo "Each figure: median (min-max) of $RUNS runs; compared sides interleaved in one run."
	echo
} | tee "$NFB_OUT/results.md"

t0=$(date +%s)
for b in $only; do
	echo "bench: $b ..." >&2
	bash "bench/$b.sh" | tee -a "$NFB_OUT/results.md"
	echo | tee -a "$NFB_OUT/results.md"
done
echo "bench: done in $(($(date +%s) - t0)) s" >&2

if command -v gnuplot >/dev/null; then
	(cd "$NFB_OUT" && gnuplot "$OLDPWD/bench/plots.gp") &&
		echo "bench: plots in $NFB_OUT/*.png" >&2
fi

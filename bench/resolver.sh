#!/usr/bin/env bash
# The resolver (SPEC section 10, `netfence resolver`): what answering a container's DNS costs.
#
# a. Added latency per query: build/probe dnsbench (Q lookups one after another, a socket each,
#    as a stub resolver asks) from a container in live mode (its DNS answered by the resolver,
#    which checks the name, forwards it to the upstream and opens the answer, kernel-acked,
#    before replying) against the same client in the host namespace asking the upstream
#    directly; p50 and p99 per round, RUNS rounds interleaved. The direct side skips the
#    container's veth hop as well, so the difference is an upper bound of what the resolver adds.
# b. Set-up latency: `netfence hook createRuntime` of a restricted container (NFB_EGRESS10)
#    in live mode (the DNS redirect, the learned sets and the registration with the resolver)
#    against the same set-up with "dns_names": "static", interleaved, RUNS runs each.
# c. Queries per second on one core: dnsperf (QPS_SECS s, 20 clients, 100 outstanding) from one
#    container while LEVEL (1,000) containers are registered, the resolver pinned to CPU 0,
#    against dnsmasq (dnsmasq-base) doing the same job pinned to CPU 0: forward only the allowed
#    names (--server=/bench.test/), answer the rest from nowhere (--address=/#/), add every
#    answered address to an nftables set with a timeout (--nftset), no cache (the resolver has
#    none: every answer must open its addresses again). dnsperf and the upstream share the other
#    CPUs. The names: NAMES (100) names under bench.test, each with an address of its own.
# d. Resolver memory: VmRSS (and VmHWM) once LEVEL containers are registered, and after each of
#    them looked up the NAMES names (LEVEL x NAMES learned names).
#
# The LEVEL containers are real set-ups (`ip netns add` and the hook, as bench/scale.sh does),
# so registration is what a runtime's set-up does. Everything runs in throwaway namespaces: the
# bench's host namespace, a world namespace holding the upstream (probe serve dns, a zone
# file) on 198.51.100.53 (the host configuration's resolver, lib.sh nfb_conf), the containers.
# Run from the repository root: make all build/probe && bash bench/resolver.sh (RUNS=3
# LEVEL=100 for a quick look), or via `make bench`. Writes $NFB_OUT/resolver.dat.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$NF" ] || { echo "resolver: $NF not found: run make first" >&2; exit 1; }
PROBE=${NF_PROBE:-$PWD/build/probe}
[ -x "$PROBE" ] || { echo "resolver: $PROBE not found: run make build/probe" >&2; exit 1; }
for c in dnsperf dnsmasq taskset; do
	command -v "$c" >/dev/null || { echo "resolver: $c not installed" >&2; exit 1; }
done
nfb_enter "$@"
nfb_init

LEVEL=${LEVEL:-1000}
NAMES=${NAMES:-100}
Q=${Q:-1000}
QPS_SECS=${QPS_SECS:-5}
UP=198.51.100.53 # the upstream (nfb_conf's "dns")
DM_PORT=5300     # dnsmasq, on 127.0.0.1 in the host namespace
WORLD=nfb-world-$$
NCPU=$(nproc)
case $NCPU in
1) OTHER_CPUS=0 ;;
2) OTHER_CPUS=1 ;;
*) OTHER_CPUS=1-$((NCPU - 1)) ;;
esac
# the resolver's sockets for 1,000 containers (it inherits the hook's limit): soft up to hard
ulimit -n "$(ulimit -Hn)"

PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}" $(cat "$W/state/resolver.pid" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	nfb_cleanup
}
trap stop_all EXIT

# ---- the world: the upstream, NAMES names each with its own address ----
ip netns add "$WORLD"
ip -n "$WORLD" link set lo up
nfb_uplink "$WORLD" "nfb-host-$NFB_PARENT" 0
ip -n "$WORLD" addr add "$UP/32" dev lo
for ((i = 0; i < NAMES; i++)); do
	echo "n$i.bench.test A 198.18.$((i / 250)).$((i % 250 + 1)) 300"
	echo "n$i.bench.test A" >>"$W/names"
done >"$W/zone"
taskset -c "$OTHER_CPUS" nsenter --net="/run/netns/$WORLD" "$PROBE" serve dns "$UP" 53 \
	--zone "$W/zone" >"$W/up.out" 2>&1 </dev/null &
PIDS+=($!)
nfb_wait_for 250 grep -q listening "$W/up.out" || {
	echo "resolver: upstream: $(cat "$W/up.out")" >&2
	exit 1
}

# ---- host configurations: live (the bounds raised: a benchmark, not a container) and static ----
nfb_conf "$W/base.json"
jq '. + {dns_max_qps: 100000, dns_max_names: 100000}' "$W/base.json" >"$W/live.json"
jq '. + {dns_names: "static"}' "$W/base.json" >"$W/static.json"

DAT=$NFB_OUT/resolver.dat
mkdir -p "$NFB_OUT"
: >"$DAT"
res_pid() { cat "$W/state/resolver.pid" 2>/dev/null; }
resolver_up() {
	local p
	p=$(res_pid) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}
# nfb_up with the container's loopback up (as every runtime leaves it)
up() { # CONF ID POLICY [EGRESS]
	ip netns add "nfb-$2-$$" || return 1
	ip -n "nfb-$2-$$" link set lo up
	nfb_bundle "$2" "nfb-$2-$$" "$3" "${4:-}"
	nfb_hook createRuntime "$1" "$2"
}

# The first live set-up starts the resolver (untimed: warm-up of everything).
RES_OK=1
RES_WHY=
if ! up "$W/live.json" c0 restricted '*.bench.test:443' 2>"$W/c0.err"; then
	RES_OK=0
	RES_WHY="live set-up failed: $(head -c 300 "$W/c0.err")"
elif ! nfb_wait_for 100 resolver_up; then
	RES_OK=0
	RES_WHY="no resolver running after a live set-up ($W/state/resolver.pid)"
fi
[ "$RES_OK" = 1 ] || echo "resolver: $RES_WHY; measuring the other side only" >&2

# ---- a. latency ----
lat_res=() lat_dir=() p99_res=() p99_dir=()
# lat NS|"" : one dnsbench round; prints "p50 p99" in microseconds
lat() {
	local out
	if [ -n "$1" ]; then
		out=$(nfb_inns "$1" "$PROBE" dnsbench "$UP" n1.bench.test "$Q" 2000)
	else
		out=$("$PROBE" dnsbench "$UP" n1.bench.test "$Q" 2000)
	fi
	awk '{for (i = 1; i < NF; i++) {if ($i == "p50") a = $(i+1); if ($i == "p99") b = $(i+1)}}
		END {sub("us", "", a); sub("us", "", b); print a, b}' <<<"$out"
}
for ((r = 0; r < RUNS; r++)); do
	read -r a b < <(lat "")
	lat_dir+=("$a")
	p99_dir+=("$b")
	if [ "$RES_OK" = 1 ]; then
		read -r a b < <(lat "nfb-c0-$$")
		lat_res+=("$a")
		p99_res+=("$b")
	fi
done
us_stats() { local v; v=$(printf '%s\n' "$@"); stats <<<"$v"; }

cat <<EOF
### The resolver

$(nproc) cores, kernel $(uname -r), $(dnsmasq --version | head -1 | awk '{print $1, $2, $3}'),
dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ {print $2}'). Upstream: probe's zone-file server in a
world namespace ($NAMES names). Each figure: median (min-max) of $RUNS runs.
EOF
[ "$RES_OK" = 1 ] || printf '\n**Resolver side not measured**: %s\n' "$RES_WHY"
cat <<EOF

Latency per query ($Q sequential lookups a round, a socket each, microseconds; direct: the same
client in the host namespace asking the upstream, no veth hop):

| path | p50 us | p99 us |
| --- | --- | --- |
EOF
printf '| direct to the upstream | %s | %s |\n' "$(us_stats "${lat_dir[@]}")" \
	"$(us_stats "${p99_dir[@]}")"
if [ "$RES_OK" = 1 ]; then
	printf '| container, through the resolver | %s | %s |\n' "$(us_stats "${lat_res[@]}")" \
		"$(us_stats "${p99_res[@]}")"
	printf '| added (medians) | %s | %s |\n' \
		"$(awk -v a="$(us_stats "${lat_res[@]}" | cut -d' ' -f1)" \
			-v b="$(us_stats "${lat_dir[@]}" | cut -d' ' -f1)" 'BEGIN {print a - b}')" \
		"$(awk -v a="$(us_stats "${p99_res[@]}" | cut -d' ' -f1)" \
			-v b="$(us_stats "${p99_dir[@]}" | cut -d' ' -f1)" 'BEGIN {print a - b}')"
fi
{
	echo "# latency_us direct_p50 direct_p99 resolver_p50 resolver_p99 (medians)"
	echo "latency $(median < <(printf '%s\n' "${lat_dir[@]}")) $(median < <(printf '%s\n' \
		"${p99_dir[@]}")) ${lat_res:+$(median < <(printf '%s\n' "${lat_res[@]}"))} \
		${p99_res:+$(median < <(printf '%s\n' "${p99_res[@]}"))}"
} >>"$DAT"

# ---- b. set-up latency, live against static ----
if [ "$RES_OK" = 1 ]; then
	su_live=() su_static=()
	for ((r = 0; r < RUNS; r++)); do
		for mode in live static; do
			ip netns add "nfb-s-$$"
			ip -n "nfb-s-$$" link set lo up
			nfb_bundle s "nfb-s-$$" restricted "$NFB_EGRESS10"
			mark t0
			nfb_hook createRuntime "$W/$mode.json" s
			mark t1
			nfb_hook poststop "$W/$mode.json" s
			nfb_settle
			ip netns del "nfb-s-$$"
			if [ "$mode" = live ]; then
				su_live+=("$(ms "$t0" "$t1")")
			else
				su_static+=("$(ms "$t0" "$t1")")
			fi
		done
	done
	cat <<EOF

Set-up (\`netfence hook createRuntime\`, exec included, restricted with 10 rules), ms:

| mode | set-up ms | added |
| --- | --- | ---: |
EOF
	printf '| dns_names static | %s | |\n' "$(us_stats "${su_static[@]}")"
	printf '| live (the resolver) | %s | %s |\n' "$(us_stats "${su_live[@]}")" \
		"$(awk -v a="$(median < <(printf '%s\n' "${su_live[@]}"))" \
			-v b="$(median < <(printf '%s\n' "${su_static[@]}"))" 'BEGIN {printf "%.2f", a - b}')"
	echo "setup_ms $(median < <(printf '%s\n' "${su_static[@]}")) $(median < \
		<(printf '%s\n' "${su_live[@]}"))" >>"$DAT"
fi

# ---- c. queries per second, LEVEL containers registered; dnsmasq ----
# dnsperf_qps CPUS ARGS...: the "Queries per second" of one dnsperf run (lost queries too)
dnsperf_qps() {
	local cpus=$1 out
	shift
	out=$(taskset -c "$cpus" "$@" -d "$W/names" -l "$QPS_SECS" -c 20 -q 100 2>&1) || true
	awk '/Queries per second/ {q = $4} /Queries lost/ {l = $3}
		END {printf "%.0f %d\n", q, l}' <<<"$out"
}

qps_res=() qps_dm=() lost_res=0 lost_dm=0
if [ "$RES_OK" = 1 ]; then
	t0=$SECONDS
	for ((i = 1; i < LEVEL; i++)); do
		up "$W/live.json" "c$i" restricted '*.bench.test:443' 2>>"$W/errors" ||
			echo "resolver: set-up c$i failed: $(tail -1 "$W/errors")" >&2
	done
	echo "resolver: $LEVEL containers set up in $((SECONDS - t0)) s" >&2
	RPID=$(res_pid)
	taskset -a -pc 0 "$RPID" >/dev/null
	rss_reg=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$RPID/status")
fi

# dnsmasq doing the same job: an nftables set with a timeout, filled from every answer
nft add table inet nfbdm
nft add set inet nfbdm dyn4 '{ type ipv4_addr; flags timeout; timeout 60s; }'
taskset -c 0 dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --cache-size=0 \
	--listen-address=127.0.0.1 --bind-interfaces --port="$DM_PORT" --user=root \
	--pid-file="$W/dnsmasq.pid" --server=/bench.test/"$UP" --address=/#/ \
	--nftset=/bench.test/4#inet#nfbdm#dyn4 >"$W/dnsmasq.out" 2>&1 </dev/null &
PIDS+=($!)
nfb_wait_for 250 "$PROBE" dns 127.0.0.1 n1.bench.test 500 --port "$DM_PORT" || {
	echo "resolver: dnsmasq does not answer: $(cat "$W/dnsmasq.out")" >&2
	exit 1
}
# the same job: other names are answered (NXDOMAIN) without asking the upstream
rc=0
"$PROBE" dns 127.0.0.1 secret.exfil.test 500 --port "$DM_PORT" >/dev/null || rc=$?
[ "$rc" -eq 3 ] || { echo "resolver: dnsmasq answered another name with exit $rc" >&2; exit 1; }
for ((r = 0; r < RUNS; r++)); do
	read -r q l < <(dnsperf_qps "$OTHER_CPUS" dnsperf -s 127.0.0.1 -p "$DM_PORT")
	qps_dm+=("$q")
	lost_dm=$((lost_dm + l))
	if [ "$RES_OK" = 1 ]; then
		read -r q l < <(dnsperf_qps "$OTHER_CPUS" nsenter --net="/run/netns/nfb-c0-$$" \
			dnsperf -s "$UP")
		qps_res+=("$q")
		lost_res=$((lost_res + l))
	fi
done
dm_set=$(nft list set inet nfbdm dyn4 | grep -oE '198\.18\.[0-9]+\.[0-9]+' | sort -u | wc -l)
cat <<EOF

Queries per second on one core (CPU 0: the resolver or dnsmasq; dnsperf and the upstream on
CPU $OTHER_CPUS), dnsperf $QPS_SECS s a run, 20 clients, 100 queries outstanding, $NAMES names;
queries lost summed over the runs. dnsmasq: no cache, --nftset into a set with a 60 s timeout
($dm_set addresses in it afterwards).

| server | queries/s | lost |
| --- | --- | ---: |
EOF
printf '| dnsmasq --nftset | %s | %s |\n' "$(us_stats "${qps_dm[@]}")" "$lost_dm"
if [ "$RES_OK" = 1 ]; then
	printf '| netfence resolver, %s containers registered | %s | %s |\n' "$LEVEL" \
		"$(us_stats "${qps_res[@]}")" "$lost_res"
	echo "qps $(median < <(printf '%s\n' "${qps_dm[@]}")) $(median < \
		<(printf '%s\n' "${qps_res[@]}"))" >>"$DAT"
else
	echo "qps $(median < <(printf '%s\n' "${qps_dm[@]}"))" >>"$DAT"
fi

# ---- d. memory: every container looks up every name ----
if [ "$RES_OK" = 1 ]; then
	t0=$SECONDS
	fails=0
	for ((i = 0; i < LEVEL; i++)); do
		out=$(nfb_inns "nfb-c$i-$$" dnsperf -s "$UP" -d "$W/names" -n 1 -c 1 -q 20 2>&1) || true
		grep -qE 'Queries completed: +'"$NAMES"' ' <<<"$out" || fails=$((fails + 1))
	done
	echo "resolver: $((LEVEL * NAMES)) lookups in $((SECONDS - t0)) s" >&2
	rss_all=$(awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$RPID/status")
	hwm=$(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$RPID/status")
	cat <<EOF

Resolver memory (VmRSS, MiB): $rss_reg with $LEVEL containers registered; $rss_all after each
looked up its $NAMES names ($((LEVEL * NAMES)) learned names; containers whose lookups were not
all answered: $fails); peak (VmHWM) $hwm.
EOF
	echo "rss_mib $LEVEL $rss_reg $rss_all $hwm" >>"$DAT"
fi
echo
echo "(data: $DAT)"

#!/usr/bin/env bash
# Metrics (SPEC section 11): the time of one scrape with N containers set up (LEVELS, default
# "100 1000"; restricted, 10 rules each, wire mode): `netfence metrics` (the whole process: start,
# state files, every container's counters) and GET /metrics from the resolver's metrics_listen
# (the span the resolver's loop is busy with it, during which DNS waits), median (min-max) of
# RUNS each, and the size of the text. Everything in a throwaway host namespace (nfb_enter).
# Run from the repository root: make all && bash bench/metrics.sh (RUNS=5 LEVELS="10 100").
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$NF" ] || { echo "metrics: $NF not found: run make first" >&2; exit 1; }
RES=${NF_RESOLVER_BIN:-$(dirname "$NF")/netfence-resolver}
nfb_enter "$@"
nfb_init
read -r -a LEVELS <<<"${LEVELS:-100 1000}"

PORT=9713
CONF=$W/conf.json
printf '{"state_dir": "%s", "dns": ["198.51.100.53"], "metrics_listen": "127.0.0.1:%d", "resolver_log": "%s/resolver.log"}\n' \
	"$W/state" "$PORT" "$W" >"$CONF"
mkdir -p "$W/state"
RPID=
trap '[ -z "$RPID" ] || { kill "$RPID" && wait "$RPID"; } 2>/dev/null; nfb_cleanup' EXIT
"$RES" --config "$CONF" </dev/null >/dev/null 2>&1 &
RPID=$!
nfb_wait_for 250 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" || {
	echo "metrics: the resolver does not listen on $PORT: $(cat "$W/resolver.log")" >&2
	exit 1
}

# one scrape: the body to $W/body
scrape() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	cat <&3 >"$W/body"
	exec 3<&-
}

cat <<EOF
### One scrape

\`netfence metrics\` (the process) and GET /metrics from the resolver (metrics_listen: the time
its loop is busy, DNS waiting) with N containers set up (restricted, 10 rules, wire mode);
median (min-max) of $RUNS scrapes each. $(nproc) cores, kernel $(uname -r).

| containers | netfence metrics ms | GET /metrics ms | series | bytes |
| ---: | --- | --- | ---: | ---: |
EOF
n=0
for level in "${LEVELS[@]}"; do
	while ((n < level)); do
		nfb_up "$CONF" "c$n" restricted "$NFB_EGRESS10" >/dev/null
		n=$((n + 1))
	done
	cli=() http=()
	for ((r = 0; r < RUNS; r++)); do
		mark t0
		NETFENCE_CONFIG=$CONF "$NF" metrics >"$W/cli"
		mark t1
		scrape
		mark t2
		head -n 1 "$W/body" | grep -q '^HTTP/1.1 200 OK' || {
			echo "metrics: scrape $r at $level: $(head -n 1 "$W/body")" >&2
			exit 1
		}
		# shellcheck disable=SC2154 # mark sets them
		cli+=("$(ms "$t0" "$t1")")
		http+=("$(ms "$t1" "$t2")")
	done
	[ -z "${NFB_SHOW:-}" ] || cat "$W/cli" >&2
	printf '| %d | %s | %s | %d | %d |\n' "$level" "$(printf '%s\n' "${cli[@]}" | stats)" \
		"$(printf '%s\n' "${http[@]}" | stats)" "$(grep -c '^netfence_' "$W/cli")" \
		"$(wc -c <"$W/cli")"
done

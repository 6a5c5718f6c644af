#!/usr/bin/env bash
# netfence demo: one real busybox container under runc with `restricted`, an address rule and a
# name rule, in a throwaway world of network namespaces (nothing touches this machine's
# network). Probes from inside the container, a table of what opened and what was blocked (the
# name's address opens only once the container looked it up, through netfence's resolver;
# names nobody allowed are refused and never leave the machine), the resolver's log,
# `netfence status`, `netfence graph`, then stop and check that nothing is left. Exit 0 only when every line
# matched.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
NF_ROOT=$(pwd)
# shellcheck source=tests/e2e/helpers.bash
. tests/e2e/helpers.bash
NF_TAG=demo-$$
NF_HOST_SVC_PORT=22 # an "ssh" of the host itself

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, runc)" >&2
	exit 2
fi
for f in "$NF_BIN" "$NF_PROBE"; do
	[ -x "$f" ] || {
		echo "demo: missing $f (make all probe)" >&2
		exit 2
	}
done

trap 'nf_world_teardown' EXIT
echo "Building a throwaway world: namespaces nft-host-$NF_TAG (runs runc) and nft-world-$NF_TAG"
if ! nf_world_setup; then
	echo "demo: world setup failed" >&2
	exit 2
fi

nf_hostconf "{\"resolver_log\": \"$NF_TMP/resolver.log\"}"
ID=$(nf_cid demo)
nf_bundle demo io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443, public.test:443"
echo "Container $ID: io.netfence.policy=restricted,"
echo "  io.netfence.egress=$NF_PUB1:443, public.test:443"
echo "(its DNS to the host's resolver $NF_DNS_OK is answered by netfence-resolver)"
if ! nf_start runc "$NF_BUNDLE" "$ID"; then
	echo "demo: runc refused the container" >&2
	exit 1
fi
GW=$(nf_gw4 "$ID")
ADDR=$(nf_addr4 "$ID")
echo "Container address $ADDR, gateway (host end) $GW"
echo

ok=0
bad=0
printf '%-38s | %-8s | %-24s | %s\n' destination expected result match
printf '%-38s-+-%-8s-+-%-24s-+-%s\n' "$(printf -- '-%.0s' {1..38})" -------- \
	"$(printf -- '-%.0s' {1..24})" -----
row() { # LABEL EXPECTED PROBE-ARGS...
	local label=$1 expected=$2 out rc=0 got ms match
	shift 2
	out=$(nf_exec "$ID" /probe "$@" 2>&1) || rc=$?
	ms=${out##* }
	case $out in
	"reply REFUSED"*) got=refused ;;
	open* | answer* | reply*) got=open ;;
	blocked*) got=blocked ;;
	timeout*) got=timeout ;;
	*) got=error ;;
	esac
	[ "$rc" -ne 0 ] && [ "$got" = open ] && got=error
	match=no
	if [ "$got" = "$expected" ]; then
		match=yes
		# a blocked connect must fail fast, never hang
		if [ "$got" = blocked ] && [ "${ms%ms}" -ge 500 ] 2>/dev/null; then
			match=no
		fi
	fi
	if [ "$match" = yes ]; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
	fi
	printf '%-38s | %-8s | %-24s | %s\n' "$label" "$expected" "$out" "$match"
}
row "tcp $NF_PUB1:443 (the address rule)" open connect tcp "$NF_PUB1" 443
row "tcp $NF_PUB3:443 (not looked up yet)" blocked connect tcp "$NF_PUB3" 443
row "dns public.test (the name rule)" open dns "$NF_DNS_OK" public.test
row "tcp $NF_PUB3:443 (public.test, learned)" open connect tcp "$NF_PUB3" 443
row "tcp $NF_PUB3:80 (learned, other port)" blocked connect tcp "$NF_PUB3" 80
row "dns allowed.test (no rule names it)" refused dns "$NF_DNS_OK" allowed.test
row "dns c2VjcmV0.exfil.example (leak)" refused dns "$NF_DNS_OK" c2VjcmV0.exfil.example
row "tcp $NF_PUB1:80 (other port)" blocked connect tcp "$NF_PUB1" 80
row "tcp $NF_PUB2:443 (other host)" blocked connect tcp "$NF_PUB2" 443
row "udp $NF_PUB1:53 (UDP)" blocked udp "$NF_PUB1" 53
row "dns $NF_DNS_OTHER (other resolver)" blocked dns "$NF_DNS_OTHER" allowed.test
row "tcp $NF_META:80 (metadata)" blocked connect tcp "$NF_META" 80
row "tcp $NF_PRIV10:80 (private)" blocked connect tcp "$NF_PRIV10" 80
row "tcp $NF_UP4_HOST:22 (the host)" blocked connect tcp "$NF_UP4_HOST" 22
row "tcp $GW:22 (the gateway = host)" blocked connect tcp "$GW" 22
row "tcp [$NF_PUB6]:443 (IPv6 off)" blocked connect tcp "$NF_PUB6" 443
echo

echo "The resolver's log (host key resolver_log):"
sed 's/^/  /' "$NF_TMP/resolver.log" 2>/dev/null
grep -q " learned public.test $NF_PUB3" "$NF_TMP/resolver.log" 2>/dev/null || bad=$((bad + 1))
grep -q " refused c2vjcmv0.exfil.example" "$NF_TMP/resolver.log" 2>/dev/null || bad=$((bad + 1))
echo

echo "\$ netfence status"
nf_netfence status || bad=$((bad + 1))
echo
echo "\$ netfence status $ID"
nf_netfence status "$ID" || bad=$((bad + 1))
echo
echo "\$ netfence graph $ID   (DOT; --format svg renders it with Graphviz)"
if graph=$(nf_netfence graph "$ID") && dot -Tsvg <<<"$graph" >/dev/null &&
	grep -qF "$NF_PUB1 tcp port 443" <<<"$graph" && grep -qF "public.test:443" <<<"$graph"; then
	echo "$graph"
else
	echo "${graph:-no graph}"
	bad=$((bad + 1))
fi
echo

echo "Stopping the container"
nf_rt runc kill "$ID" KILL >/dev/null 2>&1 || true
if ! nf_rt runc delete -f "$ID"; then
	bad=$((bad + 1))
fi
: >"$NF_TMP/containers"
if left=$(nf_assert_clean 2>&1); then
	echo "leftovers: none"
else
	echo "leftovers:"
	echo "$left"
	bad=$((bad + 1))
fi
echo
echo "$ok matched, $bad did not"
[ "$bad" -eq 0 ]

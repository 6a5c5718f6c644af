#!/usr/bin/env bash
# Set-up and tear-down latency of one container's network: netfence against podman's netavark
# and the CNI bridge + host-local + firewall chain, each called directly on a fresh namespace
# the way its engine calls it, interleaved run by run (netfence, netavark, CNI, then rotated).
#
#   netfence   `netfence hook createRuntime` / `poststop` (restricted, 10 rules), stdin = state;
#              tear-down as the runtime waits for it (the default "teardown": "background")
#              and until the background part has removed everything (the state lock is free)
#   netfence-wait  the same with "teardown": "wait" (poststop returns when all is gone)
#   netavark   `netavark --config DIR -f OPTS setup|teardown NETNS` (bridge network, its own
#              iptables rules), as podman 4 calls it
#   CNI        bridge (ipam host-local) then firewall, ADD with the previous result; DEL in
#              reverse order with the cached result, as libcni runs a conflist
#
# Tear-down is measured for the last container (netavark then deletes its bridge) and for one
# of several (another container stays attached). Process start is included for all three.
# Usage: make && bash bench/peers.sh   (RUNS=20 by default; make bench runs it)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
nfb_enter "$@"
nfb_init

NETAVARK=${NETAVARK:-/usr/lib/podman/netavark}
export CNI_PATH=${CNI_PATH:-/usr/lib/cni}
for b in "$NETAVARK" "$CNI_PATH/bridge" "$CNI_PATH/host-local" "$CNI_PATH/firewall" iptables; do
	command -v "$b" >/dev/null || { echo "peers: $b not found (bash bench/deps.sh)" >&2; exit 1; }
done
# the peers turn forwarding on themselves (netavark does, CNI's bridge with isGateway does)
nfb_conf "$W/nf.json"
jq '. + {teardown: "wait"}' "$W/nf.json" >"$W/nf-wait.json"
mkdir -p "$W/netavark" "$W/cni-ipam"

# ---- netavark ----
nva_opts() { # ID IP
	jq -n --arg id "$1" --arg ip "$2" '{container_id: $id, container_name: $id,
		networks: {bench: {interface_name: "eth0", static_ips: [$ip]}},
		network_info: {bench: {name: "bench", id: "b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4b3c4",
			driver: "bridge", network_interface: "nfbbr0", internal: false,
			ipv6_enabled: false, dns_enabled: false,
			subnets: [{subnet: "10.89.0.0/24", gateway: "10.89.0.1"}]}}}' >"$W/nva-$1.json"
}
nva() { # setup|teardown ID
	"$NETAVARK" --config "$W/netavark" -f "$W/nva-$2.json" "$1" "/run/netns/nfb-$2-$$" >/dev/null
}

# ---- CNI ----
cni_conf() { # PLUGIN-JSON [PREV-RESULT-FILE]
	if [ -n "${2:-}" ]; then
		jq --slurpfile prev "$2" '. + {prevResult: $prev[0]}' <<<"$1"
	else
		printf '%s\n' "$1"
	fi
}
CNI_BRIDGE=$(jq -nc --arg dd "$W/cni-ipam" '{cniVersion: "1.0.0", name: "bench", type: "bridge",
	bridge: "cnibr0", isGateway: true, ipMasq: true,
	ipam: {type: "host-local", ranges: [[{subnet: "10.90.0.0/24"}]], dataDir: $dd}}')
CNI_FW=$(jq -nc '{cniVersion: "1.0.0", name: "bench", type: "firewall", backend: "iptables"}')
cni_exec() { # COMMAND ID PLUGIN CONF-FILE
	# one exec, as libcni makes (no env(1) in between)
	CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/nfb-$2-$$" CNI_IFNAME=eth0 \
		"$CNI_PATH/$3" <"$4"
}
# the plugin inputs are built untimed; only the plugin processes are timed (libcni is in-process)
cni_add() { # ID -> prints ms
	local t0 t1 t2 t3
	cni_conf "$CNI_BRIDGE" >"$W/cni-$1-bridge.json"
	mark t0
	cni_exec ADD "$1" bridge "$W/cni-$1-bridge.json" >"$W/cni-$1-result.json"
	mark t1
	cni_conf "$CNI_FW" "$W/cni-$1-result.json" >"$W/cni-$1-fw.json"
	mark t2
	cni_exec ADD "$1" firewall "$W/cni-$1-fw.json" >/dev/null
	mark t3
	awk -v a="$(ms "$t0" "$t1")" -v b="$(ms "$t2" "$t3")" 'BEGIN {printf "%.2f", a + b}'
}
cni_del() { # ID -> prints ms
	local t0 t1 t2 t3
	cni_conf "$CNI_BRIDGE" "$W/cni-$1-result.json" >"$W/cni-$1-bridge-del.json"
	mark t0
	cni_exec DEL "$1" firewall "$W/cni-$1-fw.json" >/dev/null
	mark t1
	mark t2
	cni_exec DEL "$1" bridge "$W/cni-$1-bridge-del.json" >/dev/null
	mark t3
	awk -v a="$(ms "$t0" "$t1")" -v b="$(ms "$t2" "$t3")" 'BEGIN {printf "%.2f", a + b}'
}

# ---- one set-up + tear-down of tool T on container ID; appends to $W/T-{up,down}-CASE ----
one() { # TOOL ID CASE
	local tool=$1 id=$2 case=$3 t0 t1 t2 t3
	ip netns add "nfb-$id-$$"
	case $tool in
	netfence | netfence-wait)
		local conf=$W/nf.json
		[ "$tool" = netfence-wait ] && conf=$W/nf-wait.json
		nfb_bundle "$id" "nfb-$id-$$" restricted "$NFB_EGRESS10"
		mark t0
		nfb_hook createRuntime "$conf" "$id"
		mark t1
		nfb_hook poststop "$conf" "$id"
		mark t2
		nfb_settle
		ms "$t0" "$t1" >>"$W/$tool-up-$case"
		ms "$t1" "$t2" >>"$W/$tool-down-$case"
		mark t3
		ms "$t1" "$t3" >>"$W/$tool-gone-$case"
		;;
	netavark)
		nva_opts "$id" 10.89.0.2
		mark t0
		nva setup "$id"
		mark t1
		nva teardown "$id"
		mark t2
		ms "$t0" "$t1" >>"$W/$tool-up-$case"
		ms "$t1" "$t2" >>"$W/$tool-down-$case"
		;;
	cni)
		cni_add "$id" >>"$W/$tool-up-$case"
		echo >>"$W/$tool-up-$case"
		cni_del "$id" >>"$W/$tool-down-$case"
		echo >>"$W/$tool-down-$case"
		;;
	esac
	ip netns del "nfb-$id-$$"
}

# the container that stays for the "one of several" case
keeper() { # up|down TOOL
	local id=keep-$2
	case $1-$2 in
	up-netfence*)
		ip netns add "nfb-$id-$$"
		nfb_bundle "$id" "nfb-$id-$$" restricted "$NFB_EGRESS10"
		nfb_hook createRuntime "$W/nf.json" "$id" ;;
	down-netfence*) nfb_hook poststop "$W/nf.json" "$id" ;;
	up-netavark)
		ip netns add "nfb-$id-$$"
		nva_opts "$id" 10.89.0.3
		nva setup "$id" ;;
	down-netavark) nva teardown "$id" ;;
	up-cni)
		ip netns add "nfb-$id-$$"
		cni_add "$id" >/dev/null ;;
	down-cni) cni_del "$id" >/dev/null ;;
	esac
	[ "$1" = down ] && ip netns del "nfb-$id-$$"
	return 0
}

TOOLS=(netfence netavark netfence-wait cni)
rounds() { # CASE
	local r k n=${#TOOLS[@]}
	for ((r = 0; r < RUNS; r++)); do
		for ((k = 0; k < n; k++)); do
			one "${TOOLS[(r + k) % n]}" "c$r-$k" "$1"
		done
	done
}

# a warm-up of each (first-call costs: module loading, iptables chains, the bridge)
for t in "${TOOLS[@]}"; do one "$t" warm warm; done
rounds last
for t in "${TOOLS[@]}"; do keeper up "$t"; done
rounds several
for t in "${TOOLS[@]}"; do keeper down "$t"; done

med() { median <"$W/$1"; }
echo "### Set-up and tear-down against netavark and the CNI plugins"
echo
echo "One container's network, $RUNS interleaved runs each, median (min-max) in ms, process start"
echo "included. netfence: restricted policy with 10 rules. netavark $("$NETAVARK" --version |
	awk '{print $2}'): bridge network with its iptables rules. CNI plugins" \
	"$(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?'):" \
	"bridge + host-local + firewall (iptables $(iptables -V | awk '{print $2}'))."
echo
echo "| step | netfence | netfence, \"teardown\": \"wait\" | netavark | CNI chain | netavark / netfence | CNI / netfence |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
row() { # LABEL KIND CASE [NETFENCE-KIND]
	local k=${4:-$2}
	printf '| %s | %s | %s | %s | %s | %sx | %sx |\n' "$1" \
		"$(stats <"$W/netfence-$k-$3")" "$(stats <"$W/netfence-wait-$k-$3")" \
		"$(stats <"$W/netavark-$2-$3")" "$(stats <"$W/cni-$2-$3")" \
		"$(ratio "$(med "netavark-$2-$3")" "$(med "netfence-$k-$3")")" \
		"$(ratio "$(med "cni-$2-$3")" "$(med "netfence-$k-$3")")"
}
row "set-up (only container)" up last
row "set-up (one of several)" up several
row "tear-down: the runtime waits (last container)" down last
row "tear-down: the runtime waits (one of several)" down several
row "tear-down: until all is gone (last container)" down last gone
row "tear-down: until all is gone (one of several)" down several gone
echo
echo "\"until all is gone\": netfence's time from poststop's start until its state lock is free"
echo "(the background part done); the peers' tear-down is synchronous, so their column repeats"
echo "the tear-down they made the runtime wait for."
{
	echo "# step netfence netavark cni netfence-wait netfence-gone (median ms)"
	for s in "up last" "up several" "down last" "down several"; do
		# shellcheck disable=SC2086 # two words on purpose
		set -- $s
		echo "\"$1-$2\" $(med "netfence-$1-$2") $(med "netavark-$1-$2") $(med "cni-$1-$2")" \
			"$(med "netfence-wait-$1-$2")" \
			"$(if [ "$1" = down ]; then med "netfence-gone-$2"; else med "netfence-up-$2"; fi)"
	done
} >"$NFB_OUT/peers.dat"

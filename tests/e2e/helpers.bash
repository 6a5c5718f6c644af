# netfence end-to-end helpers: a throwaway world (HOST and WORLD network namespaces), OCI
# bundles carrying the netfence hooks, runc/crun wrappers that run inside HOST, probes and a
# cleanliness check. Nothing here touches the real host's network: every address a container
# could reach lives in WORLD or HOST, and HOST's default routes point into WORLD.
#
# Usable from bats (load helpers) and from plain bash (tests/demo.sh).

NF_ROOT=${NF_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NF_BIN=${NF_BIN:-$NF_ROOT/build/netfence}
NF_TEST_BIN=${NF_TEST_BIN:-$NF_ROOT/build/test/netfence}
# the netfence before the learned sets (make build/old/netfence), for learn.bats's upgrade test
NF_OLD_BIN=${NF_OLD_BIN:-$NF_ROOT/build/old/netfence}
# the netfence before the counters by direction (make build/prev/netfence), for limits.bats
NF_PREV_BIN=${NF_PREV_BIN:-$NF_ROOT/build/prev/netfence}
NF_PROBE=${NF_PROBE:-$NF_ROOT/build/probe}

# Addresses of the world (documentation ranges; private and metadata addresses live on WORLD's
# loopback so that a policy failure shows as an opened connection, never as traffic leaving).
NF_UP4_HOST=192.0.2.1
NF_UP4_WORLD=192.0.2.2
NF_UP6_HOST=2001:db8:ffff::1
NF_UP6_WORLD=2001:db8:ffff::2
NF_PUB1=203.0.113.10
NF_PUB2=203.0.113.11
NF_PUB3=198.51.100.10
NF_DNS_OK=203.0.113.53    # the resolver in the test resolv.conf (the hook's default resolver)
NF_DNS_OTHER=203.0.113.54 # a resolver no container is allowed to use
NF_PUB6=2001:db8:1::10
NF_PRIV10=10.99.0.10
NF_META=169.254.169.254
NF_PRIV172=172.16.5.5
NF_PRIV192=192.168.77.7
NF_HOST_SVC_PORT=2222 # a TCP service of HOST itself (listens on every HOST address)
NF_TCP_PORTS="22 53 80 443 444 2222 5432 8080 8081"
NF_UDP_PORTS="53 123 9999"
NF_POOL4_RE='10\.213\.'
NF_POOL6_RE='fd6e:6663:'
# Interfaces a fresh namespace may hold besides lo (the kernel's fallback tunnel devices).
NF_FALLBACK_RE='^(lo|tunl0|sit0|ip6tnl0|gre0|gretap0|erspan0|ip_vti0|ip6_vti0|ip6gre0|ip6erspan0)$'

nf_log() {
	echo "# $*" >&3 2>/dev/null || echo "# $*" >&2
}

# Poll a command until it succeeds: nf_wait_for TRIES CMD... (20 ms between tries).
nf_wait_for() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.02
	done
	return 1
}


# ---------------------------------------------------------------------------------------------
# World

nf_world_setup() {
	NF_TAG=${NF_TAG:-${BATS_TEST_NUMBER:-0}-$$}
	NF_HOST=nft-host-$NF_TAG
	NF_WORLD=nft-world-$NF_TAG
	NF_TMP=$(mktemp -d /tmp/nf-e2e.XXXXXX)
	export NF_TAG NF_HOST NF_WORLD NF_TMP
	: >"$NF_TMP/pids"
	: >"$NF_TMP/containers"
	mkdir -p "$NF_TMP/state" "$NF_TMP/runc" "$NF_TMP/crun" "$NF_TMP/out"

	ip netns add "$NF_HOST"
	ip netns add "$NF_WORLD"
	local n
	for n in "$NF_HOST" "$NF_WORLD"; do
		# No duplicate address detection on the test links: addresses usable at once.
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0
		ip -n "$n" link set lo up
	done
	ip -n "$NF_HOST" link add uplink0 type veth peer name world0 netns "$NF_WORLD"

	# HOST: an uplink and default routes into WORLD. IPv4 forwarding is left off: the hook
	# turns it on itself. IPv6 forwarding is on (the hook requires it for ipv6=on, never sets it).
	if [ -z "${NF_NO_V6FWD:-}" ]; then
		ip netns exec "$NF_HOST" sysctl -qw net.ipv6.conf.all.forwarding=1
	fi
	ip -n "$NF_HOST" addr add "$NF_UP4_HOST/30" dev uplink0
	ip -n "$NF_HOST" addr add "$NF_UP6_HOST/64" dev uplink0 nodad
	ip -n "$NF_HOST" link set uplink0 up
	ip -n "$NF_HOST" route add default via "$NF_UP4_WORLD"
	ip -n "$NF_HOST" -6 route add default via "$NF_UP6_WORLD"

	# WORLD: the router and every server; routes the container pools back through HOST.
	ip -n "$NF_WORLD" addr add "$NF_UP4_WORLD/30" dev world0
	ip -n "$NF_WORLD" addr add "$NF_UP6_WORLD/64" dev world0 nodad
	ip -n "$NF_WORLD" link set world0 up
	local a
	for a in $NF_PUB1 $NF_PUB2 $NF_PUB3 $NF_DNS_OK $NF_DNS_OTHER $NF_PRIV10 $NF_META \
		$NF_PRIV172 $NF_PRIV192; do
		ip -n "$NF_WORLD" addr add "$a/32" dev lo
	done
	ip -n "$NF_WORLD" addr add "$NF_PUB6/128" dev lo
	ip -n "$NF_WORLD" route add 10.213.0.0/16 via "$NF_UP4_HOST"
	ip -n "$NF_WORLD" -6 route add fd6e:6663::/64 via "$NF_UP6_HOST"

	# Servers, each recorded by pid. `ip netns exec` execs the program, so $! is its pid.
	nf_bg_world tcp serve tcp :: $NF_TCP_PORTS
	local udp_addrs=$NF_UP4_WORLD,$NF_UP6_WORLD,$NF_PUB1,$NF_PUB2,$NF_PUB3,$NF_PUB6,$NF_PRIV10
	udp_addrs=$udp_addrs,$NF_META,$NF_PRIV172,$NF_PRIV192
	nf_bg_world udp serve udp "$udp_addrs" $NF_UDP_PORTS
	local names="allowed.test=$NF_PUB1 other.test=$NF_PUB2 public.test=$NF_PUB3"
	names="$names private.test=$NF_PRIV10 meta.test=$NF_META"
	# names whose answers a hostname rule must never open (dns_answers.bats)
	names="$names loop.test=127.0.0.1 zero.test=0.0.0.0 uplink.test=$NF_UP4_HOST"
	names="$names mcast.test=224.0.0.1 bcast.test=255.255.255.255"
	names="$names hostend.test=10.213.0.0" # the host end of a test's first container
	nf_bg_world dns1 serve dns "$NF_DNS_OK" 53 $names
	nf_bg_world dns2 serve dns "$NF_DNS_OTHER" 53 $names
	nf_bg_ns "$NF_HOST" hostsvc serve tcp :: "$NF_HOST_SVC_PORT"
	# A process of HOST: the pid given to hooks run by hand, so that whatever a broken hook
	# does lands in a test namespace, never in the real host's.
	NF_HOST_PID=$!
	export NF_HOST_PID
	local s
	for s in tcp udp dns1 dns2 hostsvc; do
		if ! nf_wait_for 500 grep -q listening "$NF_TMP/out/srv-$s"; then
			echo "server $s did not start: $(cat "$NF_TMP/out/srv-$s")" >&2
			return 1
		fi
	done
	# Both families routed HOST -> WORLD before any test starts.
	if ! nf_wait_for 250 ip netns exec "$NF_HOST" "$NF_PROBE" connect tcp "$NF_PUB6" 443 200 ||
		! nf_wait_for 250 ip netns exec "$NF_HOST" "$NF_PROBE" connect tcp "$NF_PUB1" 443 200; then
		echo "world not reachable from HOST" >&2
		return 1
	fi

	# The runtime's resolver (bind-mounted over /etc/resolv.conf in a private mount namespace)
	# and the host configuration, with a per-test state_dir.
	echo "nameserver $NF_DNS_OK" >"$NF_TMP/resolv.conf"
	nf_hostconf '{}'

	# A busybox rootfs shared (read-only) by every container of the test.
	local r=$NF_TMP/rootfs
	mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/etc" "$r/run"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh sleep ip cat ls echo true false ps; do
		ln -s busybox "$r/bin/$a"
	done
	cp "$NF_PROBE" "$r/probe"
	echo "nameserver $NF_DNS_OK" >"$r/etc/resolv.conf"
}

# Write the host configuration: nf_hostconf JSON-OBJECT (merged over {"state_dir": ...}).
nf_hostconf() {
	NF_HOSTCONF=$NF_TMP/netfence.json
	export NF_HOSTCONF
	jq -n --arg sd "$NF_TMP/state" --argjson extra "$1" '{state_dir: $sd} + $extra' \
		>"$NF_HOSTCONF"
}

nf_bg_ns() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "$NF_PROBE" "$@" >"$NF_TMP/out/srv-$name" 2>&1 </dev/null 3>&- &
	echo $! >>"$NF_TMP/pids"
}

nf_bg_world() {
	nf_bg_ns "$NF_WORLD" "$@"
}

# A DNS server of WORLD answering from a zone file (probe serve dns; its format in probe's
# usage), on addresses of its own, logging every query it receives to $NF_TMP/out/dns-NAME.log
# (one line each: udp|tcp NAME TYPE). nf_world_dns NAME ADDR[,ADDR...] ZONE-FILE
nf_world_dns() {
	local name=$1 addr=$2 a
	for a in ${addr//,/ }; do
		case $a in
		*:*) ip -n "$NF_WORLD" addr add "$a/128" dev lo nodad ;;
		*) ip -n "$NF_WORLD" addr add "$a/32" dev lo ;;
		esac
	done
	: >"$NF_TMP/out/dns-$name.log"
	nf_bg_world "dns-$name" serve dns "$addr" 53 --zone "$3" --log "$NF_TMP/out/dns-$name.log"
	if ! nf_wait_for 500 grep -q listening "$NF_TMP/out/srv-dns-$name"; then
		echo "DNS server $name did not start: $(cat "$NF_TMP/out/srv-dns-$name")" >&2
		return 1
	fi
}

# The pids of this test's resolvers (SPEC section 10): every process holding its pid file
# (state_dir/resolver.pid) open; the running resolver holds it locked for its whole life.
nf_resolver_pids() {
	local p f pidfile
	for pidfile in "$NF_TMP"/*/resolver.pid; do # state_dir is $NF_TMP/state or another
		[ -f "$pidfile" ] || continue
		for p in /proc/[0-9]*; do
			case $(cat "$p/comm" 2>/dev/null) in
			netfence*) ;;
			*) continue ;;
			esac
			for f in "$p"/fd/*; do
				if [ "$(readlink "$f" 2>/dev/null)" = "$pidfile" ]; then
					echo "${p#/proc/}"
					break
				fi
			done
		done
	done
}

# Kill this test's resolvers (a set-up starts one per state_dir; it outlives the containers).
nf_resolver_kill() {
	local pid
	[ -n "${NF_TMP:-}" ] || return 0
	for pid in $(nf_resolver_pids); do
		kill -9 "$pid" 2>/dev/null || true
	done
	nf_wait_for 250 nf_no_resolver || true
}

nf_no_resolver() {
	[ -z "$(nf_resolver_pids)" ]
}

nf_world_teardown() {
	[ -n "${NF_TMP:-}" ] && [ -d "$NF_TMP" ] || return 0
	local id pid
	# Containers first (their poststop hooks need HOST), then servers, namespaces, files.
	while read -r id; do
		[ -n "$id" ] && nf_stop "$id" >/dev/null 2>&1 || true
	done <"$NF_TMP/containers"
	nf_resolver_kill
	while read -r pid; do
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	done <"$NF_TMP/pids"
	while read -r pid; do
		[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	done <"$NF_TMP/pids"
	local n
	for n in $(cat "$NF_TMP/netns" 2>/dev/null); do
		ip netns del "$n" 2>/dev/null || true
	done
	ip netns del "$NF_HOST" 2>/dev/null || true
	ip netns del "$NF_WORLD" 2>/dev/null || true
	# Anything still mounted under the temp dir (a namespace handle) goes before the files.
	local m
	for m in $(findmnt -rn -o TARGET | grep "^$NF_TMP/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$NF_TMP"
	NF_TMP=
}

# Run a command in HOST with the hook's environment (for netfence gc/status/validate).
nf_host() {
	nsenter --net="/run/netns/$NF_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		NETFENCE_CONFIG="$NF_HOSTCONF" "$@"
}

nf_netfence() {
	nf_host "$NF_BIN" "$@"
}

# ---------------------------------------------------------------------------------------------
# Bundles

# nf_cid NAME: the container id of NAME in this test.
nf_cid() {
	echo "nf${NF_TAG}-$1"
}

nf_bundle_dir() {
	echo "$NF_TMP/b-$1"
}

# nf_bundle NAME [KEY=VALUE...] [-- ARGS...]
#   KEY=VALUE: annotations (full keys, e.g. io.netfence.policy=restricted); KEY=@FILE reads the
#   value from FILE. ARGS: the container's process (default: sleep for an hour).
# Knobs (environment): NF_HOOK (hook binary, default $NF_BIN), NF_HOOK_ENV (extra hook env
# entries, space separated), NF_NO_POSTSTOP=1, NF_NO_HOOKS=1, NF_NETNS_PATH (join that network
# namespace), NF_CONFIG_JQ (a jq filter applied last).
nf_bundle() {
	local name=$1 dir kv k v
	shift
	dir=$(nf_bundle_dir "$name")
	mkdir -p "$dir"
	local ann='{}'
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		kv=$1
		k=${kv%%=*}
		v=${kv#*=}
		if [ "${v:0:1}" = "@" ]; then
			ann=$(jq -c --arg k "$k" --rawfile v "${v:1}" '. + {($k): $v}' <<<"$ann")
		else
			ann=$(jq -c --arg k "$k" --arg v "$v" '. + {($k): $v}' <<<"$ann")
		fi
		shift
	done
	[ "${1:-}" = "--" ] && shift
	local args='[]' a
	for a in "$@"; do
		args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args")
	done
	if [ $# -eq 0 ]; then
		args='["/bin/busybox","sleep","3600"]'
	fi
	local hook=${NF_HOOK:-$NF_BIN}
	local henv
	henv=$(jq -cn --arg c "$NF_HOSTCONF" '["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NETFENCE_CONFIG=" + $c]')
	for a in ${NF_HOOK_ENV:-}; do
		henv=$(jq -c --arg a "$a" '. + [$a]' <<<"$henv")
	done
	jq -n --argjson ann "$ann" --argjson args "$args" --arg rootfs "$NF_TMP/rootfs" \
		--arg hook "$hook" --argjson henv "$henv" --arg hostname "$name" \
		--arg nopost "${NF_NO_POSTSTOP:-}" --arg nohooks "${NF_NO_HOOKS:-}" \
		--arg netns "${NF_NETNS_PATH:-}" '
	{
	  ociVersion: "1.0.2",
	  process: {
	    terminal: false,
	    user: {uid: 0, gid: 0},
	    args: $args,
	    env: ["PATH=/bin", "HOME=/"],
	    cwd: "/",
	    capabilities: {
	      bounding: ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL",
	                 "CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
	                 "CAP_SYS_CHROOT","CAP_AUDIT_WRITE"],
	      effective: ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL",
	                  "CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
	                  "CAP_SYS_CHROOT","CAP_AUDIT_WRITE"],
	      permitted: ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL",
	                  "CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
	                  "CAP_SYS_CHROOT","CAP_AUDIT_WRITE"]
	    },
	    noNewPrivileges: true
	  },
	  root: {path: $rootfs, readonly: true},
	  hostname: $hostname,
	  mounts: [
	    {destination: "/proc", type: "proc", source: "proc"},
	    {destination: "/dev", type: "tmpfs", source: "tmpfs",
	     options: ["nosuid","strictatime","mode=755","size=65536k"]},
	    {destination: "/dev/pts", type: "devpts", source: "devpts",
	     options: ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]},
	    {destination: "/dev/shm", type: "tmpfs", source: "shm",
	     options: ["nosuid","noexec","nodev","mode=1777","size=65536k"]},
	    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
	     options: ["nosuid","noexec","nodev"]},
	    {destination: "/sys", type: "sysfs", source: "sysfs",
	     options: ["nosuid","noexec","nodev","ro"]},
	    {destination: "/tmp", type: "tmpfs", source: "tmpfs",
	     options: ["nosuid","nodev","mode=1777","size=16m"]}
	  ],
	  annotations: $ann,
	  linux: {
	    namespaces: ([{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}] +
	      (if $netns == "" then [{type: "network"}] else [{type: "network", path: $netns}] end)),
	    maskedPaths: ["/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats",
	                  "/proc/timer_list","/proc/timer_stats","/proc/sched_debug",
	                  "/sys/firmware","/proc/scsi"],
	    readonlyPaths: ["/proc/asound","/proc/bus","/proc/fs","/proc/irq","/proc/sys",
	                    "/proc/sysrq-trigger"]
	  }
	}
	| if $nohooks == "" then
	    .hooks = ({createRuntime: [{path: $hook, args: ["netfence","hook","createRuntime"],
	                                env: $henv, timeout: 60}]}
	      + (if $nopost == "" then
	           {poststop: [{path: $hook, args: ["netfence","hook","poststop"],
	                        env: $henv, timeout: 60}]}
	         else {} end))
	  else . end
	' >"$dir/config.json"
	if [ -n "${NF_CONFIG_JQ:-}" ]; then
		jq "$NF_CONFIG_JQ" "$dir/config.json" >"$dir/config.json.new"
		mv "$dir/config.json.new" "$dir/config.json"
	fi
	NF_BUNDLE=$dir
}

# The OCI state the runtime would pass to the hook: nf_state ID BUNDLE PID STATUS
nf_state() {
	jq -cn --arg id "$1" --arg b "$2" --argjson pid "$3" --arg st "${4:-created}" \
		'{ociVersion: "1.0.2", id: $id, status: $st, pid: $pid, bundle: $b}'
}

# Run the hook by hand in HOST: nf_hook STAGE ID BUNDLE PID (state JSON on stdin of the hook).
nf_hook() {
	nf_state "$2" "$3" "$4" | nf_host "${NF_HOOK:-$NF_BIN}" hook "$1"
}

# ---------------------------------------------------------------------------------------------
# Runtimes, run inside HOST with the test resolv.conf

# nf_rt RUNTIME ARGS...: one runtime command (runc or crun) in HOST. NF_RT_ROOT: another
# state root for the runtime (a second engine on the same host).
nf_rt() {
	local rt=$1 t=()
	shift
	[ -n "${NF_RT_TIMEOUT:-}" ] && t=(timeout -k 5 "$NF_RT_TIMEOUT")
	case $rt in
	runc)
		# With a shared state_dir (nf_shared_state), keep mount propagation so that the
		# namespace handles the hook bind-mounts there reach the root mount namespace; only
		# the mount holding /etc/resolv.conf is made private, so the resolv.conf bind stays
		# here.
		local prop=private
		[ -n "${NF_SHARED_STATE:-}" ] && prop=unchanged
		"${t[@]}" unshare -m --propagation "$prop" sh -c '
			if [ -n "$4" ]; then
				mount --make-private "$(findmnt -n -o TARGET -T /etc/resolv.conf)" || exit 125
			fi
			mount --bind "$1" /etc/resolv.conf || exit 125
			ns=$2 root=$3; shift 4
			exec nsenter --net="/run/netns/$ns" runc --root "$root" "$@"' \
			sh "$NF_TMP/resolv.conf" "$NF_HOST" "${NF_RT_ROOT:-$NF_TMP/runc}" \
			"${NF_SHARED_STATE:-}" "$@"
		;;
	crun)
		"${t[@]}" ip netns exec "$NF_HOST" unshare -m --propagation private sh -c '
			mount --bind "$1" /etc/resolv.conf || exit 125
			umount -R /sys/fs/cgroup 2>/dev/null
			mount -t cgroup2 none /sys/fs/cgroup || exit 125
			root=$2; shift 2
			exec crun --cgroup-manager=disabled --root "$root" "$@"' \
			sh "$NF_TMP/resolv.conf" "${NF_RT_ROOT:-$NF_TMP/crun}" "$@"
		;;
	wrunc | wcrun)
		nf_rt_wrapped "$rt" "$@"
		;;
	*)
		echo "unknown runtime $rt" >&2
		return 2
		;;
	esac
}

# Run a container to completion: nf_run RUNTIME BUNDLE ID (stdout+stderr, exit status of the
# runtime).
nf_run() {
	# bounded: a container that should have been refused must not hang the suite; recorded
	# so that teardown deletes whatever is left of it
	echo "$1" >"$NF_TMP/out/$3.rt"
	echo "$3" >>"$NF_TMP/containers"
	NF_RT_TIMEOUT=${NF_RUN_TIMEOUT:-120} nf_rt "$1" run -b "$2" "$3" </dev/null 3>&-
}
nf_run_runc() {
	nf_run runc "$@"
}
nf_run_crun() {
	nf_run crun "$@"
}

# Start a container in the background: nf_start RUNTIME BUNDLE ID. The container's stdout and
# stderr go to $NF_TMP/out/ID.{out,err}; returns the runtime's status (its stderr is printed).
nf_start() {
	local rt=$1 b=$2 id=$3 rc=0
	echo "$rt" >"$NF_TMP/out/$id.rt"
	echo "$id" >>"$NF_TMP/containers"
	nf_rt "$rt" run -d -b "$b" "$id" </dev/null >"$NF_TMP/out/$id.out" \
		2>"$NF_TMP/out/$id.err" 3>&- || rc=$?
	if [ $rc -ne 0 ]; then
		cat "$NF_TMP/out/$id.err" >&2
		return $rc
	fi
	nf_wait_for 250 nf_is_running "$id"
}

nf_runtime_of() {
	cat "$NF_TMP/out/$1.rt" 2>/dev/null || echo runc
}

nf_is_running() {
	nf_rt "$(nf_runtime_of "$1")" state "$1" 2>/dev/null | jq -e '.status == "running"'
}

# nf_exec ID ARGS...: run a program inside a running container.
nf_exec() {
	local id=$1
	shift
	nf_rt "$(nf_runtime_of "$id")" exec "$id" "$@" </dev/null 3>&-
}

nf_pid() {
	nf_rt "$(nf_runtime_of "$1")" state "$1" | jq -r .pid
}

# Stop and delete a container (the runtime runs the poststop hooks).
nf_stop() {
	local id=$1 rt
	rt=$(nf_runtime_of "$id")
	nf_rt "$rt" kill "$id" KILL >/dev/null 2>&1 || true
	nf_rt "$rt" delete -f "$id" 3>&-
}

# The container's IPv4 / IPv6 address on eth0 and its IPv4 gateway.
nf_addr4() {
	nf_exec "$1" /bin/busybox ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 |
		head -n1
}
nf_addr6() {
	nf_exec "$1" /bin/busybox ip -6 -o addr show dev eth0 scope global | awk '{print $4}' |
		cut -d/ -f1 | head -n1
}
nf_gw4() {
	nf_exec "$1" /bin/busybox ip -4 route show default | awk '{print $3}' | head -n1
}

# ---------------------------------------------------------------------------------------------
# Probes and assertions (each prints what it saw, so a failing test shows it)

# nf_probe ID ARGS...: /probe inside the container; sets NF_PROBE_OUT and returns its status.
nf_probe() {
	local id=$1 rc=0
	shift
	NF_PROBE_OUT=$(nf_exec "$id" /probe "$@" 2>&1) || rc=$?
	echo "probe $id: $* -> $NF_PROBE_OUT (exit $rc)"
	return $rc
}

nf_expect_open() { # ID ADDR PORT
	if ! nf_probe "$1" connect tcp "$2" "$3" 2000; then
		echo "FAIL: expected $2:$3 open from $1" >&2
		return 1
	fi
}

# A blocked connect must fail fast: "blocked ERR Nms" with N < NF_FAST_MS (default 500).
nf_check_blocked_fast() {
	local what=$1 ms
	case $NF_PROBE_OUT in
	blocked*)
		ms=${NF_PROBE_OUT##* }
		ms=${ms%ms}
		if [ "$ms" -ge "${NF_FAST_MS:-500}" ]; then
			echo "FAIL: $what blocked but slowly: $NF_PROBE_OUT" >&2
			return 1
		fi
		;;
	*)
		echo "FAIL: expected $what blocked (fast), got: $NF_PROBE_OUT" >&2
		return 1
		;;
	esac
}

nf_expect_blocked() { # ID ADDR PORT
	if nf_probe "$1" connect tcp "$2" "$3" 2000; then
		echo "FAIL: expected $2:$3 blocked from $1" >&2
		return 1
	fi
	nf_check_blocked_fast "$2:$3"
}

nf_expect_udp_open() { # ID ADDR PORT
	if ! nf_probe "$1" udp "$2" "$3" 2000; then
		echo "FAIL: expected UDP $2:$3 open from $1" >&2
		return 1
	fi
}

nf_expect_udp_blocked() { # ID ADDR PORT
	if nf_probe "$1" udp "$2" "$3" 2000; then
		echo "FAIL: expected UDP $2:$3 blocked from $1" >&2
		return 1
	fi
	nf_check_blocked_fast "udp $2:$3"
}

nf_expect_dns_ok() { # ID SERVER NAME [EXPECTED-ADDR]
	if ! nf_probe "$1" dns "$2" "$3" 2000; then
		echo "FAIL: expected DNS to $2 answered" >&2
		return 1
	fi
	if [ -n "${4:-}" ] && [[ $NF_PROBE_OUT != "answer $4 "* ]]; then
		echo "FAIL: expected answer $4, got $NF_PROBE_OUT" >&2
		return 1
	fi
}

nf_expect_dns_blocked() { # ID SERVER NAME
	if nf_probe "$1" dns "$2" "$3" 2000; then
		echo "FAIL: expected DNS to $2 blocked" >&2
		return 1
	fi
	nf_check_blocked_fast "dns $2"
}

# From WORLD (optionally bound to a source address): nf_world_connect SRC ADDR PORT [timeout]
nf_world_connect() {
	local src=$1 rc=0
	shift
	NF_PROBE_OUT=$(ip netns exec "$NF_WORLD" "$NF_PROBE" ${src:+-s "$src"} connect tcp \
		"$1" "$2" "${3:-1000}" 2>&1) || rc=$?
	echo "probe world${src:+ from $src}: $1:$2 -> $NF_PROBE_OUT (exit $rc)"
	return $rc
}

# Wait until a container's main process printed "listening" (probe serve/listen).
nf_wait_listening() {
	nf_wait_for 500 grep -q listening "$NF_TMP/out/$1.out"
}

# ---------------------------------------------------------------------------------------------
# Cleanliness

# Wait until no background tear-down runs: the detached process that finishes a poststop holds
# its state directory's lock until everything is gone (SPEC section 4, "teardown").
nf_settled() {
	local l
	for l in "$NF_TMP"/state/.lock "$NF_TMP"/*/.lock; do
		[ -e "$l" ] || continue
		flock -w 10 "$l" true || { echo "state lock $l still held after 10 s" >&2; return 1; }
	done
}

nf_host_nf_links() {
	nf_settled
	ip -n "$NF_HOST" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
		grep -E '^nfb?[0-9a-f]{12}$' || true
}

# Nothing of netfence left in HOST: no nf* links, nothing per-container in the host table (an
# empty skeleton may remain), no state files or leases (lock files may remain), no conntrack
# entries for the pools. Prints every leftover found.
nf_assert_clean() {
	local bad=0 out
	nf_settled || bad=1
	# The kernel deletes a dead namespace's veth asynchronously: give it a bounded moment.
	nf_wait_for 150 test -z "$(nf_host_nf_links)" || true
	out=$(nf_host_nf_links)
	if [ -n "$out" ]; then
		echo "leftover links: $out" >&2
		bad=1
	fi
	out=$(ip netns exec "$NF_HOST" nft list table inet netfence 2>/dev/null |
		grep -E "[0-9a-f]{12}|$NF_POOL4_RE|$NF_POOL6_RE" || true)
	if [ -n "$out" ]; then
		echo "leftover nftables objects in HOST:" >&2
		echo "$out" >&2
		bad=1
	fi
	# the resolver's pid file and control socket are the host's, not a container's
	out=$(find "$NF_TMP/state" -mindepth 1 \( -type f -o -type l -o -type s \) \
		! -name '*lock*' ! -name '.*' ! -name resolver.pid ! -name resolver.sock \
		2>/dev/null || true)
	if [ -n "$out" ]; then
		echo "leftover state files: $out" >&2
		bad=1
	fi
	out=$(findmnt -rn -o TARGET | grep "^$NF_TMP/state/" || true)
	if [ -n "$out" ]; then
		echo "leftover mounts: $out" >&2
		bad=1
	fi
	out=$({
		ip netns exec "$NF_HOST" conntrack -L -f ipv4 2>/dev/null
		ip netns exec "$NF_HOST" conntrack -L -f ipv6 2>/dev/null
	} | grep -E "$NF_POOL4_RE|$NF_POOL6_RE" || true)
	if [ -n "$out" ]; then
		echo "leftover conntrack entries:" >&2
		echo "$out" >&2
		bad=1
	fi
	return $bad
}

# Fail unless the runtime refused the container and the output names every needle.
nf_assert_refused() { # OUTPUT STATUS NEEDLE...
	local output=$1 status=$2 n
	shift 2
	if [ "$status" -eq 0 ]; then
		echo "FAIL: the runtime accepted the container" >&2
		return 1
	fi
	for n in "$@"; do
		if ! grep -qiF -- "$n" <<<"$output"; then
			echo "FAIL: output does not name '$n': $output" >&2
			return 1
		fi
	done
}

# Succeeds when the command fails (bats does not fail a test on a `! cmd` line).
nf_not() {
	if "$@"; then
		return 1
	fi
	return 0
}

# A fresh, empty network namespace owned by the test (deleted in teardown): nf_netns NAME
# prints its path.
nf_netns() {
	local n=nft-c$1-$NF_TAG
	echo "$n" >>"$NF_TMP/netns"
	ip netns add "$n"
	echo "/run/netns/$n"
}

# ---------------------------------------------------------------------------------------------
# Engines: a shared state_dir, podman, containerd, CNI-wired pods (podman.bats, containerd.bats,
# pod.bats). Everything runs inside HOST; every process is recorded by pid.

# Overlay mode bind-mounts a handle of the namespace under state_dir. nf_rt runs runc in a
# private mount namespace (for the test resolv.conf), where such a mount would vanish with it:
# make state_dir a shared mount point of the root mount namespace, and have nf_rt keep
# propagation (NF_SHARED_STATE). nf_world_teardown unmounts it with the rest of $NF_TMP.
nf_shared_state() {
	mount --bind "$NF_TMP/state" "$NF_TMP/state"
	mount --make-shared "$NF_TMP/state"
	NF_SHARED_STATE=1
	export NF_SHARED_STATE
}

# Kill every process whose command line names $NF_TMP (engine daemons, shims, conmon that
# reparented themselves away from the test), by pid, after the engine's own clean-up ran.
nf_kill_tmp_procs() {
	local p pid
	[ -n "${NF_TMP:-}" ] || return 0
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = "$$" ] && continue
		if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$NF_TMP/"; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
}

# The shipped hooks.d files, rewritten for the test: the hook is build/netfence (NF_HOOK) and
# its env carries the test's host configuration. nf_hooksd DIR [SRC-DIR]
nf_hooksd() {
	local dir=$1 src=${2:-$NF_ROOT/hooks.d} f
	mkdir -p "$dir"
	for f in "$src"/*.json; do
		jq --arg p "${NF_HOOK:-$NF_BIN}" --arg c "NETFENCE_CONFIG=$NF_HOSTCONF" \
			'.hook.path = $p | .hook.env += [$c]' "$f" >"$dir/$(basename "$f")"
	done
}

# podman 4.3, rootful, with storage, state, network configuration and hooks all under $NF_TMP.
nf_podman_setup() {
	NF_PODMAN=$NF_TMP/podman
	export NF_PODMAN
	mkdir -p "$NF_PODMAN"/{root,runroot,tmp,networks}
	nf_hooksd "$NF_PODMAN/hooks"
	cat >"$NF_PODMAN/containers.conf" <<-CONF
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$NF_PODMAN/events.log"
		tmp_dir = "$NF_PODMAN/tmp"
		[network]
		network_backend = "netavark"
		network_config_dir = "$NF_PODMAN/networks"
	CONF
}

# nf_podman ARGS...: podman in HOST (network namespace only: its mounts, conmon and the hooks
# live in the root mount namespace, as on a real host).
nf_podman() {
	timeout -k 5 "${NF_PODMAN_TIMEOUT:-120}" env CONTAINERS_CONF="$NF_PODMAN/containers.conf" \
		nsenter --net="/run/netns/$NF_HOST" podman --root "$NF_PODMAN/root" \
		--runroot "$NF_PODMAN/runroot" --storage-driver vfs --runtime runc \
		--hooks-dir "$NF_PODMAN/hooks" "$@" </dev/null 3>&-
}

# nf_podman_run [OPTIONS...] -- COMMAND...: `podman run --rm` of the test rootfs.
nf_podman_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	[ "${1:-}" = "--" ] && shift
	nf_podman run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "${opts[@]}" \
		--rootfs "$NF_TMP/rootfs" "$@"
}

nf_podman_teardown() {
	[ -n "${NF_PODMAN:-}" ] && [ -d "$NF_PODMAN" ] || return 0
	local c keys=() k
	# the namespaces podman made for the test's containers (/run/netns/netns-UUID)
	for c in $(NF_PODMAN_TIMEOUT=20 nf_podman ps -aq 2>/dev/null); do
		keys+=("$(NF_PODMAN_TIMEOUT=20 nf_podman inspect --format \
			'{{.NetworkSettings.SandboxKey}}' "$c" 2>/dev/null)")
	done
	NF_PODMAN_TIMEOUT=60 nf_podman rm -a -f -t 0 >/dev/null 2>&1 || true
	nf_kill_tmp_procs
	for k in "${keys[@]}"; do
		[[ $k == /run/netns/netns-* ]] && [ -e "$k" ] && ip netns del "${k##*/}" 2>/dev/null
	done
	return 0
}

# containerd 1.6 started inside HOST with a private root, state and socket; killed by pid.
# NF_CTRD_ENV: extra environment entries for containerd (and so its shims and runtimes).
nf_containerd_start() {
	NF_CTRD=$NF_TMP/containerd
	NF_CTRD_SOCK=$NF_CTRD/containerd.sock
	export NF_CTRD NF_CTRD_SOCK
	mkdir -p "$NF_CTRD"
	cat >"$NF_CTRD/config.toml" <<-CONF
		version = 2
		root = "$NF_CTRD/root"
		state = "$NF_CTRD/state"
		temp = "$NF_CTRD/tmp"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
		  "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$NF_CTRD_SOCK"
		[ttrpc]
		  address = "$NF_CTRD_SOCK.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$NF_CTRD/opt"
	CONF
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ${NF_CTRD_ENV:-} \
		nsenter --net="/run/netns/$NF_HOST" containerd --config "$NF_CTRD/config.toml" \
		>"$NF_CTRD/log" 2>&1 </dev/null 3>&- &
	NF_CTRD_PID=$!
	echo "$NF_CTRD_PID" >>"$NF_TMP/pids"
	export NF_CTRD_PID
	if ! nf_wait_for 500 nf_ctr version; then
		echo "containerd did not start: $(tail -n 20 "$NF_CTRD/log")" >&2
		return 1
	fi
}

# nf_ctr ARGS...: ctr against the test's containerd, from HOST.
nf_ctr() {
	timeout -k 5 "${NF_CTR_TIMEOUT:-120}" nsenter --net="/run/netns/$NF_HOST" \
		ctr -a "$NF_CTRD_SOCK" "$@" </dev/null 3>&-
}

# nf_ctr_run ARGS...: `ctr run` with the runc state and the IO FIFOs under $NF_TMP.
nf_ctr_run() {
	mkdir -p "$NF_CTRD/runc" "$NF_CTRD/fifo"
	nf_ctr run --runc-root "$NF_CTRD/runc" --fifo-dir "$NF_CTRD/fifo" "$@"
}

nf_ctr_task_status() { # ID
	nf_ctr tasks ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'
}

# Stop and remove a container started with `ctr run -d` (the shim runs the poststop hooks).
nf_ctr_stop() {
	local id=$1
	nf_ctr tasks kill -s KILL "$id" >/dev/null 2>&1 || true
	nf_wait_for 500 test "$(nf_ctr_task_status "$id")" != RUNNING || true
	nf_ctr tasks rm "$id" >/dev/null 2>&1 || true
	nf_ctr containers rm "$id"
}

nf_containerd_teardown() {
	[ -n "${NF_CTRD:-}" ] && [ -d "$NF_CTRD" ] || return 0
	local id
	if [ -S "$NF_CTRD_SOCK" ]; then
		for id in $(NF_CTR_TIMEOUT=20 nf_ctr containers ls -q 2>/dev/null); do
			NF_CTR_TIMEOUT=20 nf_ctr_stop "$id" >/dev/null 2>&1 || true
		done
	fi
	[ -n "${NF_CTRD_PID:-}" ] && kill "$NF_CTRD_PID" 2>/dev/null || true
	nf_kill_tmp_procs
}

# A namespace wired the way a Kubernetes runtime wires a pod: the real CNI plugins
# (containernetworking-plugins: loopback, then bridge + host-local), run inside HOST so the
# bridge, its veth and the masquerade rules land there. nf_cni_pod NAME prints the netns path.
NF_CNI_BRIDGE=cni-nf0
NF_CNI_SUBNET=10.77.0.0/24
NF_CNI_PATH=${NF_CNI_PATH:-/usr/lib/cni}
nf_cni_conf() {
	jq -n --arg br "$NF_CNI_BRIDGE" --arg sn "$NF_CNI_SUBNET" --arg dd "$NF_TMP/cni-ipam" '
	{cniVersion: "1.0.0", name: "nf-test", type: "bridge", bridge: $br, isGateway: true,
	 ipMasq: true, ipam: {type: "host-local", subnet: $sn, routes: [{dst: "0.0.0.0/0"}],
	                      dataDir: $dd}}'
}

# nf_cni COMMAND NETNS-NAME CONTAINER-ID: one CNI call of the bridge plugin, in HOST.
nf_cni() {
	nf_cni_conf | nsenter --net="/run/netns/$NF_HOST" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		CNI_COMMAND="$1" CNI_CONTAINERID="$3" CNI_NETNS="/run/netns/$2" CNI_IFNAME=eth0 \
		CNI_PATH="$NF_CNI_PATH" "$NF_CNI_PATH/bridge"
}

nf_cni_pod() {
	local name=$1 n
	n=nft-pod$name-$NF_TAG
	echo "$n" >>"$NF_TMP/netns"
	echo "$n $name" >>"$NF_TMP/cni-pods"
	ip netns add "$n"
	jq -n '{cniVersion: "1.0.0", name: "lo", type: "loopback"}' |
		nsenter --net="/run/netns/$NF_HOST" env -i CNI_COMMAND=ADD CNI_CONTAINERID="$name" \
			CNI_NETNS="/run/netns/$n" CNI_IFNAME=lo CNI_PATH="$NF_CNI_PATH" \
			"$NF_CNI_PATH/loopback" >/dev/null || return 1
	nf_cni ADD "$n" "$name" >"$NF_TMP/out/cni-$name.json" || {
		cat "$NF_TMP/out/cni-$name.json" >&2
		return 1
	}
	# WORLD routes the pod subnet back through HOST (the plugin also masquerades it)
	ip -n "$NF_WORLD" route replace "$NF_CNI_SUBNET" via "$NF_UP4_HOST"
	echo "/run/netns/$n"
}

# The teardown of a test with a CNI-wired pod: the containers (their poststop needs the pod's
# namespace and HOST), then the pod's CNI DEL, then the world.
nf_pod_teardown() {
	if [ -n "${NF_TMP:-}" ] && [ -f "$NF_TMP/containers" ]; then
		local id
		while read -r id; do
			[ -n "$id" ] && nf_stop "$id" >/dev/null 2>&1 || true
		done <"$NF_TMP/containers"
	fi
	nf_cni_teardown
	nf_world_teardown
}

# CNI DEL of every pod still registered (before the namespaces go).
nf_cni_teardown() {
	local n name
	[ -n "${NF_TMP:-}" ] && [ -f "$NF_TMP/cni-pods" ] || return 0
	while read -r n name; do
		nf_cni DEL "$n" "$name" >/dev/null 2>&1 || true
	done <"$NF_TMP/cni-pods"
	: >"$NF_TMP/cni-pods"
}

# Nothing of netfence inside a namespace: nf_assert_ns_clean NETNS-PATH
nf_assert_ns_clean() {
	local out
	out=$(nsenter --net="$1" nft list table inet netfence 2>/dev/null || true)
	if [ -n "$out" ]; then
		echo "leftover netfence table in $1:" >&2
		echo "$out" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------------------------
# The runtime wrapper as a runtime: nf_rt wrunc|wcrun ... runs netfence-runtime with
# NETFENCE_RUNTIME=runc|crun, so nf_start/nf_exec/nf_stop/teardown all go through it.

NF_RUNTIME_BIN=${NF_RUNTIME_BIN:-$NF_ROOT/build/netfence-runtime}

# nf_rt_wrapped wrunc|wcrun ARGS...: netfence-runtime in HOST, with the same global options the
# helpers give the real runtime, NETFENCE_RUNTIME naming it.
nf_rt_wrapped() {
	local rt=$1 t=()
	shift
	[ -n "${NF_RT_TIMEOUT:-}" ] && t=(timeout -k 5 "$NF_RT_TIMEOUT")
	case $rt in
	wrunc)
		NETFENCE_RUNTIME=runc NETFENCE_BIN=$NF_BIN NETFENCE_CONFIG=$NF_HOSTCONF \
			"${t[@]}" unshare -m --propagation private sh -c '
			mount --bind "$1" /etc/resolv.conf || exit 125
			ns=$2 root=$3 w=$4; shift 4
			exec nsenter --net="/run/netns/$ns" "$w" --root "$root" "$@"' \
			sh "$NF_TMP/resolv.conf" "$NF_HOST" "$NF_TMP/runc" "$NF_RUNTIME_BIN" "$@"
		;;
	wcrun)
		NETFENCE_RUNTIME=crun NETFENCE_BIN=$NF_BIN NETFENCE_CONFIG=$NF_HOSTCONF \
			"${t[@]}" ip netns exec "$NF_HOST" unshare -m --propagation private sh -c '
			mount --bind "$1" /etc/resolv.conf || exit 125
			umount -R /sys/fs/cgroup 2>/dev/null
			mount -t cgroup2 none /sys/fs/cgroup || exit 125
			root=$2 w=$3; shift 3
			exec "$w" --cgroup-manager=disabled --root "$root" "$@"' \
			sh "$NF_TMP/resolv.conf" "$NF_TMP/crun" "$NF_RUNTIME_BIN" "$@"
		;;
	esac
}

# A namespace wired by hand, as a CNI plugin would: veth X:eth0 <-> HOST:hw<tag>, 10.55.0.0/24,
# routed by HOST (and back by WORLD). Prints the namespace path.
nf_wire_by_hand() {
	local ns
	ns=$(nf_netns "$1")
	ip -n "$NF_HOST" link add "hw$1" type veth peer name eth0 netns "${ns##*/}"
	ip -n "$NF_HOST" addr add 10.55.0.1/24 dev "hw$1"
	ip -n "$NF_HOST" link set "hw$1" up
	ip -n "${ns##*/}" addr add 10.55.0.2/24 dev eth0
	ip -n "${ns##*/}" link set eth0 up
	ip -n "${ns##*/}" link set lo up
	ip -n "${ns##*/}" route add default via 10.55.0.1
	ip netns exec "$NF_HOST" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NF_WORLD" route add 10.55.0.0/24 via "$NF_UP4_HOST"
	echo "$ns"
}

# ---------------------------------------------------------------------------------------------
# containerd's CRI plugin driven the way kubelet drives it (cri.bats): containerd 1.6 inside
# HOST with its own root, state, sockets and config, the CNI bridge plugin with a conf dir of its
# own, the images of tests/cri/images.sh imported, and the runtime handler of
# deploy/containerd/config.toml merged in (netfence-runtime of the build tree). The client is
# tests/cri/cri.mjs (a gRPC client from npm, tests/cri/node_modules).

NF_CRI_IMAGE_PAUSE=localhost/netfence-test/pause:1
NF_CRI_IMAGE_APP=localhost/netfence-test/app:1

# nf_cri_config: $NF_CTRD/config.toml, the CNI conf dir, the IPAM data dir.
nf_cri_config() {
	NF_CTRD=$NF_TMP/containerd
	NF_CTRD_SOCK=$NF_CTRD/containerd.sock
	export NF_CTRD NF_CTRD_SOCK
	mkdir -p "$NF_CTRD/cni" "$NF_CTRD/pods"
	jq -n --arg br "$NF_CNI_BRIDGE" --arg sn "$NF_CNI_SUBNET" --arg dd "$NF_CTRD/cni-ipam" '
	{cniVersion: "1.0.0", name: "nf-cri", plugins: [{type: "bridge", bridge: $br,
	 isGateway: true, ipMasq: true, ipam: {type: "host-local", subnet: $sn,
	 routes: [{dst: "0.0.0.0/0"}], dataDir: $dd}}]}' >"$NF_CTRD/cni/10-nf-cri.conflist"
	cat >"$NF_CTRD/config.toml" <<-CONF
		version = 2
		root = "$NF_CTRD/root"
		state = "$NF_CTRD/state"
		temp = "$NF_CTRD/tmp"
		disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$NF_CTRD_SOCK"
		[ttrpc]
		  address = "$NF_CTRD_SOCK.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$NF_CTRD/opt"
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$NF_CRI_IMAGE_PAUSE"
		  netns_mounts_under_state_dir = true
		  # this machine forbids lowering oom_score_adj (the sandbox asks for -998)
		  restrict_oom_score_adj = true
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "$NF_CNI_PATH"
		    conf_dir = "$NF_CTRD/cni"
		    max_conf_num = 1
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        Root = "$NF_CTRD/runc"
	CONF
	# the shipped snippet, with the build tree's netfence-runtime, the cgroupfs driver (no
	# systemd here) and a runc root of the test's own
	sed -e '/^version = /d' \
		-e "s|^\([[:space:]]*BinaryName = \).*|\1\"$NF_RUNTIME_BIN\"|" \
		-e 's|^\([[:space:]]*SystemdCgroup = \).*|\1false|' \
		"$NF_ROOT/deploy/containerd/config.toml" >>"$NF_CTRD/config.toml"
	echo "    Root = \"$NF_CTRD/runc-netfence\"" >>"$NF_CTRD/config.toml"
	grep -q "BinaryName = \"$NF_RUNTIME_BIN\"" "$NF_CTRD/config.toml" || {
		echo "deploy/containerd/config.toml: no BinaryName to point at the build tree" >&2
		return 1
	}
	# WORLD routes the pod subnet back through HOST
	ip -n "$NF_WORLD" route replace "$NF_CNI_SUBNET" via "$NF_UP4_HOST"
}

# nf_cri_start: containerd (CRI plugin on) inside HOST; waits until the CRI status is ready.
nf_cri_start() {
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ${NF_CTRD_ENV:-} \
		nsenter --net="/run/netns/$NF_HOST" containerd --config "$NF_CTRD/config.toml" \
		>>"$NF_CTRD/log" 2>&1 </dev/null 3>&- &
	NF_CTRD_PID=$!
	echo "$NF_CTRD_PID" >>"$NF_TMP/pids"
	export NF_CTRD_PID
	# the socket first (cheap), then the CRI status (a client process a try)
	if ! nf_wait_for 1500 test -S "$NF_CTRD_SOCK" || ! nf_wait_for 100 nf_cri status; then
		echo "containerd's CRI plugin not ready: $(tail -n 20 "$NF_CTRD/log")" >&2
		return 1
	fi
}

# nf_cri_stop: containerd stops (SIGTERM, waited for); its shims and containers go on.
nf_cri_stop() {
	kill "$NF_CTRD_PID"
	nf_wait_for 1500 nf_not kill -0 "$NF_CTRD_PID"
}

# nf_cri_images DIR: import DIR/pause.tar and DIR/app.tar (tests/cri/images.sh) where the CRI
# plugin keeps its images (namespace k8s.io).
nf_cri_images() {
	local t
	for t in pause app; do
		nf_ctr -n k8s.io images import "$1/$t.tar" >/dev/null || return 1
	done
}

# nf_cri ARGS...: the CRI client against the test's containerd (tests/cri/cri.mjs).
nf_cri() {
	CRI_LOG_ROOT=$NF_CTRD/pods CRI_HANDLERS=${NF_CRI_HANDLERS:-} CRI_CGROUP_ROOT=/nf-cri-$NF_TAG \
		timeout -k 5 "${NF_CRI_TIMEOUT:-150}" node "$NF_ROOT/tests/cri/cri.mjs" "$NF_CTRD_SOCK" \
		"$@" </dev/null 3>&-
}

# Every pod stopped and removed through CRI (their poststop hooks run), then containerd and
# whatever it left running under $NF_TMP.
nf_cri_teardown() {
	[ -n "${NF_CTRD:-}" ] && [ -d "$NF_CTRD" ] || return 0
	# a test that failed with containerd down: start it again, or the shims' containers stay
	if [ -n "${NF_CTRD_PID:-}" ] && ! kill -0 "$NF_CTRD_PID" 2>/dev/null; then
		nf_cri_start >/dev/null 2>&1 || true
	fi
	if [ -n "${NF_CTRD_PID:-}" ] && kill -0 "$NF_CTRD_PID" 2>/dev/null; then
		NF_CRI_TIMEOUT=60 nf_cri cleanup >/dev/null 2>&1 || true
		kill "$NF_CTRD_PID" 2>/dev/null || true
	fi
	nf_kill_tmp_procs
	# the pods' cgroup parents (CRI_CGROUP_ROOT), empty once their containers are gone
	local d
	for d in /sys/fs/cgroup/nf-cri-"$NF_TAG" /sys/fs/cgroup/*/nf-cri-"$NF_TAG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

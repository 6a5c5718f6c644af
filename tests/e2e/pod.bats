#!/usr/bin/env bats
# A pod, as Kubernetes builds it: a network namespace wired by the real CNI plugins (loopback,
# bridge + host-local from containernetworking-plugins, run inside HOST), then runc containers
# that join it. netfence works in overlay mode there: no interface added, the policy inside the
# namespace, shared by the pod's containers and removed when the last one stops; the pause
# (sandbox) container is skipped.

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
	# the hook bind-mounts a handle of the pod's namespace under state_dir: keep it visible
	# outside runc's private mount namespace
	nf_shared_state
}

teardown() {
	nf_pod_teardown
}

POD_GW=10.77.0.1

# pod_expect_fenced ID: the pod's policy (restricted, egress $NF_PUB1:443) holds for ID.
pod_expect_fenced() {
	nf_expect_open "$1" "$NF_PUB1" 443
	nf_expect_blocked "$1" "$NF_PUB1" 80
	nf_expect_blocked "$1" "$NF_PUB2" 443
	nf_expect_blocked "$1" "$NF_META" 80
	nf_expect_blocked "$1" "$NF_PRIV10" 443
	nf_expect_udp_blocked "$1" "$NF_PUB1" 9999
	# the node's own services, through the pod's gateway (the bridge) and the uplink
	nf_expect_blocked "$1" "$POD_GW" "$NF_HOST_SVC_PORT"
	nf_expect_blocked "$1" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
}

# CNI DEL of the pod, as the runtime does when the pod goes; must succeed.
pod_cni_del() { # NETNS-NAME POD-NAME
	nf_cni DEL "$1" "$2"
	grep -v "^$1 " "$NF_TMP/cni-pods" >"$NF_TMP/cni-pods.new" || true
	mv "$NF_TMP/cni-pods.new" "$NF_TMP/cni-pods"
}

@test "pod: two containers share the pod's policy; it holds until the last one stops" {
	local ns nsname c1 c2
	ns=$(nf_cni_pod a)
	nsname=${ns##*/}
	# wired by CNI, unfenced: the world is open
	ip netns exec "$nsname" "$NF_PROBE" connect tcp "$NF_PUB2" 443 2000
	c1=$(nf_cid app1)
	c2=$(nf_cid app2)
	NF_NETNS_PATH=$ns nf_bundle app1 io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$c1"
	NF_NETNS_PATH=$ns nf_bundle app2 io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$c2"

	pod_expect_fenced "$c1"
	pod_expect_fenced "$c2"
	# overlay: no interface added; the policy lives in the pod's namespace; a handle is kept
	[ -z "$(nf_host_nf_links)" ]
	[ "$(ip -n "$nsname" -o link show | grep -vcE ': (lo|eth0@)')" -eq 0 ]
	ip netns exec "$nsname" nft list table inet netfence >/dev/null
	[ -n "$(findmnt -rn -o TARGET | grep "^$NF_TMP/state/")" ]

	# the first stops: the policy stays for the second
	nf_stop "$c1"
	pod_expect_fenced "$c2"
	ip netns exec "$nsname" nft list table inet netfence >/dev/null

	# the last stops: nothing of netfence in the namespace or on the host
	nf_stop "$c2"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
	# CNI's own wiring is untouched, and the pod can be deleted as usual
	ip -n "$nsname" -o link show eth0
	ip netns exec "$nsname" "$NF_PROBE" connect tcp "$NF_PUB2" 443 2000
	pod_cni_del "$nsname" a
	[ "$(ip -n "$nsname" -o link show | grep -c eth0)" -eq 0 ]
}

@test "pod: a container with a different policy joining the pod is refused" {
	local ns c1 c2
	ns=$(nf_cni_pod b)
	c1=$(nf_cid one)
	c2=$(nf_cid other)
	NF_NETNS_PATH=$ns nf_bundle one io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$c1"
	NF_NETNS_PATH=$ns nf_bundle other io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB2:443"
	run nf_run_runc "$NF_BUNDLE" "$c2"
	echo "$output"
	nf_assert_refused "$output" "$status" "$c2" "different policy" "$c1"
	# the refusal changed nothing for the pod
	pod_expect_fenced "$c1"
	[ ! -f "$NF_TMP/state/$c2.json" ]
	nf_stop "$c1"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
	pod_cni_del "${ns##*/}" b
}

@test "pod: the sandbox (pause) container is skipped, the application containers fenced" {
	local ns nsname pause app
	# only a host that runs Kubernetes trusts the sandbox annotation (trust.bats)
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"kubernetes\": true}"
	ns=$(nf_cni_pod c)
	nsname=${ns##*/}
	pause=$(nf_cid pause)
	app=$(nf_cid app)
	# containerd's CRI annotations on the pause container (CRI-O: io.kubernetes.cri-o.*)
	NF_NETNS_PATH=$ns nf_bundle pause io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443" io.kubernetes.cri.container-type=sandbox
	nf_start runc "$NF_BUNDLE" "$pause"
	[ ! -f "$NF_TMP/state/$pause.json" ]
	nf_assert_ns_clean "$ns"
	nf_expect_open "$pause" "$NF_PUB2" 443

	NF_NETNS_PATH=$ns nf_bundle app io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443" io.kubernetes.cri.container-type=container
	nf_start runc "$NF_BUNDLE" "$app"
	pod_expect_fenced "$app"
	# one namespace, one policy: the pause container is behind it too now
	nf_expect_blocked "$pause" "$NF_PUB2" 443

	nf_stop "$app"
	nf_assert_ns_clean "$ns"
	nf_stop "$pause"
	nf_assert_clean
	pod_cni_del "$nsname" c
}

@test "pod: CAP_NET_ADMIN without a seccomp filter is refused in a CNI-wired namespace" {
	local ns id
	ns=$(nf_cni_pod d)
	id=$(nf_cid admin)
	NF_NETNS_PATH=$ns NF_CONFIG_JQ='.process.capabilities |= map_values(. + ["CAP_NET_ADMIN"])' \
		nf_bundle admin io.netfence.policy=restricted -- /bin/busybox true
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "CAP_NET_ADMIN" "NETLINK_NETFILTER"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
	pod_cni_del "${ns##*/}" d
}

# WORLD counts the probe's raw frames (IP id 4242) per destination in a table of its own.
raw_counters_setup() {
	ip netns exec "$NF_WORLD" nft -f - <<-NFT
		table inet nfrawtest {
			counter raw_allowed {}
			counter raw_blocked {}
			chain pre {
				type filter hook prerouting priority -300; policy accept;
				ip id 4242 ip daddr $NF_PUB1 tcp dport 443 counter name raw_allowed
				ip id 4242 ip daddr $NF_PUB2 tcp dport 443 counter name raw_blocked
			}
		}
	NFT
}

raw_count() { # COUNTER
	ip netns exec "$NF_WORLD" nft -j list counter inet nfrawtest "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

@test "pod: frames from a packet socket (CAP_NET_RAW) cannot go around the overlay policy" {
	local ns id
	ns=$(nf_cni_pod e)
	id=$(nf_cid raw)
	raw_counters_setup
	# control: before netfence, such a frame to that destination does arrive
	ip netns exec "${ns##*/}" "$NF_PROBE" rawsend eth0 "$NF_PUB2" 443 tcp
	nf_wait_for 250 test "$(raw_count raw_blocked)" -eq 1
	NF_NETNS_PATH=$ns NF_CONFIG_JQ='.process.capabilities |= map_values(. + ["CAP_NET_RAW"])' \
		nf_bundle raw io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	nf_start runc "$NF_BUNDLE" "$id"
	nf_expect_open "$id" "$NF_PUB1" 443

	# a hand-built SYN to a blocked destination first, then one to the allowed destination:
	# same path, so once the allowed one has arrived the blocked one would have too
	run nf_exec "$id" /probe rawsend eth0 "$NF_PUB2" 443 tcp
	echo "blocked destination: $output (exit $status)"
	[ "$status" -le 1 ]
	run nf_exec "$id" /probe rawsend eth0 "$NF_PUB1" 443 tcp
	echo "allowed destination: $output (exit $status)"
	[ "$status" -eq 0 ]
	nf_wait_for 250 test "$(raw_count raw_allowed)" -ge 1
	echo "arrived in WORLD: allowed $(raw_count raw_allowed), blocked $(raw_count raw_blocked)"
	[ "$(raw_count raw_allowed)" -ge 1 ]
	[ "$(raw_count raw_blocked)" -eq 1 ]

	nf_stop "$id"
	nf_assert_ns_clean "$ns"
	nf_assert_clean
	pod_cni_del "${ns##*/}" e
}

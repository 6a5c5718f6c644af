#!/usr/bin/env bats
# Layer 2 and IPv6 on the host end of a container's veth (wire mode), probed from inside a
# container that keeps CAP_NET_RAW (no seccomp filter): ARP answers only for the container's
# own gateway; router solicitations and advertisements never reach the host stack; neighbour
# solicitations from forged sources create no host neighbour entries (the table stays bounded).

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

L2_RAW_JQ='.process.capabilities |= map_values(. + ["CAP_NET_RAW"])'

# The host end of the test's only container.
l2_hostif() {
	local ifs
	ifs=$(nf_host_nf_links)
	[ "$(wc -w <<<"$ifs")" -eq 1 ] || {
		echo "expected one nf* link in HOST, got: $ifs" >&2
		return 1
	}
	echo "$ifs"
}

l2_gw6() {
	nf_exec "$1" /bin/busybox ip -6 route show default | awk '{print $3}' | head -n1
}

l2_ll6() {
	nf_exec "$1" /bin/busybox ip -6 -o addr show dev eth0 scope link | awk '{print $4}' |
		cut -d/ -f1 | head -n1
}

l2_sysctl() { # KEY: its value in HOST
	ip netns exec "$NF_HOST" sysctl -n "$1"
}

arp_checks() {
	local rt=$1 a b gwa gwb ifa ifs
	a=$(nf_cid arpa)
	b=$(nf_cid arpb)
	NF_CONFIG_JQ=$L2_RAW_JQ nf_bundle arpa io.netfence.policy=restricted \
		"io.netfence.egress=$NF_PUB1:443"
	nf_start "$rt" "$NF_BUNDLE" "$a"
	NF_CONFIG_JQ=$L2_RAW_JQ nf_bundle arpb io.netfence.policy=restricted
	nf_start "$rt" "$NF_BUNDLE" "$b"
	gwa=$(nf_gw4 "$a")
	gwb=$(nf_gw4 "$b")
	echo "gateways: $gwa $gwb"
	[ -n "$gwa" ]
	[ -n "$gwb" ]

	# who-has from the container's own address: its gateway answers, nothing else of the
	# host does (the uplink, another container's host end)
	nf_probe "$a" arpscan eth0 "$gwa" "$NF_UP4_HOST" "$gwb"
	grep -qx "$gwa reply .*" <<<"$NF_PROBE_OUT"
	grep -qx "$NF_UP4_HOST none" <<<"$NF_PROBE_OUT"
	grep -qx "$gwb none" <<<"$NF_PROBE_OUT"
	grep -qx "replies 1" <<<"$NF_PROBE_OUT"

	# who-has from a forged sender: the host learns no neighbour from it
	nf_probe "$a" -s 10.213.255.77 arpscan eth0 "$gwa"
	nf_probe "$a" -s "$NF_UP4_WORLD" arpscan eth0 "$gwa"
	ifs=$(nf_host_nf_links)
	for ifa in $ifs; do
		run ip -n "$NF_HOST" -4 neigh show dev "$ifa"
		echo "HOST neighbours on $ifa: $output"
		[[ $output != *10.213.255.77* ]]
		[[ $output != *"$NF_UP4_WORLD"* ]]
		[ "$(l2_sysctl "net.ipv4.conf.$ifa.arp_ignore")" -ne 0 ]
		[ "$(l2_sysctl "net.ipv4.conf.$ifa.accept_redirects")" -eq 0 ]
	done
	run ip -n "$NF_HOST" -4 neigh show "$NF_UP4_WORLD"
	echo "HOST neighbour $NF_UP4_WORLD: $output"
	[[ $output != *nf* ]]

	# ordinary traffic is unchanged
	nf_expect_open "$a" "$NF_PUB1" 443
	nf_expect_blocked "$a" "$NF_PUB2" 443
	nf_expect_blocked "$a" "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
	nf_stop "$a"
	nf_stop "$b"
	nf_assert_clean
}

@test "arp (runc): the host end answers who-has only for the container's own gateway" {
	arp_checks runc
}

@test "arp (crun): the host end answers who-has only for the container's own gateway" {
	arp_checks crun
}

ndp_checks() {
	local rt=$1 id hostif gw6 ll6 a6 out n
	# a host that takes router advertisements even while forwarding, on every new interface
	# (what an uplink that learns its routes from RAs needs): the host end must not inherit it
	ip netns exec "$NF_HOST" sysctl -qw net.ipv6.conf.default.accept_ra=2
	ip netns exec "$NF_HOST" sysctl -qw net.ipv6.conf.default.autoconf=1
	id=$(nf_cid nd)
	NF_CONFIG_JQ=$L2_RAW_JQ nf_bundle nd io.netfence.policy=restricted io.netfence.ipv6=on \
		"io.netfence.egress=[$NF_PUB6]:443,$NF_PUB1:443" \
		"io.netfence.ingress=[$NF_PUB6]:8080" -- /probe serve tcp :: 8080
	nf_start "$rt" "$NF_BUNDLE" "$id"
	nf_wait_listening "$id"
	hostif=$(l2_hostif)
	gw6=$(l2_gw6 "$id")
	ll6=$(l2_ll6 "$id")
	a6=$(nf_addr6 "$id")
	echo "host end $hostif, gateway $gw6, container $a6 and $ll6"
	[ -n "$gw6" ]
	[ -n "$ll6" ]
	[ -n "$a6" ]

	# a router advertisement from the container's own link-local address and from a forged
	# one: a default route and an autoconfigured prefix
	nf_probe "$id" ndp eth0 ra "$ll6" ff02::1 2001:db8:bad::
	nf_probe "$id" ndp eth0 ra fe80::bad:1 ff02::1 2001:db8:bad:1::
	# router and neighbour solicitations from forged sources: each would be a neighbour entry
	nf_probe "$id" ndp eth0 rs fe80::a:0 ff02::2 64
	nf_probe "$id" ndp eth0 ns fe80::b:0 "$gw6" 64
	nf_probe "$id" ndp eth0 ns fd6e:6663:ffff::100 "$gw6" 64
	nf_probe "$id" ndp eth0 ns "$NF_UP6_WORLD" "$gw6"
	# a solicitation from the container's own address: its gateway is advertised, the host's
	# other addresses are not
	nf_probe "$id" ndp eth0 ns "$a6" "$gw6"
	[[ $NF_PROBE_OUT == *"advertised "[1-9]* ]]
	nf_probe "$id" ndp eth0 ns "$a6" "$NF_UP6_HOST"
	[[ $NF_PROBE_OUT == *"advertised 0"* ]]
	# the same path carries a connection to the host: once it is refused, the frames above
	# have been through
	nf_expect_blocked "$id" "$NF_UP6_HOST" "$NF_HOST_SVC_PORT"

	run ip -n "$NF_HOST" -6 route show
	echo "HOST IPv6 routes: $output"
	[[ $output != *"proto ra"* ]]
	[[ $output != *2001:db8:bad* ]]
	run ip -n "$NF_HOST" -6 route show default
	[[ $output != *"$hostif"* ]]
	run ip -n "$NF_HOST" -6 addr show dev "$hostif"
	echo "HOST addresses on $hostif: $output"
	[[ $output != *2001:db8:bad* ]]
	out=$(ip -n "$NF_HOST" -6 neigh show dev "$hostif")
	echo "HOST neighbours on $hostif: $out"
	[[ $out != *fe80::a:* ]]
	[[ $out != *fe80::b:* ]]
	[[ $out != *fd6e:6663:ffff::1* ]]
	[[ $out != *"$NF_UP6_WORLD"* ]]
	# bounded: the container's own addresses at most
	n=$(grep -c . <<<"$out" || true)
	[ "$n" -le 2 ]

	# the host end takes no RAs, redirects or autoconfiguration
	[ "$(l2_sysctl "net.ipv6.conf.$hostif.accept_ra")" -eq 0 ]
	[ "$(l2_sysctl "net.ipv6.conf.$hostif.accept_redirects")" -eq 0 ]
	[ "$(l2_sysctl "net.ipv6.conf.$hostif.autoconf")" -eq 0 ]

	# ordinary traffic is unchanged
	nf_expect_open "$id" "$NF_PUB6" 443
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB6" 444
	# traffic from the world into the container still finds it: the host resolves the
	# container's address afresh and the container's answer gets through
	ip -n "$NF_HOST" -6 neigh flush dev "$hostif"
	nf_world_connect "$NF_PUB6" "$a6" 8080 2000
	nf_stop "$id"
	nf_assert_clean
}

@test "ipv6 on (runc): RAs, RSs and forged neighbour solicitations never reach the host's tables" {
	ndp_checks runc
}

@test "ipv6 on (crun): RAs, RSs and forged neighbour solicitations never reach the host's tables" {
	ndp_checks crun
}

#!/usr/bin/env bash
# netfence: (re)make the seed corpus of fuzz_dnsmsg: real queries and answers, asked with drill
# of a dnsmasq in a throwaway network namespace (nothing leaves it), written as drill -w's hex
# text into tests/fuzz/corpus/fuzz_dnsmsg/ (run-fuzz.sh turns them into bytes). Needs root.
# Usage: tests/fuzz/capture-dnsmsg.sh
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)/corpus/fuzz_dnsmsg
work=$(mktemp -d "${TMPDIR:-/tmp}/netfence-capture.XXXXXX")
ns=nf-capture-$$
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
# 300 addresses for one name: over UDP a truncated answer, over TCP the whole
for i in $(seq 0 299); do echo "10.$((i / 256)).$((i % 256)).1 many.example"; done >"$work/hosts"
ip netns exec "$ns" dnsmasq --no-daemon --no-resolv --no-hosts --addn-hosts="$work/hosts" \
	--listen-address=127.0.0.1 --bind-interfaces --local=/example/ \
	--host-record=www.example,192.0.2.10,2001:db8::10 --cname=alias.example,www.example \
	--cname=Deep.Example,alias.example --txt-record=_dmarc.example,"v=DMARC1; p=none" \
	--srv-host=_sip._tcp.example,www.example,5060 --mx-host=example,www.example,10 \
	--log-facility=/dev/null >/dev/null 2>&1 &
dpid=$!
for _ in $(seq 50); do
	ip netns exec "$ns" drill @127.0.0.1 www.example >/dev/null 2>&1 && break
	sleep 0.1
done
d() { # file, drill arguments: -q writes the query (not sent), -w the answer
	ip netns exec "$ns" drill "${@:2}" >/dev/null
	sed -i 's/[[:space:]]*$//' "$work/$1"
	mv "$work/$1" "$out/$1.hex"
}
mkdir -p "$out"
cd "$work"
d q_a_www -q q_a_www @127.0.0.1 www.example A
d q_aaaa_do -q q_aaaa_do -D @127.0.0.1 www.example AAAA
d q_a_many_edns -q q_a_many_edns -b 4096 @127.0.0.1 many.example A
d q_txt_dmarc -q q_txt_dmarc @127.0.0.1 _dmarc.example TXT
d q_any -q q_any @127.0.0.1 www.example ANY
d a_www -w a_www @127.0.0.1 www.example A
d a_aaaa_do -w a_aaaa_do -D @127.0.0.1 www.example AAAA
d a_cname_chain -w a_cname_chain @127.0.0.1 Deep.Example A
d a_many_udp4096 -w a_many_udp4096 -b 4096 @127.0.0.1 many.example A
d a_many_udp512_tc -w a_many_udp512_tc @127.0.0.1 many.example A
d a_many_tcp -w a_many_tcp -t @127.0.0.1 many.example A
d a_nxdomain -w a_nxdomain @127.0.0.1 nothere.example A
d a_txt_dmarc -w a_txt_dmarc @127.0.0.1 _dmarc.example TXT
d a_srv_glue -w a_srv_glue @127.0.0.1 _sip._tcp.example SRV
d a_mx_glue -w a_mx_glue @127.0.0.1 example MX
d a_any -w a_any @127.0.0.1 www.example ANY
d a_refused -w a_refused @127.0.0.1 other.test A
echo "capture: $(ls "$out" | wc -l) messages in $out"

#!/usr/bin/env bats
# The Kubernetes path as kubelet drives it: containerd 1.6's CRI plugin, started by the test
# inside HOST with its own root, state, sockets and config (deploy/containerd/config.toml merged
# in), pods wired by the CNI bridge plugin, images built here and imported (a static pause and
# busybox with the probe; no registry). tests/cri/cri.mjs speaks CRI v1 over the socket and
# turns a Pod object into kubelet's calls: RunPodSandbox with the RuntimeClass's handler and
# the pod's annotations, CreateContainer, StartContainer, ExecSync, StopPodSandbox,
# RemovePodSandbox.

load helpers

setup_file() {
	command -v node >/dev/null || return 0
	[ -d "$NF_ROOT/tests/cri/node_modules/@grpc/grpc-js" ] || return 0
	bash "$NF_ROOT/tests/cri/images.sh" "$BATS_FILE_TMPDIR" "$NF_PROBE"
}

setup() {
	command -v node >/dev/null || skip "node is not installed"
	[ -d "$NF_ROOT/tests/cri/node_modules/@grpc/grpc-js" ] &&
		[ -d "$NF_ROOT/tests/cri/node_modules/@grpc/proto-loader" ] ||
		skip "tests/cri tools are not installed (bash tests/deps.sh)"
	nf_world_setup
	# a Kubernetes node: the sandbox annotation is trusted (docs/kubernetes.md)
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"kubernetes\": true}"
	# the shims and netfence-runtime inherit containerd's environment
	NF_CTRD_ENV="NETFENCE_RUNTIME=runc NETFENCE_CONFIG=$NF_HOSTCONF"
	# the RuntimeClass of deploy/kubernetes/runtimeclass.yaml: its name and handler
	NF_CRI_HANDLERS=$(awk '$1 == "name:" {n = $2} $1 == "handler:" {h = $2}
		END {print n "=" h}' "$NF_ROOT/deploy/kubernetes/runtimeclass.yaml")
	nf_cri_config
	nf_cri_start
	nf_cri_images "$BATS_FILE_TMPDIR"
}

teardown() {
	nf_cri_teardown
	nf_world_teardown
}

# cri_pod NAME [CLASS] [KEY=VALUE...] [-- CONTAINER...]: a Pod object (Kubernetes JSON) in
# $NF_TMP/pod-NAME.json with the pod annotations given, runtimeClassName CLASS ("" for none),
# DNS pointing at the world's resolver, and one sleeping container of the app image per
# CONTAINER name (default: app), each dropping NET_RAW as pod-example.yaml does.
# CRI_POD_JQ: a jq filter applied last.
cri_pod() {
	local name=$1 class=${2:-} ann='{}' kv cs='[]' c
	shift 2 || shift $#
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		kv=$1
		ann=$(jq -c --arg k "${kv%%=*}" --arg v "${kv#*=}" '. + {($k): $v}' <<<"$ann")
		shift
	done
	[ "${1:-}" = "--" ] && shift
	[ $# -eq 0 ] && set -- app
	for c in "$@"; do
		cs=$(jq -c --arg c "$c" --arg i "$NF_CRI_IMAGE_APP" '. + [{name: $c, image: $i,
			command: ["/bin/sleep", "3600"], imagePullPolicy: "Never",
			securityContext: {capabilities: {drop: ["NET_RAW"]}}}]' <<<"$cs")
	done
	jq -n --arg n "$name" --arg uid "uid-$name-$NF_TAG" --arg class "$class" \
		--argjson ann "$ann" --argjson cs "$cs" --arg dns "$NF_DNS_OK" '
	{apiVersion: "v1", kind: "Pod",
	 metadata: ({name: $n, namespace: "default", uid: $uid}
	   + (if $ann == {} then {} else {annotations: $ann} end)),
	 spec: ({dnsPolicy: "None", dnsConfig: {nameservers: [$dns]}, containers: $cs}
	   + (if $class == "" then {} else {runtimeClassName: $class} end))}
	| '"${CRI_POD_JQ:-.}" >"$NF_TMP/pod-$name.json"
	CRI_POD=$NF_TMP/pod-$name.json
}

# cri_run NAME: run the pod of cri_pod NAME as kubelet does; sets POD (sandbox id) and
# CRI_STATE (the client's record: {pod, ip, containers: {name: id}}).
cri_run() {
	CRI_STATE=$NF_TMP/state-$1.json
	nf_cri run-pod "$NF_TMP/pod-$1.json" "$CRI_STATE" || return 1
	POD=$(jq -r .pod "$CRI_STATE")
}

cri_cid() { # CONTAINER-NAME: its id in the last pod run
	jq -r --arg c "$1" '.containers[$c]' "$CRI_STATE"
}

# The bundle containerd's runc shim handed to the runtime (netfence-runtime added the hooks).
cri_bundle_config() { # ID
	echo "$NF_CTRD/state/io.containerd.runtime.v2.task/k8s.io/$1/config.json"
}

# The pod's network namespace, as the CRI plugin made it (under its state dir).
cri_netns() { # POD-ID
	nf_cri inspect-pod "$1" | jq -r '.info.info' | jq -r '.runtimeSpec.linux.namespaces[] |
		select(.type == "network") | .path'
}

# cri_expect ID open|blocked ADDR PORT [open|blocked ADDR PORT...]: TCP connects from the
# container through ExecSync (one client call for all); a blocked one must fail fast.
cri_expect() {
	local id=$1 want cmds=() line rc bad=0 i
	shift
	local wants=()
	while [ $# -ge 3 ]; do
		wants+=("$1 $2:$3")
		cmds+=("$(jq -cn --arg a "$2" --arg p "$3" '["/probe", "connect", "tcp", $a, $p, "2000"]')")
		shift 3
	done
	i=0
	while read -r line; do
		rc=$(jq -r .exit_code <<<"$line")
		NF_PROBE_OUT=$(jq -r .output <<<"$line")
		want=${wants[$i]}
		echo "probe $id: ${want#* } -> $NF_PROBE_OUT (exit $rc), expected ${want%% *}"
		case ${want%% *} in
		open) [ "$rc" -eq 0 ] || { echo "FAIL: expected ${want#* } open" >&2; bad=1; } ;;
		blocked)
			if [ "$rc" -eq 0 ]; then
				echo "FAIL: expected ${want#* } blocked" >&2
				bad=1
			else
				nf_check_blocked_fast "${want#* }" || bad=1
			fi
			;;
		esac
		i=$((i + 1))
	done < <(nf_cri execs "$id" 30 "${cmds[@]}" || echo '{"exit_code": 99, "output": "client failed"}')
	[ "$i" -eq "${#wants[@]}" ] || { echo "FAIL: $i answers for ${#wants[@]} probes" >&2; bad=1; }
	return $bad
}

# The pod's policy (restricted, egress $NF_PUB1:443) holds for container ID.
cri_expect_fenced() {
	cri_expect "$1" open "$NF_PUB1" 443 blocked "$NF_PUB1" 80 blocked "$NF_PUB2" 443 \
		blocked "$NF_META" 80 blocked "$NF_UP4_HOST" "$NF_HOST_SVC_PORT"
}

# Nothing of the pod is left: no sandbox or container in CRI, no task bundle, no network
# namespace or IP lease of the CRI plugin's, and nothing of netfence (nf_assert_clean).
cri_assert_gone() {
	local out bad=0
	out=$(nf_cri pods | jq -r '.[].id')
	[ -z "$out" ] || { echo "leftover sandboxes: $out" >&2; bad=1; }
	out=$(nf_cri containers | jq -r '.[].id')
	[ -z "$out" ] || { echo "leftover containers: $out" >&2; bad=1; }
	out=$(ls "$NF_CTRD/state/io.containerd.runtime.v2.task/k8s.io" 2>/dev/null || true)
	[ -z "$out" ] || { echo "leftover task bundles: $out" >&2; bad=1; }
	out=$(ls "$NF_CTRD/state/io.containerd.grpc.v1.cri/netns" 2>/dev/null || true)
	[ -z "$out" ] || { echo "leftover pod namespaces: $out" >&2; bad=1; }
	out=$(find "$NF_CTRD/cni-ipam" -name '10.*' 2>/dev/null || true)
	[ -z "$out" ] || { echo "leftover IP leases: $out" >&2; bad=1; }
	nf_assert_clean || bad=1
	return $bad
}

CRI_POLICY=(io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443")

@test "cri: a netfence pod: the sandbox skipped, its container fenced by the pod's annotations" {
	local app ns
	cri_pod p1 netfence "${CRI_POLICY[@]}"
	cri_run p1
	app=$(cri_cid app)
	nf_cri pods | jq -e --arg p "$POD" '.[] | select(.id == $p) |
		.runtime_handler == "netfence" and .state == "SANDBOX_READY"'
	# wired by the CNI bridge plugin (PodSandboxStatus reports its address)
	jq -e '.ip | startswith("10.77.0.")' "$CRI_STATE"
	# the CRI plugin passed the pod's annotations to both containers (pod_annotations);
	# netfence-runtime left the pause container alone and gave the application both hooks
	jq -e '.annotations["io.netfence.policy"] == "restricted" and
		.annotations["io.kubernetes.cri.container-type"] == "sandbox" and
		(.hooks // {} | length) == 0' "$(cri_bundle_config "$POD")"
	jq -e '.annotations["io.netfence.egress"] == "'"$NF_PUB1"':443" and
		.annotations["io.kubernetes.cri.container-type"] == "container" and
		(.hooks.createRuntime | length) == 1 and (.hooks.poststop | length) == 1' \
		"$(cri_bundle_config "$app")"
	# the sandbox is skipped, the application container fenced
	[ ! -f "$NF_TMP/state/$POD.json" ]
	[ -f "$NF_TMP/state/$app.json" ]
	cri_expect_fenced "$app"
	# overlay mode: the policy lives in the pod's namespace; no interface of netfence's own
	ns=$(cri_netns "$POD")
	[ -e "$ns" ]
	nsenter --net="$ns" nft list table inet netfence >/dev/null
	[ -z "$(nf_host_nf_links)" ]
}

@test "cri: a second container of the pod shares the fence; it holds until the last one stops" {
	local app side ns
	cri_pod p2 netfence "${CRI_POLICY[@]}" -- app side
	cri_run p2
	app=$(cri_cid app)
	side=$(cri_cid side)
	cri_expect_fenced "$app"
	cri_expect_fenced "$side"
	# one fence in the pod's namespace: set up by the first container, both its members
	ns=$(cri_netns "$POD")
	nsenter --net="$ns" nft list table inet netfence >/dev/null
	jq -e --arg a "$app" --arg s "$side" '.mode == "overlay" and
		([.members[].id] | sort) == ([$a, $s] | sort)' "$NF_TMP/state/$app.json"
	jq -e --arg a "$app" '.member_of == $a' "$NF_TMP/state/$side.json"

	# kubelet stops and removes one container (a restart, an ended init container): the
	# fence stays for the other
	nf_cri stop-container "$app"
	nf_cri rm-container "$app"
	nf_settled
	jq -e --arg s "$side" '[.members[].id] == [$s]' "$NF_TMP/state/$app.json"
	cri_expect_fenced "$side"
	nsenter --net="$ns" nft list table inet netfence >/dev/null

	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: a hostname rule in a pod: the address opens once the pod resolves the name" {
	local app
	cri_pod p10 netfence io.netfence.policy=restricted io.netfence.egress=allowed.test:443
	cri_run p10
	app=$(cri_cid app)
	# the CRI plugin wrote the pod's resolv.conf from its dnsConfig
	run nf_cri exec "$app" 10 /bin/cat /etc/resolv.conf
	[ "$output" = "nameserver $NF_DNS_OK" ]
	cri_expect "$app" blocked "$NF_PUB1" 443
	run nf_cri exec "$app" 10 /probe dns "$NF_DNS_OK" allowed.test 2000
	echo "$output"
	[[ $output == "answer $NF_PUB1 "* ]]
	run nf_cri exec "$app" 10 /probe dns "$NF_DNS_OK" other.test 2000
	echo "$output"
	[[ $output == "reply REFUSED"* ]]
	run nf_cri exec "$app" 10 /probe dns "$NF_DNS_OTHER" allowed.test 2000
	echo "$output"
	[[ $output == blocked* ]]
	cri_expect "$app" open "$NF_PUB1" 443 blocked "$NF_PUB2" 443 blocked "$NF_PUB1" 80
	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: StopPodSandbox takes the fence with the containers, RemovePodSandbox leaves nothing" {
	local app ns
	cri_pod p3 netfence "${CRI_POLICY[@]}"
	cri_run p3
	app=$(cri_cid app)
	ns=$(cri_netns "$POD")
	cri_expect_fenced "$app"
	[ -n "$(findmnt -rn -o TARGET | grep "^$NF_TMP/state/")" ]

	# as kubelet does when a pod is deleted: StopPodSandbox (it kills the running
	# containers: their poststop hooks run), then RemovePodSandbox
	nf_cri stop-pod "$POD"
	nf_cri pods | jq -e '.[0].state == "SANDBOX_NOTREADY"'
	nf_cri containers | jq -e 'all(.[]; .state == "CONTAINER_EXITED")'
	nf_assert_clean
	[ ! -e "$ns" ]
	nf_cri rm-pod "$POD"
	cri_assert_gone
	# RemovePodSandbox again: idempotent, as kubelet expects
	nf_cri rm-pod "$POD"
}

@test "cri: containerd restarted mid-pod: the fence holds throughout and the pod stops clean" {
	local app ns rc=0
	cri_pod p4 netfence "${CRI_POLICY[@]}"
	cri_run p4
	app=$(cri_cid app)
	ns=$(cri_netns "$POD")
	cri_expect_fenced "$app"

	nf_cri_stop
	# containerd is down, the pod runs on under its shims: still fenced (probed from inside
	# the pod's namespace, the way its containers reach out)
	NF_PROBE_OUT=$(nsenter --net="$ns" "$NF_PROBE" connect tcp "$NF_PUB2" 443 2000) || rc=$?
	echo "from the pod's namespace: $NF_PUB2:443 -> $NF_PROBE_OUT (exit $rc)"
	[ "$rc" -eq 1 ]
	nf_check_blocked_fast "$NF_PUB2:443 (containerd down)"
	nsenter --net="$ns" "$NF_PROBE" connect tcp "$NF_PUB1" 443 2000

	nf_cri_start
	nf_cri pods | jq -e '.[0].state == "SANDBOX_READY"'
	nf_cri containers | jq -e '.[0].state == "CONTAINER_RUNNING"'
	cri_expect_fenced "$app"
	[ -f "$NF_TMP/state/$app.json" ]

	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: an annotated pod without runtimeClassName: refused by admission, else unfenced" {
	local app
	[ -d "$NF_ROOT/tests/cel/node_modules/@marcbachmann/cel-js" ] ||
		skip "tests/cel tools are not installed (bash tests/deps.sh)"
	cri_pod p5 "" "${CRI_POLICY[@]}"
	cri_pod p5ok netfence "${CRI_POLICY[@]}"
	# deploy/kubernetes/admission-policy.yaml's CEL, evaluated as the API server does, on the
	# very Pod objects this file runs
	run node "$NF_ROOT/tests/cel/admission-check.mjs" \
		"$NF_ROOT/deploy/kubernetes/admission-policy.yaml" "$NF_TMP/pod-p5.json" \
		"$NF_TMP/pod-p5ok.json"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qF "pod $NF_TMP/pod-p5.json: refused: annotation io.netfence.policy" <<<"$output"
	grep -qF "runtimeClassName: netfence" <<<"$output"
	grep -qxF "pod $NF_TMP/pod-p5ok.json: admitted" <<<"$output"

	# why: past admission, kubelet runs such a pod on the default handler, where nothing adds
	# the hook; the annotations reach the container and are ignored
	cri_run p5
	app=$(cri_cid app)
	nf_cri pods | jq -e '.[0].runtime_handler == ""'
	jq -e '.annotations["io.netfence.policy"] == null and (.hooks // {} | length) == 0' \
		"$(cri_bundle_config "$app")"
	[ ! -f "$NF_TMP/state/$app.json" ]
	cri_expect "$app" open "$NF_PUB2" 443
	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: a pod of the netfence handler without netfence annotations is left alone" {
	local app
	cri_pod p6 netfence
	cri_run p6
	app=$(cri_cid app)
	jq -e '(.hooks // {} | length) == 0' "$(cri_bundle_config "$app")"
	[ -z "$(find "$NF_TMP/state" -name '*.json')" ]
	cri_expect "$app" open "$NF_PUB2" 443
	nsenter --net="$(cri_netns "$POD")" nft list tables | nf_not grep -q netfence
	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: a bad policy fails StartContainer naming the annotation; the pod removes clean" {
	cri_pod p7 netfence io.netfence.policy=restricted "io.netfence.egress=10.0.0.1/8"
	run cri_run p7
	echo "$output"
	nf_assert_refused "$output" "$status" StartContainer io.netfence.egress 10.0.0.1/8
	POD=$(jq -r .pod "$NF_TMP/state-p7.json")
	nf_cri containers | jq -e 'all(.[]; .state != "CONTAINER_RUNNING")'
	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: CAP_NET_ADMIN a netfence pod's container asks for is dropped by netfence-runtime" {
	local app
	CRI_POD_JQ='.spec.containers[0].securityContext.capabilities = {add: ["NET_ADMIN"]}' \
		cri_pod p8 netfence "${CRI_POLICY[@]}"
	cri_run p8
	app=$(cri_cid app)
	# the CRI plugin granted it; netfence-runtime took it out of the bundle (no CAP_NET_ADMIN
	# in a pre-wired namespace: it could delete the fence)
	nf_cri inspect "$app" | jq -r .info.info |
		jq -e '.runtimeSpec.process.capabilities.bounding | index("CAP_NET_ADMIN")'
	jq -e '[.process.capabilities[] | index("CAP_NET_ADMIN", "CAP_NET_RAW")] |
		all(. == null)' "$(cri_bundle_config "$app")"
	# the container's process (pid 1 of its pid namespace) holds neither (bits 12, 13)
	run nf_cri exec "$app" 10 /bin/sh -c 'grep CapBnd /proc/1/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[ $((0x${output##*[[:space:]]} & (3 << 12))) -eq 0 ]
	# ExecSync processes get their capabilities from containerd's own copy of the spec, not
	# from the bundle netfence-runtime edited: netfence-runtime takes the two out of the
	# process file containerd hands runc (`exec --process`) too.
	run nf_cri exec "$app" 10 /bin/sh -c 'grep CapEff /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[ $((0x${output##*[[:space:]]} & (3 << 12))) -eq 0 ]
	# and the socket filter netfence-runtime merged in (io.netfence.seccomp auto), which runc
	# applies to them too, keeps them off nftables (NETLINK_NETFILTER), raw and packet sockets
	run nf_cri exec "$app" 10 /probe socket 16 3 12
	echo "netlink netfilter: $output"
	[ "$output" = "denied EPERM" ]
	run nf_cri exec "$app" 10 /probe socket 2 3 1
	echo "raw: $output"
	[ "$output" = "denied EPERM" ]
	run nf_cri exec "$app" 10 /probe socket 17 3 768
	echo "packet: $output"
	[ "$output" = "denied EAFNOSUPPORT" ]
	cri_expect_fenced "$app"
	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

@test "cri: an annotated hostNetwork pod is refused by admission and by the hook" {
	[ -d "$NF_ROOT/tests/cel/node_modules/@marcbachmann/cel-js" ] ||
		skip "tests/cel tools are not installed (bash tests/deps.sh)"
	CRI_POD_JQ='.spec.hostNetwork = true' cri_pod p9 netfence "${CRI_POLICY[@]}"
	run node "$NF_ROOT/tests/cel/admission-check.mjs" \
		"$NF_ROOT/deploy/kubernetes/admission-policy.yaml" "$NF_TMP/pod-p9.json"
	echo "$output"
	grep -qF "pod $NF_TMP/pod-p9.json: refused:" <<<"$output"
	grep -F "pod $NF_TMP/pod-p9.json: refused:" <<<"$output" | grep -qF hostNetwork
	# past admission: the sandbox shares the node's (HOST's) namespace; the hook refuses the
	# container rather than fence the node
	run cri_run p9
	echo "$output"
	nf_assert_refused "$output" "$status" StartContainer "host's network namespace"
	POD=$(jq -r .pod "$NF_TMP/state-p9.json")
	ip netns exec "$NF_HOST" nft list tables | nf_not grep -q 'inet netfence$'
	nf_cri stop-pod "$POD"
	nf_cri rm-pod "$POD"
	cri_assert_gone
}

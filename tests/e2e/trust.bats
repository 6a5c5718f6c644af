#!/usr/bin/env bats
# The trust model holds (issue 9, item 6): what a container's author writes cannot switch the
# fence off. A claim to be a Kubernetes sandbox escapes nothing unless the host configuration
# says the host runs Kubernetes ("kubernetes": true); config.json keys that runc reads
# case-insensitively (Go's encoding/json) cannot show the hook one thing and runc another.

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"]}"
}

teardown() {
	nf_podman_teardown
	nf_world_teardown
}

# The container is fenced in wire mode: eth0 with a pool address, a state file, a blocked
# destination blocked fast and an allowed one open.
trust_expect_wire_fenced() { # ID
	local id=$1
	[ -f "$NF_TMP/state/$id.json" ]
	[[ $(nf_addr4 "$id") =~ ^10\.213\. ]]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
}

@test "runc: a container claiming to be a sandbox is fenced by its own policy (no kubernetes key)" {
	local id
	id=$(nf_cid sbx)
	nf_bundle sbx io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443" \
		io.kubernetes.cri.container-type=sandbox
	nf_start runc "$NF_BUNDLE" "$id"
	trust_expect_wire_fenced "$id"
	nf_stop "$id"
	nf_assert_clean
}

@test "runc: default_policy covers a container claiming to be a CRI-O sandbox" {
	local id
	id=$(nf_cid sbd)
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"],
		\"default_policy\": {\"base\": \"restricted\", \"egress\": [\"$NF_PUB1:443\"]}}"
	nf_bundle sbd io.kubernetes.cri-o.ContainerType=sandbox
	nf_start runc "$NF_BUNDLE" "$id"
	trust_expect_wire_fenced "$id"
	nf_stop "$id"
	nf_assert_clean
}

@test "podman: with default_policy, a container claiming to be a sandbox is fenced" {
	local name=pm-sbx-$NF_TAG cid pid
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"],
		\"default_policy\": {\"base\": \"restricted\", \"egress\": [\"$NF_PUB1:443\"]}}"
	nf_podman_setup
	# the "always" registration, as a host with a default_policy installs it
	nf_hooksd "$NF_PODMAN/hooks" "$NF_ROOT/hooks.d/always"
	# the default bridge network: unfenced, everything would open
	run nf_podman run -d --name "$name" \
		--annotation io.kubernetes.cri.container-type=sandbox \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--rootfs "$NF_TMP/rootfs" /bin/busybox sleep 3600
	echo "$output"
	[ "$status" -eq 0 ]
	cid=${lines[-1]}
	[ -f "$NF_TMP/state/$cid.json" ]
	run nf_podman exec "$name" /probe connect tcp "$NF_PUB1" 443 2000
	echo "$output"
	[[ $output == open* ]]
	run nf_podman exec "$name" /probe connect tcp "$NF_PUB2" 443 2000
	echo "$output"
	[ "$status" -ne 0 ]
	NF_PROBE_OUT=$output
	nf_check_blocked_fast "$NF_PUB2:443"
	pid=$(nf_podman inspect --format '{{.State.Pid}}' "$name")
	nsenter --net="/proc/$pid/ns/net" nft list table inet netfence >/dev/null

	run nf_podman rm -f -t 0 "$name"
	[ "$status" -eq 0 ]
	nf_assert_clean
}

# nf_bundle, then the document rewritten by jq and a textual rename of a key (jq cannot write
# a duplicate key): trust_bundle_rename NAME JQ-FILTER FROM TO ANNOTATIONS... ($TRUST_FILTER:
# a file jq reads as $f)
trust_bundle_rename() {
	local name=$1 filter=$2 from=$3 to=$4
	shift 4
	nf_bundle "$name" "$@" -- /bin/busybox true
	jq --slurpfile f "${TRUST_FILTER:-/dev/null}" "$filter" "$NF_BUNDLE/config.json" |
		sed "s/\"$from\":/\"$to\":/" >"$NF_BUNDLE/config.json.new"
	mv "$NF_BUNDLE/config.json.new" "$NF_BUNDLE/config.json"
	echo "config.json: $(jq -c .linux "$NF_BUNDLE/config.json" 2>&1 | cut -c1-300)"
}

@test "runc: \"seccomp\" then \"Seccomp\" (runc keeps the last) is refused with a message" {
	local id
	id=$(nf_cid case)
	TRUST_FILTER=$NF_TMP/filter.json
	"$NF_BIN" seccomp-profile --level inet --format oci >"$TRUST_FILTER"
	# the hook would see the socket filter; runc loads the allow-all one after it
	trust_bundle_rename case \
		'.linux.seccomp = $f[0] | .linux.ZZseccomp = {defaultAction: "SCMP_ACT_ALLOW"}' \
		ZZseccomp Seccomp io.netfence.policy=restricted io.netfence.seccomp=inet
	grep -q '"Seccomp":' "$NF_BUNDLE/config.json"
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" "config.json" "Seccomp" \
		"case"
	[ ! -f "$NF_TMP/state/$id.json" ]
	nf_assert_clean
}

@test "runc: a key the hook reads spelled in another case (\"Linux\") is refused with a message" {
	local id
	id=$(nf_cid lcase)
	trust_bundle_rename lcase '.' linux Linux io.netfence.policy=restricted
	run nf_run_runc "$NF_BUNDLE" "$id"
	echo "$output"
	nf_assert_refused "$output" "$status" "netfence: $id" "config.json" "Linux" "linux"
	nf_assert_clean
}

@test "netfence-runtime (runc): \"seccomp\" then \"Seccomp\" is refused untouched, runc not run" {
	local id b sum
	id=$(nf_cid wcase)
	NF_NO_HOOKS=1 nf_bundle wcase io.netfence.policy=restricted -- /bin/busybox true
	b=$NF_BUNDLE
	# the wrapper would merge its filter into the first; runc keeps the second, allow-all
	jq '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO"} |
		.linux.ZZseccomp = {defaultAction: "SCMP_ACT_ALLOW"}' "$b/config.json" |
		sed 's/"ZZseccomp":/"Seccomp":/' >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
	sum=$(sha256sum <"$b/config.json")
	echo "$id" >>"$NF_TMP/containers"
	echo wrunc >"$NF_TMP/out/$id.rt"
	run nf_rt wrunc run -b "$b" "$id"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "netfence-runtime: $b/config.json: duplicate key \"Seccomp\" and \"seccomp\" (runc matches keys ignoring case and keeps the last)" ]
	[ "$(sha256sum <"$b/config.json")" = "$sum" ]
	nf_assert_clean
}

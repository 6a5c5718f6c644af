#!/usr/bin/env bats
# The registration files netfence ships (hooks.d/, deploy/): they parse, and they say what the
# engines need to run the hook at the right stage for the right containers. No namespaces here.

load helpers

HOOKS_FILES=("$NF_ROOT"/hooks.d/*.json "$NF_ROOT"/hooks.d/always/*.json)

# Does the `when.annotations` key regex of FILE match KEY? (POSIX ERE, as podman/CRI-O use it.)
key_matches() { # FILE KEY
	local re
	re=$(jq -r '.when.annotations | keys[0]' "$1")
	grep -qE -- "$re" <<<"$2"
}

@test "files: every shipped JSON file parses" {
	local f
	for f in "${HOOKS_FILES[@]}" "$NF_ROOT/config.json.example" "$NF_ROOT/deploy/containerd/containerd-hooks.json"; do
		echo "$f"
		jq -e . "$f" >/dev/null
	done
}

@test "files: hooks.d files are hooks.d 1.0.0, one stage each, the stage in args" {
	local f n=0
	for f in "${HOOKS_FILES[@]}"; do
		echo "$f"
		n=$((n + 1))
		jq -e '.version == "1.0.0"' "$f"
		jq -e '.hook.path | type == "string" and startswith("/")' "$f"
		jq -e '.hook.path | endswith("/bin/netfence")' "$f"
		jq -e '.hook.args[0:2] == ["netfence", "hook"]' "$f"
		jq -e '.stages | length == 1' "$f"
		jq -e '.hook.args[2] == .stages[0]' "$f"
		jq -e '.stages[0] == "createRuntime" or .stages[0] == "poststop"' "$f"
		jq -e '[.hook.env[] | select(startswith("PATH=/"))] | length == 1' "$f"
		# only the keys podman's and CRI-O's 1.0.0 reader knows
		jq -e 'keys - ["hook", "stages", "version", "when"] == []' "$f"
		jq -e '.hook | keys - ["args", "env", "path", "timeout"] == []' "$f"
		jq -e '.when | keys - ["always", "annotations", "commands", "hasBindMounts"] == []' "$f"
	done
	[ "$n" -eq 4 ]
}

# A positive whole number of seconds, small enough that a hung hook fails the container soon.
TIMEOUT_OK='type == "number" and . == floor and . > 0 and . <= 120'

@test "files: every shipped hook registration carries a timeout" {
	local f n=0
	# hooks.d 1.0.0 files, every directory (podman's precreate included): hook.timeout
	while IFS= read -r f; do
		echo "$f"
		n=$((n + 1))
		jq -e ".hook.timeout | $TIMEOUT_OK" "$f"
	done < <(find "$NF_ROOT/hooks.d" -name '*.json' | sort)
	[ "$n" -eq 5 ]
	# OCI "hooks" objects: containerd's base-spec hooks, the example bundle
	for f in "$NF_ROOT/deploy/containerd/containerd-hooks.json" "$NF_ROOT/config.json.example"; do
		echo "$f"
		jq -e "[(.hooks // .)[][]] | length >= 2 and all(.timeout | $TIMEOUT_OK)" "$f"
	done
	# the README's example registration
	[ "$(grep -c '"args": \["netfence", "hook", "[a-zA-Z]*"\], "timeout": 30 }' \
		"$NF_ROOT/README.md")" -eq 2 ]
}

@test "files: each directory registers both stages, with the same path and env" {
	local d
	for d in "$NF_ROOT/hooks.d" "$NF_ROOT/hooks.d/always"; do
		[ "$(jq -rs 'map(.stages[0]) | sort | join(",")' "$d"/*.json)" = "createRuntime,poststop" ]
		[ "$(jq -cs 'map(.hook.path) | unique | length' "$d"/*.json)" -eq 1 ]
		[ "$(jq -cs 'map(.hook.env) | unique | length' "$d"/*.json)" -eq 1 ]
	done
	# the always variant uses the same file names, so one masks the other across directories
	[ "$(cd "$NF_ROOT/hooks.d" && ls -- *.json)" = "$(cd "$NF_ROOT/hooks.d/always" && ls -- *.json)" ]
}

@test "files: the when regex selects io.netfence.* annotation keys and nothing else" {
	local f k
	for f in "$NF_ROOT"/hooks.d/*.json; do
		echo "$f"
		jq -e '.when | keys == ["annotations"]' "$f"
		jq -e '.when.annotations | length == 1' "$f"
		[ "$(jq -r '.when.annotations | keys[0]' "$f")" = '^io\.netfence\.' ]
		# the value regex matches any value, the empty one included
		[ "$(jq -r '.when.annotations[]' "$f")" = '.*' ]
		for k in io.netfence.policy io.netfence.egress io.netfence.ingress io.netfence.dns \
			io.netfence.polcy; do
			key_matches "$f" "$k"
		done
		for k in xio.netfence.policy io_netfence.policy ioXnetfence.policy io.netfencepolicy \
			io.kubernetes.cri.container-type org.example/io.netfence.policy; do
			echo "must not match: $k"
			nf_not key_matches "$f" "$k"
		done
	done
	for f in "$NF_ROOT"/hooks.d/always/*.json; do
		jq -e '.when == {"always": true}' "$f"
	done
}

@test "files: deploy files carry the names the docs and the engines use" {
	local d=$NF_ROOT/deploy
	grep -qE '^kind: RuntimeClass$' "$d/kubernetes/runtimeclass.yaml"
	grep -qE '^handler: netfence$' "$d/kubernetes/runtimeclass.yaml"
	grep -qE 'runtimeClassName: netfence' "$d/kubernetes/pod-example.yaml"
	grep -qF 'io.netfence.policy: restricted' "$d/kubernetes/pod-example.yaml"
	grep -qE '^kind: DaemonSet$' "$d/kubernetes/daemonset.yaml"
	grep -qF 'BinaryName = "/usr/local/bin/netfence-runtime"' "$d/containerd/config.toml"
	grep -qF 'pod_annotations = ["io.netfence.*"]' "$d/containerd/config.toml"
	grep -qF '[crio.runtime.runtimes.netfence]' "$d/crio/netfence.conf"
	grep -qF 'runtime_path = "/usr/local/bin/netfence-runtime"' "$d/crio/netfence.conf"
	grep -qE '^ExecStart=/usr/local/bin/netfence gc$' "$d/systemd/netfence-gc.service"
	grep -qE '^OnUnitActiveSec=' "$d/systemd/netfence-gc.timer"
}

@test "files: containerd accepts the runtime handler snippet" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	# `config dump` parses the file and merges it over the defaults; it starts nothing
	run containerd --config "$NF_ROOT/deploy/containerd/config.toml" config dump
	echo "$output" | grep -E 'netfence|BinaryName|pod_annotations' || true
	[ "$status" -eq 0 ]
	[[ $output == *'[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.netfence]'* ]]
	[[ $output == *'BinaryName = "/usr/local/bin/netfence-runtime"'* ]]
	[[ $output == *'pod_annotations = ["io.netfence.*"]'* ]]
}

@test "files: the CRI-O drop-in runs netfence-runtime and lists no foreign allowed_annotations" {
	python3 -c 'import tomllib' 2>/dev/null || skip "python3 with tomllib (3.11) is not installed"
	# CRI-O refuses at config validation any allowed_annotations entry that is not one of its
	# own keys (io.netfence.* would stop CRI-O); it copies pod annotations to containers anyway
	run python3 - "$NF_ROOT/deploy/crio/netfence.conf" <<-'PY'
		import sys, tomllib
		with open(sys.argv[1], "rb") as f:
		    doc = tomllib.load(f)
		assert list(doc) == ["crio"], doc
		assert list(doc["crio"]) == ["runtime"], "the drop-in changes only the handler"
		assert list(doc["crio"]["runtime"]) == ["runtimes"], "no global runtime settings"
		h = doc["crio"]["runtime"]["runtimes"]["netfence"]
		# keys of CRI-O's RuntimeHandler (pkg/config): nothing it would refuse as unknown
		known = {"runtime_path", "runtime_type", "runtime_root", "runtime_config_path",
		         "monitor_path", "monitor_env", "monitor_cgroup", "monitor_exec_cgroup",
		         "allowed_annotations", "privileged_without_host_devices"}
		assert set(h) <= known, set(h) - known
		assert h["runtime_path"] == "/usr/local/bin/netfence-runtime", h
		assert h["runtime_type"] == "oci", h
		for a in h.get("allowed_annotations", []):
		    assert "netfence" not in a and a.endswith(("crio.io", "cri-o.io")) or \
		        a.startswith("io.kubernetes.cri-o.") or a.startswith("io.containers."), a
		print("ok", h)
	PY
	echo "$output"
	[ "$status" -eq 0 ]
}

# The test-only npm tools of tests/cel (tests/deps.sh installs them).
cel_tools() {
	command -v node >/dev/null || skip "node is not installed"
	[ -d "$NF_ROOT/tests/cel/node_modules/@marcbachmann/cel-js" ] &&
		[ -d "$NF_ROOT/tests/cel/node_modules/yaml" ] ||
		skip "tests/cel tools are not installed (bash tests/deps.sh)"
}

@test "files: the Kubernetes files parse as YAML, each document with apiVersion and kind" {
	cel_tools
	run node "$NF_ROOT/tests/cel/yaml-check.mjs" "$NF_ROOT"/deploy/kubernetes/*.yaml
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok: ' <<<"$output")" -eq 5 ]
}

@test "files: the admission policy refuses netfence pods that would run unfenced (CEL)" {
	cel_tools
	# the policy's CEL evaluated as the API server does, against sample pods
	run node "$NF_ROOT/tests/cel/admission-check.mjs" \
		"$NF_ROOT/deploy/kubernetes/admission-policy.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"netfence annotations, no runtimeClassName: refused"* ]]
	[[ $output == *"no annotations, hostNetwork (kube-proxy): admitted"* ]]
}

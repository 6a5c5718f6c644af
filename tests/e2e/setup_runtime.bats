#!/usr/bin/env bats
# `netfence setup-runtime`: the netfence runtime merged into copies of real engine configurations
# (containerd's own `config default` output, a containerd 2.x sample, CRI-O drop-ins, podman's
# hooks.d), the diff of --dry-run, --undo, refusals; containerd parses what it wrote. Works on
# files under a temporary directory only: no namespace, no engine started.

load helpers

SR=$NF_ROOT/tests/e2e/setup-runtime

setup() {
	T=$(mktemp -d)
	RT=$(dirname "$NF_BIN")/netfence-runtime
}

teardown() {
	[ ! -f "$T/ctrd.pid" ] || ctrd_stop
	rm -rf "$T"
}

sr() {
	"$NF_BIN" setup-runtime "$@"
}

# TOML as JSON, for jq (python3's tomllib: Python 3.11 or later).
toml_json() {
	python3 -c 'import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))' "$1"
}

# containerd with its CRI plugin, started on FILE (whose root, state, socket and other paths are
# the test's) in a network namespace of its own; prints the CRI plugin's status (ok or error,
# as `ctr plugins ls` shows it: CRI validates its runtimes when it loads) and stops containerd.
cri_status() {
	local sock=$T/ctrd/containerd.sock st
	mkdir -p "$T/ctrd"
	unshare -n sh -c 'ip link set lo up && exec containerd --config "$1"' sh "$1" \
		>"$T/ctrd/log" 2>&1 </dev/null 3>&- &
	echo $! >"$T/ctrd.pid"
	nf_wait_for 600 ctr -a "$sock" version >/dev/null 2>&1 || { tail -n 20 "$T/ctrd/log" >&2; return 1; }
	st=$(ctr -a "$sock" plugins ls | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" {print $4}')
	grep -F 'io.containerd.grpc.v1.cri' "$T/ctrd/log" | grep -iE 'error|fail' >&2 || true
	ctrd_stop
	echo "$st"
}

ctrd_stop() {
	local pid
	pid=$(cat "$T/ctrd.pid")
	kill "$pid" 2>/dev/null || true
	nf_wait_for 400 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$T/ctrd.pid"
}

# The paths containerd's default config names, moved under $T/ctrd.
ctrd_paths() {
	sed -e "s#^root = .*#root = \"$T/ctrd/root\"#" -e "s#^state = .*#state = \"$T/ctrd/state\"#" \
		-e "s#\"/run/containerd/containerd.sock\"#\"$T/ctrd/containerd.sock\"#" \
		-e "s#\"/opt/containerd\"#\"$T/ctrd/opt\"#" -e "s#\"/opt/cni/bin\"#\"$T/ctrd/cni\"#" \
		-e "s#\"/etc/cni/net.d\"#\"$T/ctrd/net.d\"#" "$@"
}

need_tomllib() {
	python3 -c 'import tomllib' 2>/dev/null || skip "python3 with tomllib (3.11+) is not installed"
}

@test "setup-runtime: containerd 1.6's default config: dry-run diff, write, containerd parses it, undo" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	cp "$SR/containerd-1.6-default.toml" "$T/config.toml"
	run sr containerd --config "$T/config.toml" --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$SR/containerd-1.6-default.toml" "$T/config.toml" # dry-run writes nothing
	[ ! -e "$T/config.toml.netfence-backup" ]
	printf '%s\n' "$output" >"$T/diff"
	grep -qxF '+  BinaryName = "'"$RT"'"' "$T/diff"

	run sr containerd --config "$T/config.toml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"restart containerd"* ]]
	cmp "$SR/containerd-1.6-default.toml" "$T/config.toml.netfence-backup"
	# the dry-run's diff is the change made: patch(1) turns the original into the result
	cp "$SR/containerd-1.6-default.toml" "$T/patched.toml"
	patch -s "$T/patched.toml" "$T/diff"
	cmp "$T/patched.toml" "$T/config.toml"
	# what was there is kept: the result starts with the original, line for line
	head -n "$(wc -l <"$SR/containerd-1.6-default.toml")" "$T/config.toml" |
		cmp - "$SR/containerd-1.6-default.toml"

	run containerd --config "$T/config.toml" config dump
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/dump"
	grep -A12 -F '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.netfence]' "$T/dump" >"$T/rt"
	cat "$T/rt"
	grep -qF 'runtime_type = "io.containerd.runc.v2"' "$T/rt"
	grep -qF 'pod_annotations = ["io.netfence.*"]' "$T/rt"
	grep -qF 'container_annotations = ["io.netfence.*"]' "$T/rt"
	grep -A12 -F '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.netfence.options]' \
		"$T/dump" | grep -qF "BinaryName = \"$RT\""
	# runc's cgroup driver is copied (false in the default config)
	grep -A12 -F '.containerd.runtimes.netfence.options]' "$T/dump" | grep -qF 'SystemdCgroup = false'
	# the default handler is untouched
	grep -qF 'default_runtime_name = "runc"' "$T/dump"

	# a second run changes nothing
	cp "$T/config.toml" "$T/once.toml"
	run sr containerd --config "$T/config.toml"
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to change"* ]]
	cmp "$T/once.toml" "$T/config.toml"

	# --dry-run --undo shows the removal; --undo restores the original byte for byte
	run sr containerd --config "$T/config.toml" --dry-run --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'-  BinaryName = "'"$RT"'"'* ]]
	cmp "$T/once.toml" "$T/config.toml"
	run sr containerd --config "$T/config.toml" --undo
	[ "$status" -eq 0 ]
	cmp "$SR/containerd-1.6-default.toml" "$T/config.toml"
	run sr containerd --config "$T/config.toml" --undo
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to change"* ]]
	cmp "$SR/containerd-1.6-default.toml" "$T/config.toml"
}

@test "setup-runtime: containerd's CRI plugin loads the result (default config, and one naming no runtime)" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	ctrd_paths "$SR/containerd-1.6-default.toml" >"$T/config.toml"
	! grep -E '"/(var/lib|run|opt)/containerd' "$T/config.toml"
	sr containerd --config "$T/config.toml"
	run cri_status "$T/config.toml"
	echo "$output"
	[ "${lines[-1]}" = ok ]
	# a file that names no runtime: the block brings runc along, or containerd would lose its
	# default runtime (a runtimes table in the file replaces containerd's list) and CRI with it
	cat >"$T/min.toml" <<-EOF
		version = 2
		root = "$T/ctrd/root"
		state = "$T/ctrd/state"
		[grpc]
		  address = "$T/ctrd/containerd.sock"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$T/ctrd/opt"
		[plugins."io.containerd.grpc.v1.cri".cni]
		  bin_dir = "$T/ctrd/cni"
		  conf_dir = "$T/ctrd/net.d"
	EOF
	sr containerd --config "$T/min.toml"
	grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]' "$T/min.toml"
	run cri_status "$T/min.toml"
	echo "$output"
	[ "${lines[-1]}" = ok ]
	# ... which undo takes out again with the rest
	sr containerd --config "$T/min.toml" --undo
	! grep -q runtimes "$T/min.toml"
}

@test "setup-runtime: containerd copies runc's SystemdCgroup and keeps the file's mode" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	sed 's/SystemdCgroup = false/SystemdCgroup = true/' "$SR/containerd-1.6-default.toml" \
		>"$T/config.toml"
	chmod 0640 "$T/config.toml"
	sr containerd --config "$T/config.toml"
	[ "$(stat -c %a "$T/config.toml")" = 640 ]
	containerd --config "$T/config.toml" config dump |
		grep -A12 -F '.containerd.runtimes.netfence.options]' | grep -qF 'SystemdCgroup = true'
}

@test "setup-runtime: containerd 2.x (config version 3): the runtime under io.containerd.cri.v1.runtime" {
	need_tomllib
	cp "$SR/containerd-2.0-sample.toml" "$T/config.toml"
	run sr containerd --config "$T/config.toml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *warning* ]] # imports merge deeply on containerd 2.x
	toml_json "$T/config.toml" >"$T/j"
	jq -e --arg rt "$RT" '.plugins["io.containerd.cri.v1.runtime"].containerd.runtimes.netfence |
		.runtime_type == "io.containerd.runc.v2" and .pod_annotations == ["io.netfence.*"] and
		.container_annotations == ["io.netfence.*"] and .options.BinaryName == $rt and
		.options.SystemdCgroup == true' "$T/j"
	# runc and the rest untouched; nothing under the 1.x table
	jq -e '.plugins["io.containerd.cri.v1.runtime"].containerd.runtimes.runc.runtime_type ==
		"io.containerd.runc.v2" and (.plugins["io.containerd.grpc.v1.cri"] | has("containerd") | not)' "$T/j"
	sr containerd --config "$T/config.toml" --undo
	cmp "$SR/containerd-2.0-sample.toml" "$T/config.toml"
}

@test "setup-runtime: containerd: a config.toml that is a symbolic link stays one, its target edited" {
	cp "$SR/containerd-1.6-default.toml" "$T/real.toml"
	ln -s real.toml "$T/config.toml"
	sr containerd --config "$T/config.toml"
	[ -L "$T/config.toml" ]
	grep -qF 'runtimes.netfence]' "$T/real.toml"
	sr containerd --config "$T/config.toml" --undo
	[ -L "$T/config.toml" ]
	cmp "$SR/containerd-1.6-default.toml" "$T/real.toml"
}

@test "setup-runtime: containerd without a config file: one is made (version 2) and undo removes it" {
	command -v containerd >/dev/null || skip "containerd is not installed"
	run sr containerd --config "$T/etc/containerd/config.toml" --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'--- /dev/null'* ]]
	[ ! -e "$T/etc" ]
	sr containerd --config "$T/etc/containerd/config.toml"
	grep -qx 'version = 2' "$T/etc/containerd/config.toml"
	containerd --config "$T/etc/containerd/config.toml" config dump |
		grep -qF '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.netfence]'
	sr containerd --config "$T/etc/containerd/config.toml" --undo
	[ ! -e "$T/etc/containerd/config.toml" ]
	# settings added since keep the version line the block brought
	sr containerd --config "$T/etc/containerd/config.toml"
	printf '[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "pause:1"\n' \
		>>"$T/etc/containerd/config.toml"
	sr containerd --config "$T/etc/containerd/config.toml" --undo
	diff "$T/etc/containerd/config.toml" - <<-EOF
		version = 2
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "pause:1"
	EOF
	containerd --config "$T/etc/containerd/config.toml" config dump | grep -qF 'sandbox_image = "pause:1"'
}

@test "setup-runtime: containerd: settings added after the block are kept by a re-run and by undo" {
	cp "$SR/containerd-1.6-default.toml" "$T/config.toml"
	sr containerd --config "$T/config.toml"
	printf '\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.other]\n  runtime_type = "io.containerd.runc.v2"\n' \
		>>"$T/config.toml"
	cp "$T/config.toml" "$T/before.toml"
	run sr containerd --config "$T/config.toml"
	[[ $output == *"nothing to change"* ]]
	cmp "$T/before.toml" "$T/config.toml"
	sr containerd --config "$T/config.toml" --undo
	grep -qF 'runtimes.other]' "$T/config.toml"
	! grep -q netfence "$T/config.toml"
	head -n "$(wc -l <"$SR/containerd-1.6-default.toml")" "$T/config.toml" |
		cmp - "$SR/containerd-1.6-default.toml"
}

@test "setup-runtime: containerd: a block is found by its begin and end lines, whatever else the begin line says" {
	cp "$SR/containerd-1.6-default.toml" "$T/config.toml"
	sr containerd --config "$T/config.toml"
	sed -i 's/^# netfence setup-runtime: begin .*/# netfence setup-runtime: begin (written by an older netfence)/' \
		"$T/config.toml"
	run sr containerd --config "$T/config.toml" --dry-run
	echo "$output"
	[[ $output == *'-# netfence setup-runtime: begin (written by an older netfence)'* ]]
	[ "$(grep -c '^[-+]\[' <<<"$output")" -eq 0 ] # the tables stay, the begin line is rewritten
	sr containerd --config "$T/config.toml" --undo
	cmp "$SR/containerd-1.6-default.toml" "$T/config.toml"
	# a begin line without its end line is refused, the file untouched
	printf 'version = 2\n# netfence setup-runtime: begin (x)\n[a]\n' >"$T/half.toml"
	run sr containerd --config "$T/half.toml"
	[ "$status" -eq 1 ]
	[[ $output == *'the netfence block has no line "# netfence setup-runtime: end" after it'* ]]
	[ ! -e "$T/half.toml.netfence-backup" ]
}

@test "setup-runtime: containerd: a netfence runtime it did not add is refused, the file untouched" {
	local f
	# the repository's snippet merged by hand; the 2.x table in single quotes; dotted keys
	{
		cat "$SR/containerd-1.6-default.toml"
		grep -v '^version' "$NF_ROOT/deploy/containerd/config.toml"
	} >"$T/a.toml"
	{
		cat "$SR/containerd-2.0-sample.toml"
		printf "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.netfence]\n"
	} >"$T/b.toml"
	printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  runtimes.netfence.runtime_type = "io.containerd.runc.v2"\n' \
		>"$T/c.toml"
	for f in a b c; do
		cp "$T/$f.toml" "$T/$f.orig"
		run sr containerd --config "$T/$f.toml"
		echo "$output"
		[ "$status" -eq 1 ]
		[[ $output == *"$T/$f.toml: line "*"a \`netfence\` runtime exists that netfence setup-runtime did not add"* ]]
		cmp "$T/$f.orig" "$T/$f.toml"
		[ ! -e "$T/$f.toml.netfence-backup" ]
	done
}

@test "setup-runtime: containerd: version 1 refused; imports warned about on version 2" {
	printf '[plugins.cri]\n  sandbox_image = "pause"\n' >"$T/v1.toml"
	run sr containerd --config "$T/v1.toml"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"config version 1 (no \`version\` line: 1)"* ]]
	printf 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n' >"$T/i.toml"
	run sr containerd --config "$T/i.toml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: $T/i.toml has \`imports\`"*"replaces that whole section"* ]]
	# containerd's own default (imports = []) gets no warning
	cp "$SR/containerd-1.6-default.toml" "$T/d.toml"
	run sr containerd --config "$T/d.toml"
	[[ $output != *warning* ]]
}

@test "setup-runtime: crio: a drop-in CRI-O reads as the netfence handler; undo removes it" {
	need_tomllib
	local f=$T/crio.conf.d/50-netfence.conf
	run sr crio --config "$f" --dry-run
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"+runtime_path = \"$RT\""* ]]
	[ ! -e "$T/crio.conf.d" ]
	run sr crio --config "$f"
	[ "$status" -eq 0 ]
	[[ $output == *"restart crio"* ]]
	toml_json "$f" | jq -e --arg rt "$RT" '.crio.runtime.runtimes.netfence == {runtime_path: $rt,
		runtime_type: "oci", runtime_root: "/run/runc"}'
	# the same keys as the repository's drop-in, apart from the path
	toml_json "$NF_ROOT/deploy/crio/netfence.conf" |
		jq -e '.crio.runtime.runtimes.netfence | keys == ["runtime_path", "runtime_root", "runtime_type"]'
	run sr crio --config "$f"
	[[ $output == *"nothing to change"* ]]
	sr crio --config "$f" --undo
	[ ! -e "$f" ]
	# a drop-in of someone else's is neither overwritten nor removed
	printf '[crio.runtime.runtimes.netfence]\nruntime_path = "/opt/x"\n' >"$f"
	run sr crio --config "$f"
	[ "$status" -eq 1 ]
	[[ $output == *"$f exists and was not written by netfence setup-runtime"* ]]
	run sr crio --config "$f" --undo
	[ "$status" -eq 1 ]
	grep -qF /opt/x "$f"
}

@test "setup-runtime: podman: the two hooks.d files, as the shipped ones but for the binary's path" {
	local s
	sr podman --config "$T/hooks.d"
	for s in createruntime poststop; do
		jq -e --arg p "$(dirname "$NF_BIN")/netfence" '.hook.path == $p' "$T/hooks.d/netfence-$s.json"
		diff <(jq -S '{version, stages, when, a: .hook.args, t: .hook.timeout}' "$T/hooks.d/netfence-$s.json") \
			<(jq -S '{version, stages, when, a: .hook.args, t: .hook.timeout}' "$NF_ROOT/hooks.d/netfence-$s.json")
	done
	run sr podman --config "$T/hooks.d"
	[ "$status" -eq 0 ]
	[[ $output == *"netfence-poststop.json: nothing to change"* ]]
	sr podman --config "$T/hooks.d" --undo
	[ -z "$(ls -A "$T/hooks.d")" ]
	# the package's own files (another path) are left alone
	cp "$NF_ROOT/hooks.d/netfence-createruntime.json" "$T/hooks.d/"
	run sr podman --config "$T/hooks.d"
	[ "$status" -eq 1 ]
	[[ $output == *"netfence-createruntime.json exists and was not written by netfence setup-runtime"* ]]
	[ ! -e "$T/hooks.d/netfence-poststop.json" ]
}

@test "setup-runtime: usage errors" {
	run sr
	[ "$status" -eq 1 ]
	[[ $output == *"usage: netfence setup-runtime containerd|crio|podman"* ]]
	run sr docker
	[ "$status" -eq 1 ]
	run sr containerd --config
	[ "$status" -eq 1 ]
	run sr containerd --bogus
	[ "$status" -eq 1 ]
}

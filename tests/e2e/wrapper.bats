#!/usr/bin/env bats
# netfence-runtime (SPEC section 7): a bundle with io.netfence.* annotations and no hooks is
# fenced when run through the wrapper (runc and crun), the hooks are added once, other commands
# pass straight through, unannotated bundles stay byte-identical, the wrapper never executes
# itself, and a malformed config.json is refused untouched with one clear line.

load helpers

setup() {
	nf_world_setup
}

teardown() {
	nf_world_teardown
}

# How many netfence entries config.json holds at a stage: n_hooks BUNDLE STAGE
n_hooks() {
	jq --arg s "$2" --arg p "$NF_BIN" \
		'[(.hooks[$s] // [])[] | select(.path == $p)] | length' "$1/config.json"
}

wrapped_checks() {
	local rt=$1 id b
	id=$(nf_cid w)
	NF_NO_HOOKS=1 nf_bundle w io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	b=$NF_BUNDLE
	[ "$(jq '.hooks // {} | length' "$b/config.json")" -eq 0 ]

	nf_start "$rt" "$b" "$id"
	[ "$(n_hooks "$b" createRuntime)" -eq 1 ]
	[ "$(n_hooks "$b" poststop)" -eq 1 ]
	jq -e --arg c "NETFENCE_CONFIG=$NF_HOSTCONF" \
		'.hooks.createRuntime[0].args == ["netfence","hook","createRuntime"] and
		 (.hooks.poststop[0].env | index($c) != null)' "$b/config.json"

	# fenced: the rule's target opens, the rest fails fast
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	nf_expect_blocked "$id" "$NF_META" 80
	[ -f "$NF_TMP/state/$id.json" ]

	# state, kill, delete pass through (nf_is_running and nf_stop use the wrapper)
	run nf_rt "$rt" state "$id"
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	nf_stop "$id"
	run nf_rt "$rt" state "$id"
	[ "$status" -ne 0 ]
	nf_assert_clean

	# a second run of the same bundle (bundle as --bundle=, a global option before the
	# command): fenced again, the hooks not added twice
	echo "$rt" >"$NF_TMP/out/$id.rt"
	nf_rt "$rt" --log-format text run -d "--bundle=$b" "$id" </dev/null >/dev/null 3>&-
	nf_wait_for 250 nf_is_running "$id"
	[ "$(n_hooks "$b" createRuntime)" -eq 1 ]
	[ "$(n_hooks "$b" poststop)" -eq 1 ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB2" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "wrapper (runc): an annotated bundle without hooks is fenced, hooks added once" {
	wrapped_checks wrunc
}

@test "wrapper (crun): an annotated bundle without hooks is fenced, hooks added once" {
	wrapped_checks wcrun
}

@test "wrapper: the bundle found from the current directory (no -b)" {
	local id b
	id=$(nf_cid cwd)
	NF_NO_HOOKS=1 nf_bundle cwd io.netfence.policy=restricted
	b=$NF_BUNDLE
	echo wrunc >"$NF_TMP/out/$id.rt"
	echo "$id" >>"$NF_TMP/containers"
	(cd "$b" && nf_rt wrunc run -d "$id" </dev/null >/dev/null 3>&-)
	nf_wait_for 250 nf_is_running "$id"
	[ "$(n_hooks "$b" createRuntime)" -eq 1 ]
	nf_expect_blocked "$id" "$NF_PUB1" 443
	nf_stop "$id"
	nf_assert_clean
}

@test "wrapper (crun): -f/--config edits the file crun reads (relative to the cwd), the hook reads it" {
	local id b
	id=$(nf_cid cfg)
	NF_NO_HOOKS=1 nf_bundle cfg io.netfence.policy=restricted
	b=$NF_BUNDLE
	mkdir "$NF_TMP/cwd"
	# the file crun reads allows PUB1:443; the bundle's config.json does not
	jq --arg r "$NF_PUB1:443" '.annotations["io.netfence.egress"] = $r' "$b/config.json" \
		>"$NF_TMP/cwd/other.json"
	echo wcrun >"$NF_TMP/out/$id.rt"
	echo "$id" >>"$NF_TMP/containers"
	(cd "$NF_TMP/cwd" && nf_rt wcrun run -d -f other.json -b "$b" "$id" </dev/null >/dev/null 3>&-)
	nf_wait_for 250 nf_is_running "$id"
	[ "$(jq '[.hooks.createRuntime[] | select(.path == $p)] | length' \
		--arg p "$NF_BIN" "$NF_TMP/cwd/other.json")" -eq 1 ]
	[ "$(jq -r '.hooks.createRuntime[0].env[] | select(startswith("NETFENCE_OCI_CONFIG="))' \
		"$NF_TMP/cwd/other.json")" = "NETFENCE_OCI_CONFIG=$NF_TMP/cwd/other.json" ]
	[ "$(jq '.hooks // {} | length' "$b/config.json")" -eq 0 ]
	nf_expect_open "$id" "$NF_PUB1" 443
	nf_expect_blocked "$id" "$NF_PUB1" 80
	nf_stop "$id"
	nf_assert_clean
}

@test "wrapper: a bundle without annotations is left byte-identical" {
	local id b sum
	id=$(nf_cid plain)
	NF_NO_HOOKS=1 nf_bundle plain -- /bin/busybox true
	b=$NF_BUNDLE
	sum=$(sha256sum <"$b/config.json")
	run nf_run wrunc "$b" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sha256sum <"$b/config.json")" = "$sum" ]
	[ -z "$(nf_host_nf_links)" ]
	[ -z "$(find "$NF_TMP/state" -name '*.json')" ]
	[ "$(ls -A "$b")" = config.json ]
}

@test "wrapper: never executes itself" {
	local d b sum
	d=$NF_TMP/selfpath
	mkdir -p "$d"
	ln -s "$NF_RUNTIME_BIN" "$d/runc"
	NF_NO_HOOKS=1 nf_bundle self io.netfence.policy=restricted
	b=$NF_BUNDLE
	sum=$(sha256sum <"$b/config.json")

	# only the wrapper (as "runc") in PATH: refused, nothing changed
	run env -i PATH="$d" NETFENCE_BIN="$NF_BIN" "$d/runc" --root "$NF_TMP/runc" create \
		-b "$b" x
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == "netfence-runtime: "*itself* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ "$(sha256sum <"$b/config.json")" = "$sum" ]

	# NETFENCE_RUNTIME naming the wrapper (by path or through PATH): refused
	run env -i PATH="$d:/usr/sbin:/usr/bin" NETFENCE_RUNTIME="$d/runc" "$NF_RUNTIME_BIN" --version
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *itself* ]]
	run env -i PATH="$d" NETFENCE_RUNTIME=runc "$NF_RUNTIME_BIN" --version
	[ "$status" -eq 1 ]
	[[ $output == *itself* ]]

	# the wrapper earlier in PATH than the real runc: skipped, the real one runs
	run env -i PATH="$d:/usr/sbin:/usr/bin:/sbin:/bin" "$d/runc" --version
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"runc version"* ]]
}

@test "wrapper: a malformed config.json is refused untouched, the runtime not run" {
	local id b sum
	id=$(nf_cid bad)
	NF_NO_HOOKS=1 nf_bundle bad io.netfence.policy=restricted
	b=$NF_BUNDLE
	# a second io.netfence.policy: runc would keep the last, yajl the first
	sed -i 's/"annotations": {/"annotations": {"io.netfence.policy": "none",/' "$b/config.json"
	[ "$(grep -o '"io.netfence.policy"' "$b/config.json" | wc -l)" -eq 2 ]
	sum=$(sha256sum <"$b/config.json")
	echo "$id" >>"$NF_TMP/containers"
	echo wrunc >"$NF_TMP/out/$id.rt"
	run nf_rt wrunc create -b "$b" "$id"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "netfence-runtime: $b/config.json: duplicate key \"io.netfence.policy\"" ]
	[ "$(sha256sum <"$b/config.json")" = "$sum" ]
	[ "$(ls -A "$b")" = config.json ]
	run nf_rt wrunc state "$id"
	[ "$status" -ne 0 ]

	# not JSON at all
	echo '{"annotations": ' >"$b/config.json"
	run nf_rt wcrun run -b "$b" "$id"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == "netfence-runtime: $b/config.json: invalid JSON"* ]]
	[ "$(cat "$b/config.json")" = '{"annotations": ' ]
	[ -z "$(nf_host_nf_links)" ]
}

# form_fenced RT ID FORM...: run -d FORM... ID through the wrapper from $NF_TMP; the bundle
# named in FORM gets the hooks and the container is fenced (egress $NF_PUB1:443 only).
form_fenced() {
	local rt=$1 id=$2
	shift 2
	echo "$rt" >"$NF_TMP/out/$id.rt"
	echo "$id" >>"$NF_TMP/containers"
	(cd "$NF_TMP" && nf_rt "$rt" run -d "$@" "$id" </dev/null >/dev/null 3>&-)
	nf_wait_for 250 nf_is_running "$id"
	[ -f "$NF_TMP/state/$id.json" ]
	nf_expect_blocked "$id" "$NF_PUB2" 443
	nf_stop "$id"
}

# form_refused RT ID NEEDLE ARGS...: the wrapper refuses run -d ARGS... (ID: the container the
# runtime would create) with one line naming NEEDLE, before the runtime runs: no container, no
# bundle changed (b-fx, undle, and a bundle named like ID).
form_refused() {
	local rt=$1 id=$2 needle=$3 sums
	shift 3
	sums=$(cat "$NF_TMP"/b-fx/config.json "$NF_TMP"/undle/config.json "$NF_TMP"/nf*/config.json |
		sha256sum)
	echo "$rt" >"$NF_TMP/out/$id.rt"
	echo "$id" >>"$NF_TMP/containers"
	# into a file: a container that wrongly started would hold a pipe open
	run in_tmp nf_rt "$rt" run -d "$@"
	output=$(cat "$NF_TMP/out/form.out")
	echo "$rt run -d $*: $output (exit $status)"
	[ "$status" -eq 1 ]
	[[ $output == "netfence-runtime: "*"$needle"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ "$(cat "$NF_TMP"/b-fx/config.json "$NF_TMP"/undle/config.json "$NF_TMP"/nf*/config.json |
		sha256sum)" = "$sums" ]
	run nf_rt "$rt" state "$id"
	[ "$status" -ne 0 ]
	[ ! -f "$NF_TMP/state/$id.json" ]
}

# An annotated bundle without hooks ($NF_TMP/b-fx), and a copy where crun would find "-b undle"
# ($NF_TMP/undle): a wrapper that edited the one while the runtime ran the other would run it
# unfenced.
forms_setup() {
	NF_NO_HOOKS=1 nf_bundle fx io.netfence.policy=restricted "io.netfence.egress=$NF_PUB1:443"
	mkdir "$NF_TMP/undle"
	cp "$NF_BUNDLE/config.json" "$NF_TMP/undle/config.json"
}

in_tmp() {
	cd "$NF_TMP" && NF_RT_TIMEOUT=60 "$@" </dev/null >"$NF_TMP/out/form.out" 2>&1 3>&-
}

@test "wrapper (runc): the bundle forms runc reads are fenced, -bX refused before runc runs" {
	local b
	forms_setup
	b=$NF_TMP/b-fx
	form_refused wrunc "$(nf_cid r0)" '"-b'"$b"'"' "-b$b" "$(nf_cid r0)"
	form_fenced wrunc "$(nf_cid r1)" -b "$b"
	form_fenced wrunc "$(nf_cid r2)" --bundle "$b"
	form_fenced wrunc "$(nf_cid r3)" "--bundle=$b"
	form_fenced wrunc "$(nf_cid r4)" -bundle "$b"
	form_fenced wrunc "$(nf_cid r5)" -b=b-fx
	nf_assert_clean
}

@test "wrapper (crun): the bundle forms crun reads are fenced, -bundle refused before crun runs" {
	local b id
	forms_setup
	b=$NF_TMP/b-fx
	# crun reads "-bundle X" as "-b undle X": it would run ./undle as container X, while a
	# wrapper reading --bundle X would have edited X/config.json
	id=$(nf_cid c0)
	mkdir "$NF_TMP/$id"
	cp "$b/config.json" "$NF_TMP/$id/config.json"
	form_refused wcrun "$id" '"-bundle"' -bundle "$id"
	form_refused wcrun "$(nf_cid c00)" '"-bundle"' -bundle "$b" "$(nf_cid c00)"
	form_fenced wcrun "$(nf_cid c1)" -b "$b"
	form_fenced wcrun "$(nf_cid c2)" --bundle "$b"
	form_fenced wcrun "$(nf_cid c3)" "--bundle=$b"
	form_fenced wcrun "$(nf_cid c4)" "-b$b"
	form_fenced wcrun "$(nf_cid c5)" --bun b-fx
	form_fenced wcrun "$(nf_cid c6)" -db b-fx
	# options after the container id are crun's arguments, not its options: refused
	form_refused wcrun "$(nf_cid c7)" "exactly one" "$(nf_cid c7)" -b "$b"
	nf_assert_clean
}

# exec into a fenced container with a process.json of the engine's own (containerd builds it
# from its copy of the spec, not from the bundle the wrapper edited): neither CAP_NET_ADMIN nor
# CAP_NET_RAW comes back, and --cap naming one is refused. With io.netfence.seccomp off nothing
# else stands between such a process and the namespace's table (a raw socket is the sign).
exec_checks() {
	local rt=$1 id b p
	id=$(nf_cid x)
	NF_NO_HOOKS=1 nf_bundle x io.netfence.policy=restricted io.netfence.seccomp=off \
		"io.netfence.egress=$NF_PUB1:443"
	b=$NF_BUNDLE
	nf_start "$rt" "$b" "$id"
	nf_expect_blocked "$id" "$NF_PUB2" 443
	p=$NF_TMP/proc-$id.json
	jq '.process | .args = ["/probe", "socket", "2", "3", "1"] |
		.capabilities |= with_entries(.value += ["CAP_NET_ADMIN", "CAP_NET_RAW"])' \
		"$b/config.json" >"$p"
	run nf_rt "$rt" exec -p "$p" "$id"
	echo "raw socket from exec -p: $output"
	[ "$output" = "denied EPERM" ]
	jq -e '[.capabilities[] | index("CAP_NET_ADMIN", "CAP_NET_RAW")] | all(. == null)' "$p"
	run nf_rt "$rt" exec --cap CAP_NET_RAW "$id" /probe socket 2 3 1
	echo "exec --cap: $output"
	[ "$status" -ne 0 ]
	[[ $output == *"--cap CAP_NET_RAW"*"neither CAP_NET_ADMIN nor CAP_NET_RAW"* ]]
	# an exec that asks for nothing runs as before
	run nf_rt "$rt" exec "$id" /probe socket 2 3 1
	[ "$output" = "denied EPERM" ]
	nf_stop "$id"
	nf_assert_clean
}

@test "wrapper (runc): exec into a fenced container gets neither CAP_NET_ADMIN nor CAP_NET_RAW" {
	exec_checks wrunc
}

@test "wrapper (crun): exec into a fenced container gets neither CAP_NET_ADMIN nor CAP_NET_RAW" {
	exec_checks wcrun
}

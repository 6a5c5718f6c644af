#!/usr/bin/env bats
# Switching a podman host to the "always" hooks.d files (docs/kubernetes.md): podman reads only
# the directories of containers.conf `hooks_dir` (default: /usr/share/containers/oci/hooks.d
# alone), and for files of the same name the directory listed last wins. Here two directories
# stand for /usr/share/... (the annotation variant) and /etc/... (the always variant); podman runs
# inside HOST with no --hooks-dir, so containers.conf decides.

load helpers

setup() {
	nf_world_setup
	nf_hostconf "{\"dns\": [\"$NF_DNS_OK\"], \"default_policy\": \"restricted\"}"
	command -v podman >/dev/null || skip "podman is not installed"
	nf_podman_setup
	nf_hooksd "$NF_PODMAN/usr-share-hooks.d"
	nf_hooksd "$NF_PODMAN/etc-hooks.d" "$NF_ROOT/hooks.d/always"
}

teardown() {
	nf_podman_teardown
	nf_world_teardown
}

# podman with containers.conf's hooks_dir set to the directories given (no --hooks-dir).
pm_hooks_dir() { # DIR...
	local list d
	list=$(for d in "$@"; do printf '"%s", ' "$NF_PODMAN/$d"; done)
	sed -i '/^hooks_dir = /d' "$NF_PODMAN/containers.conf"
	sed -i "s|^\[engine\]\$|[engine]\nhooks_dir = [${list%, }]|" "$NF_PODMAN/containers.conf"
	cat "$NF_PODMAN/containers.conf"
}

# An unannotated --network=none container: fenced (wired by netfence: eth0) or not (lo only).
pm_unannotated_fenced() {
	timeout -k 5 120 env CONTAINERS_CONF="$NF_PODMAN/containers.conf" \
		nsenter --net="/run/netns/$NF_HOST" podman --root "$NF_PODMAN/root" \
		--runroot "$NF_PODMAN/runroot" --storage-driver vfs --runtime runc \
		run --rm --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--rootfs "$NF_TMP/rootfs" /bin/busybox ip -o link show eth0 </dev/null 3>&-
}

@test "hooks_dir: the always files win when their directory is listed after the default" {
	pm_hooks_dir usr-share-hooks.d etc-hooks.d
	run pm_unannotated_fenced
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *eth0* ]]
	nf_assert_clean
}

@test "hooks_dir: listed before the default, or not listed (podman's default), they do nothing" {
	pm_hooks_dir etc-hooks.d usr-share-hooks.d
	run pm_unannotated_fenced
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"can't find device 'eth0'"* ]]
	# the default list: /usr/share/... alone; a file under /etc/... is never read
	pm_hooks_dir usr-share-hooks.d
	run pm_unannotated_fenced
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"can't find device 'eth0'"* ]]
	nf_assert_clean
}

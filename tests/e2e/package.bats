#!/usr/bin/env bats
# Shipping netfence (issue 13): `make install`/`uninstall` under PREFIX and DESTDIR, what the
# binaries need of a node, and the Debian package: built lintian-clean (`make deb`, in a copy
# of the tree: build/ is untouched), installed, a podman container fenced through the
# INSTALLED hooks.d file, upgraded to a rebuilt package with the container running, purged.
#
# The package goes into a throwaway root, never into this machine's: a private mount namespace
# (held by a `sleep` recorded by pid) with overlays on /etc, /usr, /var and /run whose upper
# layers live on a tmpfs of that namespace alone. dpkg, podman, conmon and the hook all run in
# it (and, for the network, in HOST), so the installed hooks.d file is seen by this test's
# podman only, and everything the package did vanishes with the namespace even if a test
# fails. /run/systemd is hidden there: the maintainer scripts act as on a host without systemd
# (the units are checked with systemd-analyze instead).

load helpers

PK_V2=$(cat "$NF_ROOT/VERSION")+pkgtest1
# where the packages are built (NF_PKG_DIR: keep them between runs)
PK_DIR=${NF_PKG_DIR:-$BATS_FILE_TMPDIR}
# glibc of the oldest distributions the binaries support (README "What a node needs")
PK_GLIBC_MAX=2.34

setup() {
	PK_NS_PID=
}

teardown() {
	local p
	if [ -n "$PK_NS_PID" ]; then
		[ -z "${NF_PODMAN:-}" ] || pk_podman rm -a -f -t 0 >/dev/null 2>&1 || true
		nf_kill_tmp_procs
		# whatever else runs in the throwaway root (a daemon a hook started), then the root
		for p in $(pk_ns_procs); do
			kill -9 "$p" 2>/dev/null || true
		done
		kill "$PK_NS_PID" 2>/dev/null || true
	fi
	nf_world_teardown
}

# The processes of the throwaway root but its holder.
pk_ns_procs() {
	local ns p
	ns=$(readlink "/proc/$PK_NS_PID/ns/mnt") || return 0
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$PK_NS_PID" ] && continue
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
	done
	return 0
}

# The two packages, built once per run: the tree's version and a rebuilt copy one version up.
pk_debs() {
	command -v dpkg-buildpackage >/dev/null && [ -e /usr/share/perl5/Debian/Debhelper ] ||
		skip "dpkg-dev and debhelper are not installed (tests/deps.sh)"
	PK_DEB1=$(ls "$PK_DIR"/v1/netfence_*_amd64.deb 2>/dev/null || true)
	PK_DEB2=$(ls "$PK_DIR"/v2/netfence_*_amd64.deb 2>/dev/null || true)
	[ -n "$PK_DEB1" ] && [ -n "$PK_DEB2" ] && return 0
	mkdir -p "$PK_DIR"
	make -C "$NF_ROOT" --no-print-directory deb DEB_DIR="$PK_DIR/v1" \
		>"$PK_DIR/build-v1.log" 2>&1 || {
		tail -n 40 "$PK_DIR/build-v1.log"
		return 1
	}
	local d=$PK_DIR/v2/netfence-$PK_V2
	mkdir -p "$d"
	cp -a "$PK_DIR"/v1/netfence-*/. "$d"
	(cd "$d" && debian/rules clean >/dev/null)
	echo "$PK_V2" >"$d/VERSION"
	sed -i "1s/([^)]*)/($PK_V2)/" "$d/debian/changelog"
	(cd "$d" && dpkg-buildpackage -us -uc -b) >"$PK_DIR/build-v2.log" 2>&1 || {
		tail -n 40 "$PK_DIR/build-v2.log"
		return 1
	}
	PK_DEB1=$(ls "$PK_DIR"/v1/netfence_*_amd64.deb)
	PK_DEB2=$(ls "$PK_DIR"/v2/netfence_*_amd64.deb)
}

# The throwaway root (see the top of the file); PK_UP holds the overlays' upper layers.
pk_root() {
	local mine
	PK_UP=$NF_TMP/root
	mkdir -p "$PK_UP"
	mine=$(readlink /proc/self/ns/mnt)
	unshare -m --propagation slave sleep infinity </dev/null >/dev/null 2>&1 3>&- &
	PK_NS_PID=$!
	nf_wait_for 250 pk_ns_differs "$mine"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		skip "no overlayfs here: no throwaway root to install the package into"
	pk_in sh -ec '
		mount -t tmpfs nf-pkg-root "$1"
		for d in etc usr var run; do
			mkdir -p "$1/up/$d" "$1/work/$d"
			mount -t overlay overlay \
				-o "lowerdir=/$d,upperdir=$1/up/$d,workdir=$1/work/$d" "/$d"
		done
		rm -rf /run/systemd
		# the host resolvers the hook falls back to: the test world'"'"'s
		rm -f /etc/resolv.conf
		echo "nameserver $2" >/etc/resolv.conf' sh "$PK_UP" "$NF_DNS_OK"
}

# A host with SELinux enabled, as far as the maintainer scripts can tell: selinuxenabled says
# yes, semodule and restorecon record their arguments in /run/selinux-calls (this kernel has
# SELinux inactive; make vm-check loads the module for real).
pk_fake_selinux() {
	local d=$NF_TMP/selinux-stubs t
	mkdir -p "$d"
	printf '#!/bin/sh\nexit 0\n' >"$d/selinuxenabled"
	for t in semodule restorecon; do
		cat >"$d/$t" <<-EOF
			#!/bin/sh
			echo "$t \$*" >>/run/selinux-calls
		EOF
	done
	# semodule -l: netfence while its last install was not followed by a removal
	cat >>"$d/semodule" <<-'EOF'
		[ "$1" = -l ] || exit 0
		grep -E 'semodule -X 200 -[ir]' /run/selinux-calls | tail -n 1 | grep -q -- -i &&
			echo netfence
		exit 0
	EOF
	for t in selinuxenabled semodule restorecon; do
		pk_in install -m 0755 "$d/$t" "/usr/sbin/$t"
	done
}

pk_ns_differs() {
	[ "$(readlink "/proc/$PK_NS_PID/ns/mnt")" != "$1" ]
}

pk_in() { # CMD...: in the throwaway root (mounts) and HOST (network)
	nsenter --net="/run/netns/$NF_HOST" nsenter -t "$PK_NS_PID" -m -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

pk_dpkg() {
	pk_in env DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold "$@"
}

# podman of the throwaway root, with no --hooks-dir and no hooks_dir: its default directory,
# /usr/share/containers/oci/hooks.d, where the package put the hooks.d files.
pk_podman() {
	timeout -k 5 "${NF_PODMAN_TIMEOUT:-120}" nsenter --net="/run/netns/$NF_HOST" \
		nsenter -t "$PK_NS_PID" -m -- env CONTAINERS_CONF="$NF_PODMAN/containers.conf" \
		podman --root "$NF_PODMAN/root" --runroot "$NF_PODMAN/runroot" --storage-driver vfs \
		--runtime runc "$@" </dev/null 3>&-
}

pk_probe() { # NAME ARGS...: sets NF_PROBE_OUT
	local name=$1 rc=0
	shift
	NF_PROBE_OUT=$(pk_podman exec "$name" /probe "$@" 2>&1) || rc=$?
	echo "probe $name: $* -> $NF_PROBE_OUT (exit $rc)"
	return $rc
}

pk_expect_fenced() { # NAME: the policy of pk_run_fenced holds
	pk_probe "$1" connect tcp "$NF_PUB1" 443 2000 || return 1
	! pk_probe "$1" connect tcp "$NF_PUB1" 80 2000 || return 1
	nf_check_blocked_fast "$NF_PUB1:80" || return 1
	! pk_probe "$1" connect tcp "$NF_PUB2" 443 2000 || return 1
	nf_check_blocked_fast "$NF_PUB2:443" || return 1
	! pk_probe "$1" connect tcp "$NF_META" 80 2000 || return 1
	nf_check_blocked_fast "$NF_META:80"
}

# Nothing of a container left: no veth in HOST, nothing per container in the host table, no
# state record under the package's state_dir.
pk_no_container_left() {
	[ -z "$(nf_host_nf_links)" ] &&
		! ip netns exec "$NF_HOST" nft list table inet netfence 2>/dev/null |
		grep -qE "[0-9a-f]{12}|$NF_POOL4_RE" &&
		[ -z "$(pk_in find /run/netfence -maxdepth 1 -name '*.json' 2>/dev/null)" ]
}

@test "package: make install and uninstall honour PREFIX and DESTDIR everywhere" {
	local d=$BATS_TEST_TMPDIR/dest f
	run make -C "$NF_ROOT" --no-print-directory install PREFIX=/usr DESTDIR="$d"
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	for f in usr/bin/netfence usr/bin/netfence-runtime usr/bin/netfence-resolver \
		usr/share/man/man8/netfence.8 usr/share/man/man5/netfence-annotations.5 \
		usr/lib/systemd/system/netfence-gc.timer usr/lib/systemd/system/netfence-resolver.service \
		usr/share/containers/oci/hooks.d/netfence-createruntime.json \
		usr/share/netfence/hooks.d/always/netfence-poststop.json \
		usr/share/netfence/podman-hooks.d/netfence-precreate.json \
		usr/share/netfence/kubernetes/daemonset.yaml usr/share/netfence/crio/50-netfence.conf; do
		[ -f "$d/$f" ] || { echo "missing: /$f"; return 1; }
	done
	if [ -f /usr/share/selinux/devel/Makefile ]; then
		[ -f "$d/usr/share/selinux/packages/netfence.pp" ]
	fi
	# no /usr/local in any installed text file but the wrapper's documented fallback
	run grep -rIn /usr/local "$d"
	echo "$output"
	[ "$(sed -E 's/:[0-9]+:/:N:/' <<<"$output")" = \
		"$d/usr/share/man/man8/netfence-runtime.8:N:.IR /usr/local/bin/netfence ," ]
	# the hooks name the binary and a PATH of this prefix
	for f in "$d"/usr/share/containers/oci/hooks.d/*.json "$d"/usr/share/netfence/hooks.d/*/*.json \
		"$d"/usr/share/netfence/podman-hooks.d/*.json; do
		[ "$(jq -r .hook.path "$f")" = /usr/bin/netfence ]
		[ "$(jq -r '.hook.env[0]' "$f")" = PATH=/usr/sbin:/usr/bin:/sbin:/bin ]
	done
	grep -qx 'ExecStart=/usr/bin/netfence gc' "$d/usr/lib/systemd/system/netfence-gc.service"
	grep -qx 'ExecStart=/usr/bin/netfence-resolver --foreground' \
		"$d/usr/lib/systemd/system/netfence-resolver.service"
	grep -qF 'runtime_path = "/usr/bin/netfence-runtime"' "$d/usr/share/netfence/crio/50-netfence.conf"
	grep -qF 'BinaryName = "/usr/bin/netfence-runtime"' "$d/usr/share/netfence/containerd/config.toml"
	grep -qF 'jq --slurpfile h /usr/share/netfence/containerd-hooks.json' \
		"$d/usr/share/netfence/containerd/config-base-spec.toml"
	f=$d/usr/share/netfence/containerd-hooks.json
	[ "$(jq -r '.poststop[0].path' "$f")" = /usr/bin/netfence ]
	grep -qF 'path: /usr/bin' "$d/usr/share/netfence/kubernetes/daemonset.yaml"
	grep -qF '"path": "/usr/bin/netfence"' "$d/usr/share/netfence/kubernetes/daemonset.yaml"
	grep -qF '/usr/share/netfence/podman-hooks.d' "$d/usr/share/man/man8/netfence.8"

	run make -C "$NF_ROOT" --no-print-directory uninstall PREFIX=/usr DESTDIR="$d"
	[ "$status" -eq 0 ]
	run find "$d" -type f
	echo "left: $output"
	[ -z "$output" ]
	[ ! -e "$d/usr/share/netfence" ]

	# the default prefix: everything under /usr/local but what engines read elsewhere
	d=$BATS_TEST_TMPDIR/local
	make -C "$NF_ROOT" --no-print-directory install DESTDIR="$d" >/dev/null
	grep -qx 'ExecStart=/usr/local/bin/netfence gc' \
		"$d/usr/local/lib/systemd/system/netfence-gc.service"
	[ "$(jq -r .hook.path "$d/usr/share/containers/oci/hooks.d/netfence-poststop.json")" = \
		/usr/local/bin/netfence ]
	[ -x "$d/usr/local/bin/netfence" ]
	make -C "$NF_ROOT" --no-print-directory uninstall DESTDIR="$d" >/dev/null
	[ -z "$(find "$d" -type f)" ]
}

# pk_node_libs FILE: no glibc symbol newer than PK_GLIBC_MAX, no library but libc, libmnl and
# (netfence-resolver) libcrypto.
pk_node_libs() {
	local b=$1 max l
	max=$(objdump -T "$b" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
	echo "$b: GLIBC_$max"
	[ "$(printf '%s\n' "$max" "$PK_GLIBC_MAX" | sort -V | tail -n 1)" = "$PK_GLIBC_MAX" ] || return 1
	for l in $(readelf -d "$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		case $l in
		libc.so.6 | ld-linux-x86-64.so.2 | libmnl.so.0) ;;
		libcrypto.so.3) [ "${b##*/}" = netfence-resolver ] || return 1 ;;
		*) echo "$b: unexpected library $l"; return 1 ;;
		esac
	done
}

@test "package: the binaries need glibc $PK_GLIBC_MAX at most and only libc, libmnl, libcrypto" {
	local b
	for b in netfence netfence-runtime netfence-resolver; do
		[ -x "$NF_ROOT/build/$b" ] || skip "build/$b is not built (make all)"
		pk_node_libs "$NF_ROOT/build/$b"
	done
}

@test "package: the .deb builds and lintian reports no error and no warning" {
	pk_debs
	command -v lintian >/dev/null || skip "lintian is not installed (tests/deps.sh)"
	run lintian --fail-on error,warning --tag-display-limit 0 "$PK_DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
	run dpkg-deb -c "$PK_DEB1"
	local f
	for f in ./usr/bin/netfence ./usr/bin/netfence-runtime ./usr/bin/netfence-resolver \
		./usr/share/containers/oci/hooks.d/netfence-createruntime.json \
		./usr/share/containers/oci/hooks.d/netfence-poststop.json \
		./usr/share/netfence/podman-hooks.d/netfence-precreate.json \
		./usr/share/netfence/hooks.d/always/netfence-createruntime.json \
		./lib/systemd/system/netfence-gc.timer ./lib/systemd/system/netfence-resolver.service \
		./usr/share/man/man8/netfence.8.gz ./usr/share/selinux/packages/netfence.pp \
		./etc/netfence/netfence.json; do
		[[ $output == *" $f"* ]] || { echo "not in the package: $f"; return 1; }
	done
	[[ $output != *"/usr/local"* ]]
	[ "$(dpkg-deb -f "$PK_DEB1" Version)" = "$(cat "$NF_ROOT/VERSION")" ]
	# what a node needs: the package's binaries as build/'s, and its dependencies say so
	dpkg-deb -x "$PK_DEB1" "$BATS_TEST_TMPDIR/x"
	for f in netfence netfence-runtime netfence-resolver; do
		pk_node_libs "$BATS_TEST_TMPDIR/x/usr/bin/$f"
	done
	[[ $(dpkg-deb -f "$PK_DEB1" Depends) == *"libc6 (>= 2.34)"* ]]
	# the node image installs the same libraries
	local deps image
	deps=$(dpkg-deb -f "$PK_DEB1" Depends | tr ',' '\n' | awk '$1 != "libc6" {print $1}' | sort)
	image=$(sed -n 's/.*--no-install-recommends \(.*\) \\$/\1/p' \
		"$NF_ROOT/deploy/kubernetes/Dockerfile" | tr ' ' '\n' | sort)
	echo "package: $deps; image: $image"
	[ -n "$deps" ] && [ "$deps" = "$image" ]
	dpkg-deb --ctrl-tarfile "$PK_DEB1" | tar -xO ./conffiles | grep -qx /etc/netfence/netfence.json
}

@test "package: install, podman via the installed hooks.d, upgrade while it runs, purge: no trace" {
	pk_debs
	command -v podman >/dev/null || skip "podman is not installed"
	nf_world_setup
	nf_podman_setup
	local host_hooks
	host_hooks=$(ls /usr/share/containers/oci/hooks.d 2>/dev/null || true)
	pk_root
	[ -z "$(find "$PK_UP" -iname '*netfence*')" ]
	pk_fake_selinux

	run pk_dpkg -i "$PK_DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
	# SELinux enabled: the module loaded, the binaries relabelled
	run pk_in cat /run/selinux-calls
	echo "$output"
	[ "${lines[0]}" = "semodule -X 200 -i /usr/share/selinux/packages/netfence.pp" ]
	[ "${lines[1]}" = \
		"restorecon -F /usr/bin/netfence /usr/bin/netfence-runtime /usr/bin/netfence-resolver" ]
	pk_in test -s /usr/share/selinux/packages/netfence.pp
	[ "$(pk_in netfence version)" = "netfence $(cat "$NF_ROOT/VERSION")" ]
	pk_in test -f /usr/share/containers/oci/hooks.d/netfence-createruntime.json
	if command -v systemd-analyze >/dev/null; then
		pk_in systemd-analyze verify /lib/systemd/system/netfence-gc.service \
			/lib/systemd/system/netfence-gc.timer /lib/systemd/system/netfence-watch.service \
			/lib/systemd/system/netfence-resolver.service
	fi
	# this machine's own hooks directory did not change
	[ "$(ls /usr/share/containers/oci/hooks.d 2>/dev/null || true)" = "$host_hooks" ]

	local name=pk-$NF_TAG cid
	run pk_podman run -d --name "$name" --network=none \
		--annotation io.netfence.policy=restricted \
		--annotation "io.netfence.egress=$NF_PUB1:443" \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--rootfs "$NF_TMP/rootfs" /bin/busybox sleep 3600
	echo "$output"
	[ "$status" -eq 0 ]
	cid=${lines[-1]}
	pk_expect_fenced "$name"
	pk_in test -f "/run/netfence/$cid.json"
	[ -n "$(nf_host_nf_links)" ]

	# upgrade with the container running: it stays fenced, the new netfence reads its state
	run pk_dpkg -i "$PK_DEB2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pk_in netfence version)" = "netfence $PK_V2" ]
	pk_expect_fenced "$name"
	run pk_in netfence status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"${cid:0:12}"* ]]

	# removed while the container runs: its fence stays (host table, state), and dpkg says so;
	# installed again, the next stop finds the hook
	run pk_dpkg -r netfence
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"containers are still fenced"* ]]
	pk_in test -f "/run/netfence/$cid.json"
	ip netns exec "$NF_HOST" nft list table inet netfence | grep -qE "$NF_POOL4_RE"
	pk_expect_fenced "$name"
	run pk_dpkg -i "$PK_DEB2"
	[ "$status" -eq 0 ]

	# stopped: the upgraded hook tears the fence down
	run pk_podman rm -f -t 0 "$name"
	echo "$output"
	[ "$status" -eq 0 ]
	nf_wait_for 500 pk_no_container_left

	run pk_dpkg --purge netfence
	echo "$output"
	[ "$status" -eq 0 ]
	# the module unloaded at removal
	run pk_in tail -n 1 /run/selinux-calls
	[ "$output" = "semodule -X 200 -r netfence" ]
	pk_in rm /run/selinux-calls
	# nothing left: no file of the package (the overlays' upper layers hold every change
	# made in the root), no host table, no state_dir, no process of the root
	run find "$PK_UP" -iname '*netfence*'
	echo "left: $output"
	[ -z "$output" ]
	run pk_in sh -c 'for f in /run/netfence /etc/netfence; do [ ! -e $f ] || find $f; done'
	echo "$output"
	[ -z "$output" ]
	pk_in test ! -e /etc/netfence
	run ip netns exec "$NF_HOST" nft list table inet netfence
	[ "$status" -ne 0 ]
	[ -z "$(nf_host_nf_links)" ]
	run pk_in dpkg-query -W -f '${Status}' netfence
	echo "$output"
	[ "$status" -ne 0 ] || [[ $output == *not-installed ]]
	run pk_ns_procs
	echo "processes left in the root: $output"
	[ -z "$output" ]
}

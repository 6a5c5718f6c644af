#!/usr/bin/env bash
# Build the two images tests/e2e/cri.bats imports into containerd (`ctr images import`), with no
# registry: OCI image layouts packed as tar archives, one uncompressed layer each.
#   OUT/pause.tar  localhost/netfence-test/pause:1  a static pause (tests/cri/pause.c)
#   OUT/app.tar    localhost/netfence-test/app:1    busybox-static and the static probe
# Usage: tests/cri/images.sh OUT PROBE-BINARY
set -euo pipefail

out=$1 probe=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$out/work
rm -rf "$work"
mkdir -p "$work"

# blob FILE MEDIATYPE: store FILE as a blob of the layout in $lay; print its descriptor.
blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	cp "$1" "$lay/blobs/sha256/$d"
	jq -cn --arg m "$2" --arg d "sha256:$d" --argjson s "$s" '{mediaType: $m, digest: $d, size: $s}'
}

# image NAME ROOTFS-DIR CONFIG-JSON: OUT/NAME.tar, an OCI layout holding one image.
image() {
	local name=$1 root=$2 cfg=$3 layer config manifest
	lay=$work/$name
	mkdir -p "$lay/blobs/sha256"
	tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$work/$name-layer.tar" .
	layer=$(blob "$work/$name-layer.tar" application/vnd.oci.image.layer.v1.tar)
	jq -n --argjson c "$cfg" --argjson l "$layer" '{architecture: "amd64", os: "linux",
		config: $c, rootfs: {type: "layers", diff_ids: [$l.digest]}}' >"$work/$name-config.json"
	config=$(blob "$work/$name-config.json" application/vnd.oci.image.config.v1+json)
	jq -n --argjson c "$config" --argjson l "$layer" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: [$l]}' \
		>"$work/$name-manifest.json"
	manifest=$(blob "$work/$name-manifest.json" application/vnd.oci.image.manifest.v1+json)
	jq -n --argjson m "$manifest" --arg n "localhost/netfence-test/$name:1" '{schemaVersion: 2,
		manifests: [$m + {platform: {architecture: "amd64", os: "linux"},
		  annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": "1"}}]}' \
		>"$lay/index.json"
	echo '{"imageLayoutVersion": "1.0.0"}' >"$lay/oci-layout"
	tar -C "$lay" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$out/$name.tar" .
}

# pause: the static pause program alone
mkdir -p "$work/pause-root"
"${CC:-cc}" -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -static \
	-o "$work/pause-root/pause" "$here/pause.c"
image pause "$work/pause-root" '{"Entrypoint": ["/pause"]}'

# app: busybox-static (with the applet links the tests use) and the probe
r=$work/app-root
mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/proc" "$r/sys" "$r/dev"
cp /bin/busybox "$r/bin/busybox"
for a in sh sleep ip cat ls echo true false ps; do
	ln -s busybox "$r/bin/$a"
done
cp "$probe" "$r/probe"
chmod 1777 "$r/tmp"
image app "$r" '{"Env": ["PATH=/bin"], "Cmd": ["/bin/sleep", "3600"], "WorkingDir": "/"}'
rm -rf "$work"

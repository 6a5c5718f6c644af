#!/usr/bin/env bash
# Install the Debian packages netfence needs to build and test. Fast and quiet when everything
# is present; `apt-get update` only when something is missing.
set -euo pipefail

pkgs=(
	# build
	gcc make pkg-config clang clang-format libnl-3-dev libnl-route-3-dev libnftnl-dev
	libmnl-dev libseccomp-dev libyajl-dev libcap-ng-dev libselinux1-dev libcmocka-dev
	# the SELinux policy module (make selinux)
	selinux-policy-dev
	# tests: runtimes, the test world, the static probe, the scripts' tools
	bats runc crun busybox-static nftables iproute2 conntrack util-linux procps libc6-dev jq
	coreutils findutils grep sed
	# tests: the engines (podman with netavark, containerd + ctr, the CNI plugins a pod uses)
	podman containerd containernetworking-plugins netavark aardvark-dns iptables
	# more packages from the caller (bench/deps.sh)
	"$@"
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages (run as root to install): ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

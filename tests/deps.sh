#!/usr/bin/env bash
# Install the Debian packages netfence needs to build and test. Fast and quiet when everything
# is present; `apt-get update` only when something is missing.
set -euo pipefail

pkgs=(
	# build
	gcc make pkg-config clang clang-format libnl-3-dev libnl-route-3-dev libnftnl-dev
	libmnl-dev libseccomp-dev libyajl-dev libcap-ng-dev libselinux1-dev libcmocka-dev libldns-dev
	# the SELinux policy module (make selinux)
	selinux-policy-dev
	# tests: runtimes, the test world, the static probe, the scripts' tools
	bats runc crun busybox-static nftables iproute2 conntrack util-linux procps libc6-dev jq
	coreutils findutils grep sed ldnsutils
	# tests: netfence graph's svg (graphviz's dot), io.netfence.bandwidth's measurements
	graphviz iperf3
	# tests: setup_runtime.bats (patch applies --dry-run's diff; python3's tomllib reads TOML)
	patch python3
	# tests: promtool, for the metrics text and the example alert rules (metrics.bats)
	prometheus
	# tests: the engines (podman with netavark, containerd + ctr, the CNI plugins a pod uses)
	podman containerd containernetworking-plugins netavark aardvark-dns iptables
	# the Debian package (make deb, tests/e2e/package.bats): its tools and build dependencies
	debhelper dpkg-dev lintian libpcre2-dev libssl-dev
	# more packages from the caller (bench/deps.sh)
	"$@"
)
# node and npm for the test-only npm tools below (tests/cel, tests/cri), from Debian when the
# machine has none (a node installed otherwise is kept)
command -v npm >/dev/null || pkgs+=(nodejs npm)

# Test-only npm tools (tests/cel: a CEL evaluator and a YAML parser for the Kubernetes files;
# tests/cri: the gRPC client of cri.bats), into those git-ignored folders; never part of the
# product. Without npm or the registry the tests that need them are skipped, not failed.
npm_tools() {
	local d
	for d in cel cri; do
		npm_tools_in "$(cd "$(dirname "$0")" && pwd)/$d"
	done
}

npm_tools_in() {
	local d=$1
	[ -f "$d/node_modules/.package-lock.json" ] &&
		[ "$d/node_modules/.package-lock.json" -nt "$d/package-lock.json" ] && return 0
	if ! command -v npm >/dev/null; then
		echo "deps: npm not found: the tests of $d will be skipped" >&2
		return 0
	fi
	echo "deps: npm ci in $d"
	(cd "$d" && npm ci --no-audit --no-fund --loglevel=error) ||
		echo "deps: npm ci failed: the tests of $d will be skipped" >&2
}

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	npm_tools
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
npm_tools

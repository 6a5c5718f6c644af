// Check deploy/kubernetes/admission-policy.yaml without a cluster: the YAML parses into one
// ValidatingAdmissionPolicy and its binding, and its CEL, evaluated the way the API server
// evaluates a policy (variables in order, each validation in turn, messageExpression on a
// failure), admits and refuses the sample pods below as expected.
// Usage: node tests/cel/admission-check.mjs FILE [POD.json...]. Exit 0 when every case holds.
// Each POD.json (a Pod object, e.g. one tests/e2e/cri.bats runs) is judged too: a line
// "pod POD.json: admitted" or "pod POD.json: refused: MESSAGE" (not counted as a check).
import { readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'
import { evaluate } from '@marcbachmann/cel-js'

const file = process.argv[2]
const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
	if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`)
	return d.toJS()
})
let failed = 0
function check(ok, what) {
	console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`)
	if (!ok) failed++
}

const policy = docs.find((d) => d.kind === 'ValidatingAdmissionPolicy')
const binding = docs.find((d) => d.kind === 'ValidatingAdmissionPolicyBinding')
check(docs.length === 2 && policy && binding, 'one policy and one binding')
for (const d of docs) check(d.apiVersion === 'admissionregistration.k8s.io/v1', `${d.kind} is v1`)
check(binding.spec.policyName === policy.metadata.name, 'the binding names the policy')
check(binding.spec.validationActions.includes('Deny'), 'the binding denies')
check(policy.spec.failurePolicy === 'Fail', 'failurePolicy Fail (an error never admits)')
const rules = policy.spec.matchConstraints.resourceRules
check(
	rules.some(
		(r) =>
			r.apiGroups.includes('') &&
			r.resources.includes('pods') &&
			r.operations.includes('CREATE')
	),
	'matches pod CREATE'
)

// The API server's order: variables (each may use the ones before), then the validations.
function admit(pod) {
	const variables = {}
	for (const v of policy.spec.variables ?? [])
		variables[v.name] = evaluate(v.expression, { object: pod, variables })
	for (const val of policy.spec.validations) {
		const ctx = { object: pod, variables }
		const r = evaluate(val.expression, ctx)
		if (typeof r !== 'boolean') throw new Error(`not a bool: ${val.expression}`)
		if (!r) {
			const msg = val.messageExpression
				? evaluate(val.messageExpression, ctx)
				: val.message
			if (typeof msg !== 'string' || !msg) throw new Error('no message')
			return { allowed: false, message: msg }
		}
	}
	return { allowed: true }
}

const pod = (annotations, spec = {}) => ({
	apiVersion: 'v1',
	kind: 'Pod',
	metadata: annotations ? { name: 'p', annotations } : { name: 'p' },
	spec: { containers: [{ name: 'c', image: 'i' }], ...spec }
})
const nf = { 'io.netfence.policy': 'restricted' }
const cases = [
	// [what, pod, allowed, words the refusal must name]
	['no annotations at all', pod(null), true],
	['unrelated annotations', pod({ 'example.com/x': 'y' }), true],
	['look-alike keys are not netfence keys', pod({ 'xio.netfence.policy': 'a',
		'example.com/io.netfence.policy': 'b', 'io.netfencepolicy': 'c' }), true],
	['netfence annotations, no runtimeClassName', pod(nf), false,
		['io.netfence.policy', 'runtimeClassName', 'netfence', 'unfenced']],
	['only io.netfence.egress, no runtimeClassName', pod({ 'io.netfence.egress': 'a:443' }),
		false, ['io.netfence.egress', 'runtimeClassName']],
	['netfence annotations, another runtime class', pod(nf, { runtimeClassName: 'runc' }),
		false, ['runtimeClassName']],
	['netfence annotations, runtimeClassName netfence', pod(nf, { runtimeClassName: 'netfence' }),
		true],
	['netfence annotations, netfence class, hostNetwork false',
		pod(nf, { runtimeClassName: 'netfence', hostNetwork: false }), true],
	['netfence annotations, netfence class, hostNetwork',
		pod(nf, { runtimeClassName: 'netfence', hostNetwork: true }), false,
		['io.netfence.policy', 'hostNetwork']],
	['no annotations, hostNetwork (kube-proxy)', pod(null, { hostNetwork: true }), true],
	['empty annotations, hostNetwork', pod({}, { hostNetwork: true }), true]
]
for (const [what, p, allowed, words = []] of cases) {
	let r
	try {
		r = admit(p)
	} catch (e) {
		check(false, `${what}: ${e.message}`)
		continue
	}
	check(r.allowed === allowed, `${what}: ${r.allowed ? 'admitted' : `refused: ${r.message}`}`)
	for (const w of words) check(!r.allowed && r.message.includes(w), `${what}: names ${w}`)
}
for (const f of process.argv.slice(3)) {
	const r = admit(JSON.parse(readFileSync(f, 'utf8')))
	console.log(`pod ${f}: ${r.allowed ? 'admitted' : `refused: ${r.message}`}`)
}
console.log(failed ? `${failed} checks failed` : 'all checks passed')
process.exit(failed ? 1 : 0)

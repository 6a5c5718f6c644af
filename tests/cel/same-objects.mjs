// The Kubernetes objects of the first file (helm template's output) are those of the other
// files, and equal to them (as data: comments, key order and quoting aside); each difference is
// printed with the object's kind/name and the JSON of both sides.
// Usage: node tests/cel/same-objects.mjs RENDERED FILE...
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { parseAllDocuments } from 'yaml'

const load = (files) => {
	const m = new Map()
	for (const f of files)
		for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) {
			if (d.errors.length) throw new Error(`${f}: ${d.errors[0]}`)
			const o = d.toJS()
			if (o) m.set(`${o.kind}/${o.metadata?.name}`, o)
		}
	return m
}
const [rendered, ...files] = process.argv.slice(2)
const a = load([rendered]), b = load(files)
let failed = 0
for (const k of new Set([...a.keys(), ...b.keys()])) {
	const ok = isDeepStrictEqual(a.get(k), b.get(k))
	console.log(`${ok ? 'same' : 'DIFFERENT'}: ${k}`)
	if (!ok) {
		failed++
		console.log(`  chart: ${JSON.stringify(a.get(k))}\n  files: ${JSON.stringify(b.get(k))}`)
	}
}
process.exit(failed || !a.size ? 1 : 0)

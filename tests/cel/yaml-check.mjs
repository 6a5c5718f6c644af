// Every file given parses as YAML (all its documents, no warnings) and each document names an
// apiVersion and a kind, as kubectl apply needs. Usage: node tests/cel/yaml-check.mjs FILE...
import { readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'

let failed = 0
for (const file of process.argv.slice(2)) {
	for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
		const o = d.errors.length || d.warnings.length ? null : d.toJS()
		const ok = o && typeof o.apiVersion === 'string' && typeof o.kind === 'string'
		console.log(`${ok ? 'ok' : 'FAIL'}: ${file}: ${ok ? o.kind : (d.errors[0] ?? d.warnings[0] ?? 'no apiVersion/kind')}`)
		if (!ok) failed++
	}
}
process.exit(failed ? 1 : 0)

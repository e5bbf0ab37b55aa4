// Writes openapi.yaml from the route schemas, or with --check fails when the committed file drifts.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderOpenApi } from '../src/render-openapi.ts'

const target = fileURLToPath(new URL('../openapi.yaml', import.meta.url))
const generated = await renderOpenApi()

if (process.argv.includes('--check')) {
  let committed = ''
  try {
    committed = readFileSync(target, 'utf8')
  } catch {}
  if (committed !== generated) {
    process.stderr.write('openapi.yaml is out of date with the route schemas; run `npm run openapi:generate` and commit it.\n')
    process.exit(1)
  }
  process.stdout.write('openapi.yaml is up to date\n')
} else {
  writeFileSync(target, generated)
  process.stdout.write(`wrote ${target}\n`)
}

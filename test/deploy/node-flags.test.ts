import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { startFlags } from '../../bench/lib/start-flags.ts'

// The heap flags are chosen in one place, the Dockerfile's CMD: `npm start`, the soak and the benchmarks
// use the same ones, and no manifest sets NODE_OPTIONS beside them.
t.test('one set of node flags: Dockerfile CMD, npm start, benchmarks', async (t) => {
  const flags = startFlags()
  t.ok(flags.includes('--max-semi-space-size=4') && flags.includes('--heap-growing-percent=50'),
    `the image starts with heap flags (${flags.join(' ')})`)
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  t.equal(pkg.scripts.start, `node ${flags.join(' ')} src/server.ts --demo`, 'npm start uses the same flags')
  t.equal(pkg.scripts.soak, `node --expose-gc ${flags.join(' ')} bench/soak.ts`, 'npm run soak measures the gateway under the same flags')
  const deployment = parse(readFileSync(new URL('../../deploy/kubernetes/deployment.yaml', import.meta.url), 'utf8'))
  for (const c of deployment.spec.template.spec.containers) {
    t.notOk((c.env ?? []).some((e: { name: string }) => e.name === 'NODE_OPTIONS'), `${c.name} sets no NODE_OPTIONS`)
  }
})

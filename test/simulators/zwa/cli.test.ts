import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { RECORDS_TEXT } from './fixture-records.ts'
import { call, fetchToken } from './helpers.ts'

const CLI = new URL('../../../src/vendors/zwa/simulator/cli.ts', import.meta.url).pathname

t.test('the standalone runner prints its URL and serves the fixtures file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'zwa-cli-'))
  const file = join(dir, 'fixtures.json')
  await writeFile(file, RECORDS_TEXT)
  const child = spawn(process.execPath, [CLI, '--port', '0'], { env: { ...process.env, FIXTURES: file, HOST: '127.0.0.1' } })
  t.teardown(() => { child.kill('SIGTERM') })
  let out = ''
  child.stdout.setEncoding('utf8')
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match !== null) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${out}`)))
  })
  const sim = { url, token: await fetchToken({ url }) }
  const res = await call(sim, 'POST', '/dlp/v1/incidents/search')
  t.equal(res.json.cursor.totalElements, 5, 'the fixtures replaced the generated data')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'exits cleanly on SIGTERM')
})

t.test('the runner refuses bad settings', async (t) => {
  const child = spawn(process.execPath, [CLI, '--count', 'many'], { env: { ...process.env, PORT: '0' } })
  let err = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => { err += chunk })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(err, /count must be a non-negative integer/)
})

t.test('--activity-per-minute turns on console activity', async (t) => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--count', '5', '--activity-per-minute', '600'], { env: { ...process.env, HOST: '127.0.0.1' } })
  t.teardown(() => { child.kill('SIGTERM') })
  let out = ''
  child.stdout.setEncoding('utf8')
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match !== null) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${out}`)))
  })
  const res = await call({ url }, 'GET', '/__sim/activity', { token: null })
  t.match(res.json, { per_minute: 600, running: true })
})

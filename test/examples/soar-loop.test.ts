import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'

// Two demo gateway boots and a dozen loop runs, one waiting for a sync poll: more than tap's
// default 120 s on a busy machine.
t.setTimeout(300_000)

const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
const loop = fileURLToPath(new URL('../../examples/soar-loop.mjs', import.meta.url))

interface Demo { child: ChildProcess, url: string, key: string, cloudlockSim: string }

// `node src/server.ts --demo` (what `npm start` runs and examples/README.md points the loop at).
async function startDemo (): Promise<Demo> {
  const child = spawn(process.execPath, [server, '--demo'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', DEMO_INCIDENTS: '10', DEMO_API_KEY: 'soar-demo-key-0123456789' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { err += d })
  const until = Date.now() + 60_000 // demo mode boots the embedded store: slow on a busy machine
  while (!/Demo API key: \S+/.test(out)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`demo did not start: ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const demo = {
    child,
    url: /listening on (http:\/\/\S+) /.exec(out)![1],
    key: /Demo API key: (\S+)/.exec(out)![1],
    cloudlockSim: /cloudlock \((http:\/\/[^)]+)\)/.exec(out)![1]
  }
  // Both providers live first, so the feed is quiet unless the test changes something.
  while (Date.now() < until) {
    const res = await request(`${demo.url}/v1/providers`, { headers: { authorization: `Bearer ${demo.key}` } })
    const body = await res.body.json() as any
    if (body.data.every((p: any) => p.sync.state === 'live')) return demo
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error('demo providers never became live')
}

async function stopDemo (demo: Demo) {
  if (demo.child.exitCode !== null) return
  demo.child.kill('SIGTERM')
  await once(demo.child, 'exit')
}

interface Run { code: number | null, lines: string[], err: string }

function spawnLoop (env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, [loop, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { err += d })
  const done = once(child, 'exit').then(([code]) => ({
    code: code as number | null, lines: out.split('\n').filter(Boolean), err
  }))
  return { child, done, err: () => err }
}

const runLoop = (env: Record<string, string>): Promise<Run> => spawnLoop(env, ['--once']).done
const readState = (file: string) => JSON.parse(readFileSync(file, 'utf8'))

t.test('against demo mode: walk, a vendor change reported once, resume, and re-walks for bad tokens', async (t) => {
  let demo = await startDemo()
  t.teardown(() => stopDemo(demo))
  const stateFile = join(mkdtempSync(join(tmpdir(), 'soar-')), 'state.json')
  const env = () => ({ GATEWAY_URL: demo.url, API_KEY: demo.key, STATE_FILE: stateFile, WAIT: '0' })

  const first = await runLoop(env())
  t.equal(first.code, 0, first.err)
  t.match(first.err, /no state yet: remembering the feed head, then walking GET \/v1\/incidents/)
  t.equal(first.lines.length, 20, 'the walk reports each incident once (10 per provider)')
  t.ok(first.lines.every((l) => /^created \S+ status=\S+ severity=\S+ walk$/.test(l)), first.lines.join('\n'))
  const afterWalk = readState(stateFile)
  t.match(afterWalk.token, /^\S+$/, 'the feed head is stored')
  t.equal(Object.keys(afterWalk.cases).length, 20)

  // A console change at the vendor: sync (poll_interval_s 5 in demo mode) finds it, the loop reports it.
  const target = /^created (cloudlock:(\d+)) status=\S+ severity=(\S+) walk$/.exec(
    first.lines.find((l) => l.startsWith('created cloudlock:'))!)!
  const [, incidentId, nativeId, severity] = target
  const patched = await request(`${demo.cloudlockSim}/__sim/incidents/${nativeId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ severity: severity === 'critical' ? 'INFO' : 'CRITICAL' })
  })
  t.equal(patched.statusCode, 200)
  await patched.body.dump()
  const reported: string[] = []
  for (let i = 0; i < 4 && !reported.some((l) => l.includes(incidentId)); i++) {
    const run = await runLoop({ ...env(), WAIT: '30' })
    t.equal(run.code, 0, run.err)
    t.match(run.err, /resuming from/)
    reported.push(...run.lines)
  }
  t.equal(reported.length, 1, reported.join('\n'))
  t.match(reported[0], new RegExp(`^updated ${incidentId} status=\\S+ severity=\\S+ seq=\\d+ changed=\\S*severity`))
  const afterChange = readState(stateFile)
  t.not(afterChange.token, afterWalk.token, 'the new token is stored after handling')
  t.match(afterChange.checkpoints, { cloudlock: String, zwa: String }, 'checkpoints from complete_through')
  t.ok(Date.parse(afterChange.checkpoints.cloudlock) <= Date.now())

  const resumed = await runLoop({ ...env(), WAIT: '2' })
  t.equal(resumed.code, 0, resumed.err)
  t.same(resumed.lines, [], 'a restart resumes from the token without reporting anything again')
  const again = readState(stateFile)
  t.ok(Date.parse(again.checkpoints.cloudlock) >= Date.parse(afterChange.checkpoints.cloudlock), 'never backwards')

  // A forged token (the signature changed): 400 invalid_cursor, a new walk that reports nothing
  // new (the cases it knows are unchanged), and a valid token stored.
  writeFileSync(stateFile, JSON.stringify({ ...again, token: `${again.token.slice(0, -4)}AAAA` }))
  const forged = await runLoop(env())
  t.equal(forged.code, 0, forged.err)
  t.match(forged.err, /400 invalid_cursor\): starting again from a list walk/)
  t.match(forged.err, /walk done: 20 incidents, 0 reported/)
  t.same(forged.lines, [])
  const afterForged = readState(stateFile)
  t.not(afterForged.token.slice(-4), 'AAAA')
  const quiet = await runLoop(env())
  t.notMatch(quiet.err, /list walk/, 'the new token works')

  // A restarted demo gateway: a new in-memory store, and a new random cursor secret, so the old
  // token fails its signature (400) before the store check (410, tested below with a scripted
  // gateway) is reached. Either way: a new walk.
  await stopDemo(demo)
  demo = await startDemo()
  const expired = await runLoop(env())
  t.equal(expired.code, 0, expired.err)
  t.match(expired.err, /\((400 invalid_cursor|410 change_token_expired)\): starting again from a list walk/)
  t.match(expired.err, /walk done: 20 incidents/)
  const settled = await runLoop(env())
  t.equal(settled.code, 0, settled.err)
  t.same(settled.lines, [], 'after the re-walk the loop follows the new store\'s feed')
})

// A scripted gateway for the failure paths: each route answers from a queue of responses.
async function fakeGateway (routes: Record<string, Array<(req: IncomingMessage, res: ServerResponse) => void>>) {
  const seen: Array<{ path: string, at: number, query: URLSearchParams }> = []
  const srv = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    seen.push({ path: url.pathname, at: Date.now(), query: url.searchParams })
    const queue = routes[url.pathname]
    const next = queue && (queue.length > 1 ? queue.shift()! : queue[0])
    if (!next) { res.statusCode = 404; res.end(); return }
    next(req, res)
  })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, close: () => srv.close() }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }
const incident = { id: 'zwa:1', status: 'new', severity: 'high', updated_at: '2026-12-01T00:00:00.000Z' }
const emptyFeed = json(200, { data: [], next: 't1', has_more: false, providers: {} })

t.test('429 and 503 are waited out for as long as Retry-After says', async (t) => {
  const gw = await fakeGateway({
    '/v1/changes': [
      json(429, { code: 'rate_limited' }, { 'retry-after': '1' }),
      json(503, { code: 'service_unavailable' }, { 'retry-after': '1' }),
      emptyFeed,
      json(200, {
        data: [{ seq: 2, type: 'updated', incident_id: 'zwa:1', changed: ['status'], incident: { ...incident, status: 'closed', updated_at: '2026-12-01T00:01:00.000Z' } }],
        next: 't2',
        has_more: false,
        providers: { zwa: { status: 'live', complete_through: '2026-12-01T00:00:30.000Z', lag_seconds: 5 } }
      })
    ],
    '/v1/incidents': [json(200, { data: [incident], next_cursor: null, providers: {} })]
  })
  t.teardown(gw.close)
  const stateFile = join(mkdtempSync(join(tmpdir(), 'soar-')), 'state.json')
  const run = await runLoop({ GATEWAY_URL: gw.url, API_KEY: 'k', STATE_FILE: stateFile, WAIT: '0', PROVIDER: 'zwa' })
  t.equal(run.code, 0, run.err)
  t.match(run.err, /429 rate_limited \(Retry-After 1 s\); trying again in 1\.0 s/)
  t.match(run.err, /503 service_unavailable \(Retry-After 1 s\); trying again in 1\.0 s/)
  const changes = gw.seen.filter((s) => s.path === '/v1/changes')
  t.ok(changes[1].at - changes[0].at >= 950 && changes[2].at - changes[1].at >= 950, 'waited each time')
  t.equal(changes[3].query.get('after'), 't1', 'the feed is read from the head taken before the walk')
  t.equal(changes[3].query.get('provider'), 'zwa')
  const walk = gw.seen.findIndex((s) => s.path === '/v1/incidents')
  t.ok(walk > gw.seen.indexOf(changes[2]), 'the head is read before the walk')
  t.same(run.lines, ['created zwa:1 status=new severity=high walk', 'updated zwa:1 status=closed severity=high seq=2 changed=status'])
  t.match(readState(stateFile), { token: 't2', checkpoints: { zwa: '2026-12-01T00:00:30.000Z' }, providers: 'zwa' })
})

t.test('an older state after a newer one is not reported; a deleted change is', async (t) => {
  const gw = await fakeGateway({
    '/v1/changes': [
      emptyFeed,
      json(200, {
        data: [
          { seq: 2, type: 'created', incident_id: 'zwa:1', changed: [], incident },
          { seq: 3, type: 'updated', incident_id: 'zwa:1', changed: ['status'], incident: { ...incident, status: 'in_progress', updated_at: '2026-11-30T00:00:00.000Z' } },
          { seq: 4, type: 'deleted', incident_id: 'zwa:1', changed: [], incident: null },
          { seq: 5, type: 'deleted', incident_id: 'zwa:9', changed: [], incident: null }
        ],
        next: 't2',
        has_more: false,
        providers: {}
      })
    ],
    '/v1/incidents': [json(200, { data: [incident], next_cursor: null, providers: {} })]
  })
  t.teardown(gw.close)
  const stateFile = join(mkdtempSync(join(tmpdir(), 'soar-')), 'state.json')
  const run = await runLoop({ GATEWAY_URL: gw.url, API_KEY: 'k', STATE_FILE: stateFile, WAIT: '0' })
  t.equal(run.code, 0, run.err)
  t.same(run.lines, ['created zwa:1 status=new severity=high walk', 'deleted zwa:1 seq=4'])
  t.same(readState(stateFile).cases, {})
})

t.test('410 change_token_expired: a new walk from a new head, then the feed from there', async (t) => {
  const gw = await fakeGateway({
    '/v1/changes': [
      json(410, { code: 'change_token_expired', detail: 'Start again from a list walk.' }),
      json(200, { data: [], next: 'fresh', has_more: false, providers: {} }),
      json(200, { data: [], next: 'fresh2', has_more: false, providers: {} })
    ],
    '/v1/incidents': [json(200, { data: [incident], next_cursor: null, providers: {} })]
  })
  t.teardown(gw.close)
  const stateFile = join(mkdtempSync(join(tmpdir(), 'soar-')), 'state.json')
  // Known: zwa:1 in its current state and zwa:2, which the new walk no longer finds.
  writeFileSync(stateFile, JSON.stringify({
    version: 1,
    providers: null,
    token: 'old',
    checkpoints: { zwa: '2026-11-01T00:00:00.000Z' },
    cases: { 'zwa:2': { u: '2026-11-01T00:00:00.000Z', f: 'x' } }
  }))
  const run = await runLoop({ GATEWAY_URL: gw.url, API_KEY: 'k', STATE_FILE: stateFile, WAIT: '0' })
  t.equal(run.code, 0, run.err)
  t.match(run.err, /the stored token has expired \(410 change_token_expired\): starting again from a list walk/)
  t.same(run.lines, ['created zwa:1 status=new severity=high walk', 'deleted zwa:2 walk'])
  t.same(gw.seen.filter((s) => s.path === '/v1/changes').map((s) => s.query.get('after')), ['old', null, 'fresh'])
  t.match(readState(stateFile), { token: 'fresh2', cases: { 'zwa:1': {} } })
})

t.test('a lasting error stops with exit code 1; a bad setting with 2', async (t) => {
  const gw = await fakeGateway({ '/v1/changes': [json(401, { code: 'unauthorized', detail: 'Unknown API key.' })] })
  t.teardown(gw.close)
  const stateFile = join(mkdtempSync(join(tmpdir(), 'soar-')), 'state.json')
  const run = await runLoop({ GATEWAY_URL: gw.url, API_KEY: 'k', STATE_FILE: stateFile })
  t.equal(run.code, 1)
  t.match(run.err, /giving up: 401 unauthorized: Unknown API key\./)
  t.notMatch(run.err, /\bk\b.*Bearer/, 'the key is not logged')
  const bad = await runLoop({ GATEWAY_URL: gw.url, API_KEY: 'k', LIMIT: '5000' })
  t.equal(bad.code, 2)
  t.match(bad.err, /LIMIT must be an integer from 1 to 1000/)
  const noKey = await runLoop({ GATEWAY_URL: gw.url })
  t.equal(noKey.code, 2)
  t.match(noKey.err, /API_KEY must be set/)
})

t.test('SIGTERM ends a long poll at once with exit code 0 and the checkpoint kept', async (t) => {
  const held: ServerResponse[] = []
  const gw = await fakeGateway({
    '/v1/changes': [emptyFeed, (_req, res) => { held.push(res) }], // the second read never answers
    '/v1/incidents': [json(200, { data: [incident], next_cursor: null, providers: {} })]
  })
  t.teardown(() => { for (const res of held) res.destroy(); gw.close() })
  const stateFile = join(mkdtempSync(join(tmpdir(), 'soar-')), 'state.json')
  const loopRun = spawnLoop({ GATEWAY_URL: gw.url, API_KEY: 'k', STATE_FILE: stateFile, WAIT: '60' }, [])
  const until = Date.now() + 20_000
  while (held.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(held.length, 1, 'the long poll is in flight')
  const sent = Date.now()
  loopRun.child.kill('SIGTERM')
  const run = await loopRun.done
  t.equal(run.code, 0, run.err)
  t.ok(Date.now() - sent < 5000, 'stops without waiting for the poll')
  t.match(run.err, /SIGTERM: stopping/)
  t.equal(readState(stateFile).token, 't1')
})

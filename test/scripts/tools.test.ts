import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'

// The developer tools run as `npm run keygen` / `npm run simulators` would run them.
const run = promisify(execFile)
const script = (name: string) => fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url))

async function exec (file: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args])
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

t.test('keygen: --help prints usage; bad flags are one clear line, not a stack trace', async (t) => {
  const help = await exec(script('keygen.ts'), ['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: npm run keygen -- /)
  t.match(help.stdout, /--scopes/)
  for (const args of [['--bogus'], ['--name'], ['positional']]) {
    const bad = await exec(script('keygen.ts'), args)
    t.equal(bad.code, 2, args.join(' '))
    t.match(bad.stderr, /^keygen: .+--help prints the usage\)\n$/, 'one line naming the problem')
    t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace')
  }
  const ok = await exec(script('keygen.ts'), ['--name', 'soar', '--scopes', 'incidents:read,evidence:read'])
  t.equal(ok.code, 0)
  t.match(ok.stdout, /scopes: \[incidents:read, evidence:read\]/)
})

t.test('simulators: starts both, prints URLs and credentials that work, stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [script('simulators.ts'), '--zwa-port', '0', '--cloudlock-port', '0', '--count', '5'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  const exited = once(child, 'exit')
  while (!/CLOUDLOCK_TOKEN=\S+/.test(out)) {
    if (child.exitCode !== null) throw new Error(`simulators exited: ${out}`)
    await Promise.race([once(child.stdout, 'data'), exited])
  }
  const zwaUrl = /ZWA simulator: (\S+)/.exec(out)![1]
  const keyId = /API key id: (\S+)/.exec(out)![1]
  const keySecret = /API key secret: (\S+)/.exec(out)![1]
  const cloudlockApi = /Cloudlock simulator: (\S+)/.exec(out)![1]
  const token = /Bearer token: (\S+)/.exec(out)![1]
  const tokenRes = await fetch(`${zwaUrl}/v1/auth/api-key/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key_id: keyId, key_secret: keySecret }) })
  t.equal(tokenRes.ok, true, 'the printed ZWA key id and secret get a token')
  const zwaToken = ((await tokenRes.json()) as { token: string }).token
  const search = await fetch(`${zwaUrl}/dlp/v1/incidents/search?page=0&pageSize=10`, { method: 'POST', headers: { authorization: `Bearer ${zwaToken}`, 'content-type': 'application/json' }, body: '{}' })
  t.equal(((await search.json()) as { incidents: unknown[] }).incidents.length, 5)
  const list = await fetch(`${cloudlockApi}/incidents`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(list.status, 200, 'the printed Cloudlock URL and token list incidents')
  t.equal(((await list.json()) as { items: unknown[] }).items.length, 5)
  child.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0, 'both stop cleanly')
})

t.test('simulators: --help and unknown flags', async (t) => {
  const help = await exec(script('simulators.ts'), ['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: npm run simulators/)
  const bad = await exec(script('simulators.ts'), ['--port', '1'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^simulators: Unknown option '--port'/)
})

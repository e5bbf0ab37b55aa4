import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import t from 'tap'
import { startDemoGateway } from './helpers/demo.ts'

// The README's curl examples, run verbatim by a real shell and curl against demo mode (seed 1):
// only the host, the key ($KEY) and the <next_cursor> placeholder are filled in.

const run = promisify(execFile)
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const README_BASE = 'http://127.0.0.1:3000'

// Every curl command of the ```sh blocks, continuation lines joined.
function curlCommands (markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1])
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '))
}

async function hasCurl () {
  try {
    await run('sh', ['-c', 'curl --version'])
    return true
  } catch {
    return false
  }
}

t.test('the README examples answer 2xx against demo mode', { skip: (await hasCurl()) ? false : 'needs curl and a POSIX sh' }, async (t) => {
  const commands = curlCommands(README)
  t.ok(commands.length >= 6, `found ${commands.length} curl examples`)
  t.notOk(README.includes('../shared/'), 'the README points only into the repository')
  const demo = await startDemoGateway()
  t.teardown(() => demo.close())
  let previous: any = null
  for (const command of commands) {
    t.ok(command.includes(README_BASE), `${command.slice(0, 60)}… targets the demo address`)
    let line = command.replaceAll(README_BASE, demo.url)
    if (line.includes('<next_cursor>')) {
      t.type(previous?.next_cursor, 'string', 'the example before a <next_cursor> one returns a cursor')
      line = line.replaceAll('<next_cursor>', previous.next_cursor)
    }
    // Status code on the last line; -sS: no progress meter, but errors still shown.
    line = line.replace(/^curl /, 'curl -sS -w "\\n%{http_code}" ')
    const script = `command -v uuidgen >/dev/null 2>&1 || uuidgen () { printf '%s\\n' "$TEST_UUID"; }\n${line}`
    const { stdout } = await run('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '', KEY: demo.apiKey, TEST_UUID: randomUUID() } })
    const cut = stdout.lastIndexOf('\n')
    const status = Number(stdout.slice(cut + 1))
    const body = stdout.slice(0, cut)
    t.ok(status >= 200 && status < 300, `${command.slice(0, 110)} -> ${status} ${status >= 300 ? body.slice(0, 300) : ''}`)
    previous = JSON.parse(body)
  }
})

#!/usr/bin/env node
// An example SOAR fetch loop over the gateway's change feed (GET /v1/changes, docs/sync.md), with
// nothing beyond Node's standard library (Node 18 or later). A real SOAR would create or update a
// case per incident where this prints one line. Run it against demo mode: examples/README.md.
//
//   GATEWAY_URL  the gateway (default http://127.0.0.1:3000)
//   API_KEY      an API key with the incidents:read scope (sent as Authorization: Bearer)
//   STATE_FILE   the JSON checkpoint file (default ./soar-state.json)
//   PROVIDER     optional comma list of provider ids (default: every provider the key may see)
//   LIMIT        changes per request, 1..1000 (default 1000)
//   WAIT         long-poll seconds per request, 0..60 (default 30)
//   --once       one pass (a first run's walk, then the feed until it has nothing more) and exit
//
// Handler lines go to stdout (`created zwa:1-2-3 status=new severity=high seq=41`); the loop's own
// log lines go to stderr. Exit codes: 0 done or stopped (SIGINT/SIGTERM), 1 a lasting API error
// (a bad key, a forbidden provider), 2 a bad setting.

import { createHash } from 'node:crypto'
import { open, readFile, rename } from 'node:fs/promises'

const SETTINGS = settings(process.env, process.argv.slice(2))
const stop = new AbortController()
let stopping = false

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!stopping) log(`${signal}: stopping (the checkpoint is already stored)`)
    stopping = true
    stop.abort()
  })
}

function settings (env, argv) {
  const int = (name, fallback, min, max) => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be an integer from ${min} to ${max}`)
    return n
  }
  if (!env.API_KEY) fail('API_KEY must be set (a gateway API key with the incidents:read scope)')
  const providers = (env.PROVIDER ?? '').split(',').map((p) => p.trim()).filter(Boolean)
  return {
    gateway: (env.GATEWAY_URL || 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    apiKey: env.API_KEY,
    stateFile: env.STATE_FILE || 'soar-state.json',
    // Tokens are bound to the provider set they were issued for: the state records it.
    providers: providers.length > 0 ? [...new Set(providers)].sort().join(',') : null,
    limit: int('LIMIT', 1000, 1, 1000),
    wait: int('WAIT', 30, 0, 60),
    once: argv.includes('--once')
  }
}

function fail (message) {
  process.stderr.write(`soar-loop: ${message}\n`)
  process.exit(2)
}

function log (message) {
  process.stderr.write(`${new Date().toISOString()} soar-loop: ${message}\n`)
}

// ---- HTTP: retries that honour Retry-After, and errors with the problem document's code ----

class ApiError extends Error {
  constructor (status, problem) {
    super(`${status} ${problem?.code ?? 'error'}${problem?.detail ? `: ${problem.detail}` : ''}`)
    this.status = status
    this.code = problem?.code
  }
}

class Stopped extends Error {}

function sleep (ms) {
  return new Promise((resolve, reject) => {
    if (stopping) return reject(new Stopped())
    const timer = setTimeout(() => { stop.signal.removeEventListener('abort', onAbort); resolve() }, ms)
    function onAbort () { clearTimeout(timer); reject(new Stopped()) }
    stop.signal.addEventListener('abort', onAbort, { once: true })
  })
}

// Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), capped at 15 minutes.
function retryAfterMs (value) {
  if (!value) return undefined
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - Date.now()) / 1000
  if (!Number.isFinite(seconds)) return undefined
  return Math.min(Math.max(seconds, 0), 900) * 1000
}

const backoffMs = (attempt) => Math.min(1000 * 2 ** attempt, 60_000) * (0.5 + Math.random() / 2)

// GET a gateway path. 429 and 503/504 (rate limited, overloaded, vendor briefly unavailable) wait as
// long as Retry-After says, or back off; so do network failures and other 5xx. Any other status is
// an ApiError for the caller. In --once mode a call gives up after a few attempts.
async function get (path, params) {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) query.set(k, String(v))
  const url = `${SETTINGS.gateway}${path}?${query}`
  const waitSeconds = Number(params.wait ?? 0)
  for (let attempt = 0; ; attempt++) {
    if (stopping) throw new Stopped()
    let delay
    let why
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(), (waitSeconds + 60) * 1000)
    const onStop = () => timeout.abort()
    stop.signal.addEventListener('abort', onStop, { once: true })
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${SETTINGS.apiKey}`, accept: 'application/json' },
        signal: timeout.signal
      })
      const body = await res.json().catch(() => null)
      if (res.ok) return body
      if (res.status !== 429 && res.status < 500) throw new ApiError(res.status, body)
      delay = retryAfterMs(res.headers.get('retry-after'))
      why = `${res.status} ${body?.code ?? ''}`.trim()
      if (delay !== undefined) why += ` (Retry-After ${Math.round(delay / 1000)} s)`
    } catch (err) {
      if (err instanceof ApiError) throw err
      if (stopping) throw new Stopped()
      why = err.cause?.code ?? err.name ?? 'network error'
    } finally {
      clearTimeout(timer)
      stop.signal.removeEventListener('abort', onStop)
    }
    if (SETTINGS.once && attempt >= 4) throw new Error(`GET ${path}: ${why}; giving up (--once)`)
    delay ??= backoffMs(attempt)
    log(`GET ${path}: ${why}; trying again in ${(delay / 1000).toFixed(1)} s`)
    await sleep(delay)
  }
}

// ---- State: written to a temporary file and renamed over the old one, so a crash leaves either
// the old or the new checkpoint, never half of one. ----

async function loadState () {
  let text
  try {
    text = await readFile(SETTINGS.stateFile, 'utf8')
  } catch (err) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
  const state = JSON.parse(text)
  if (state.version !== 1) throw new Error(`${SETTINGS.stateFile}: unknown state version`)
  return state
}

async function saveState (state) {
  const tmp = `${SETTINGS.stateFile}.tmp`
  const file = await open(tmp, 'w')
  try {
    await file.writeFile(JSON.stringify(state))
    await file.sync() // on disk before the rename makes it the checkpoint
  } finally {
    await file.close()
  }
  await rename(tmp, SETTINGS.stateFile)
}

// ---- The handler: one line per new state of an incident. `cases` (incident id -> update time and a
// content fingerprint of the last state handled) stands for the SOAR's own cases: it makes the
// handler idempotent, so an incident the walk and the feed both deliver is reported once, and an
// older state arriving after a newer one is not reported as a regression. ----

const fingerprint = (incident) => createHash('sha256').update(JSON.stringify(incident)).digest('base64url')

function report (kind, id, incident, source) {
  const details = incident ? ` status=${incident.status} severity=${incident.severity}` : ''
  process.stdout.write(`${kind} ${id}${details} ${source}\n`)
}

// Returns true when the state was new to the SOAR (and reported).
function handleIncident (state, incident, source, changed) {
  const known = state.cases[incident.id]
  const f = fingerprint(incident)
  if (known && (known.f === f || incident.updated_at < known.u)) return false
  state.cases[incident.id] = { u: incident.updated_at, f }
  report(known ? 'updated' : 'created', incident.id, incident, changed ? `${source} changed=${changed}` : source)
  return true
}

function handleChange (state, change) {
  const source = `seq=${change.seq}`
  if (change.type === 'deleted') {
    if (!(change.incident_id in state.cases)) return false
    delete state.cases[change.incident_id]
    report('deleted', change.incident_id, null, source)
    return true
  }
  return handleIncident(state, change.incident, source, change.changed.join(','))
}

// The time checkpoint: per provider, "every change up to here was handled". It moves only over
// `complete_through` (the gateway's promise that every change up to then has a seq at or below
// what this page handed out), never past it, and never backwards.
function advanceCheckpoints (state, providers) {
  for (const [id, p] of Object.entries(providers ?? {})) {
    const through = p.complete_through
    if (through && (!state.checkpoints[id] || Date.parse(through) > Date.parse(state.checkpoints[id]))) {
      state.checkpoints[id] = through
    }
  }
}

// ---- First run (and after 410): a walk of the incidents between two reads of the feed ----
//
// The order matters. 1. Remember the feed head H (the `next` of the last page). 2. Walk GET
// /v1/incidents to the end. 3. Follow the feed from H. Every state the mirror recorded before H is
// at most as new as what the walk (which starts after H) reads; every state it records after H has
// a seq after H, so step 3 delivers it. Nothing is lost between walk and feed; what both deliver
// (an incident changed during the walk) is a duplicate the handler drops. The other order (walk,
// then head) would lose a change recorded between the end of the walk and the head read.
// The contract has no "head only" read, so step 1 pages through the retained feed, 1,000 a page.

async function feedHead () {
  let token
  let pages = 0
  for (;;) {
    const page = await get('/v1/changes', { after: token, limit: 1000, provider: SETTINGS.providers })
    pages++
    token = page.next
    if (!page.has_more) return { token, pages }
  }
}

async function bootstrap (previous, reason) {
  log(`${reason}: remembering the feed head, then walking GET /v1/incidents`)
  const head = await feedHead()
  const state = {
    version: 1,
    providers: SETTINGS.providers,
    token: null,
    checkpoints: {},
    cases: previous?.cases ?? {}
  }
  const seen = new Set()
  let cursor
  let walked = 0
  let reported = 0
  do {
    const page = await get('/v1/incidents', { limit: 100, cursor, provider: SETTINGS.providers })
    for (const incident of page.data) {
      seen.add(incident.id)
      walked++
      if (handleIncident(state, incident, 'walk')) reported++
    }
    cursor = page.next_cursor
  } while (cursor)
  // A case the complete walk no longer finds was deleted (or moved out of PROVIDER) while the
  // previous token was unusable.
  for (const id of Object.keys(state.cases)) {
    if (seen.has(id)) continue
    delete state.cases[id]
    report('deleted', id, null, 'walk')
    reported++
  }
  state.token = head.token
  await saveState(state)
  log(`walk done: ${walked} incidents, ${reported} reported; following the feed from its head ` +
    `(${head.pages} feed pages read)`)
  return state
}

// ---- The loop ----

async function main () {
  let state = await loadState()
  if (!state) {
    state = await bootstrap(undefined, 'no state yet')
  } else if (state.providers !== SETTINGS.providers) {
    state = await bootstrap(state, 'PROVIDER changed (a token is bound to its provider set)')
  } else {
    log(`resuming from ${SETTINGS.stateFile}`)
  }
  for (;;) {
    let page
    try {
      page = await get('/v1/changes', {
        after: state.token, limit: SETTINGS.limit, wait: SETTINGS.wait, provider: SETTINGS.providers
      })
    } catch (err) {
      if (err.code === 'change_token_expired') {
        state = await bootstrap(state, 'the stored token has expired (410 change_token_expired): starting again ' +
          'from a list walk')
        continue
      }
      if (err.code === 'invalid_cursor') {
        state = await bootstrap(state, 'the stored token is not valid here (400 invalid_cursor): starting again ' +
          'from a list walk')
        continue
      }
      throw err
    }
    let reported = 0
    for (const change of page.data) if (handleChange(state, change)) reported++
    // Only after handling: a crash before this line hands the same page out again (at least once;
    // the handler drops what it has seen).
    state.token = page.next
    advanceCheckpoints(state, page.providers)
    await saveState(state)
    if (page.data.length > 0) {
      log(`${page.data.length} changes (${reported} reported), checkpoints ${JSON.stringify(state.checkpoints)}`)
    }
    if (SETTINGS.once && !page.has_more) return
  }
}

try {
  await main()
} catch (err) {
  if (!(err instanceof Stopped)) {
    log(err instanceof ApiError ? `giving up: ${err.message}` : `giving up: ${err.message ?? err}`)
    process.exitCode = 1
  }
}

// `npm run bench`: every benchmark in one run, reported as ratios against baselines measured in
// the same run (these machines are noisy; absolute numbers are for context only).
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { benchCpu } from './cpu.ts'
import { benchMemory, memoryVerdicts } from './memory.ts'
import { benchMergedList } from './merged-list.ts'
import { benchSyncCost } from './sync-cost.ts'
import { benchWalk } from './walk.ts'
import { benchWebhooks } from './webhooks.ts'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    walk: { type: 'string', default: '20000' },
    only: { type: 'string' }
  }
})
const duration = Number(values.duration)
const only = values.only?.split(',')
const want = (name: string) => !only || only.includes(name)

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30) }
const results: Record<string, unknown> = { machine, at: new Date().toISOString(), duration }
const verdicts: string[] = []
const check = (label: string, ok: boolean, figure: string) => verdicts.push(`${ok ? 'PASS' : 'MISS'} ${label}: ${figure}`)

// `cpu` (alias `detail`): detail GET, list page and change feed against proxies, rounds alternated.
if (want('cpu') || want('detail')) {
  const c = await benchCpu(duration, Number(values.rounds))
  results.cpu = c
  const r = c.ratios
  const spread = (k: string) => `${r[k].value.toFixed(2)} (rounds ${r[k].perRound.map((v) => v.toFixed(2)).join(', ')})`
  check('detail CPU per request, gateway/proxy <= 1.3 (distinct incidents)', r['detail.cpu'].value <= 1.3, spread('detail.cpu'))
  check('detail req/s, gateway/proxy >= 0.8 (distinct incidents)', r['detail.rps'].value >= 0.8, spread('detail.rps'))
  check('detail CPU per request, gateway/proxy <= 1.3 (one incident)', r['same.cpu'].value <= 1.3, spread('same.cpu'))
  check('list page of 100, CPU per request, gateway/proxy of the vendor page <= 2.0', r['list.cpu'].value <= 2.0, spread('list.cpu'))
  // Information, not a target: the floor of any gateway that parses and re-serializes the records.
  verdicts.push(`INFO detail CPU per request, gateway/reparse floor (fetch, JSON.parse, JSON.stringify of the record): ${spread('detail.reparse.cpu')}; floor/proxy ${spread('detail.reparse_vs_proxy.cpu')}`)
  verdicts.push(`INFO list page of 100, CPU per request, gateway/reparse floor (fetch, JSON.parse, JSON.stringify of the items): ${spread('list.reparse.cpu')}; floor/proxy ${spread('list.reparse_vs_proxy.cpu')}`)
  check('change feed CPU per change / list CPU per incident <= 1', r['feed.cpuPerUnit'].value <= 1, spread('feed.cpuPerUnit'))
  if (!c.nginx) verdicts.push('SKIP nginx floor: nginx is not installed')
}
if (want('merged')) {
  const m = await benchMergedList(duration, Number(values.rounds))
  results.merged = m
  check('merged list p50 / slower single-provider p50 <= 1.1', m.p50RatioVsSlowest <= 1.1, m.p50RatioVsSlowest.toFixed(2))
  check('merged list p50 / faster single-provider p50 <= 1.1', m.p50RatioVsFastest <= 1.1, m.p50RatioVsFastest.toFixed(2))
}
// `memory`: RSS at rest against a bare Fastify app, and over a walk, with the shipped node flags.
if (want('memory')) {
  const m = await benchMemory(Number(values.rounds), values.walk!)
  results.memory = m
  verdicts.push(...memoryVerdicts(m))
}
if (want('walk')) {
  const w = await benchWalk(Number(values.walk))
  results.walk = w
  check('walk upstream calls / minimum <= 1.05', w.callRatio <= 1.05, `${w.upstreamCalls}/${w.minimumCalls} = ${w.callRatio.toFixed(3)}`)
  check('walk RSS growth < 50 MB (first walk)', w.rssAfterFirstMb - w.rssBeforeMb < 50, `${(w.rssAfterFirstMb - w.rssBeforeMb).toFixed(1)} MB`)
  check('walk RSS growth < 50 MB (second walk, same process)', w.rssAfterMb - w.rssAfterFirstMb < 50, `${(w.rssAfterMb - w.rssAfterFirstMb).toFixed(1)} MB`)
}
// `sync`: what sync costs in vendor calls over an hour of virtual time (bench/sync-cost.ts).
if (want('sync')) {
  const s = await benchSyncCost()
  results.sync = s
  const r = s.ratios
  const f = (n: number) => n.toFixed(2)
  check('pass-through polling / sync vendor calls per hour >= 50 (both vendors)', r.passThroughOverSync.both >= 50,
    `${f(r.passThroughOverSync.both)} (zwa ${f(r.passThroughOverSync.zwa)}, cloudlock ${f(r.passThroughOverSync.cloudlock)})`)
  check('sync / strategy minimum vendor calls per hour <= 1.5 (both vendors)', r.syncOverMinimum.both <= 1.5,
    `${f(r.syncOverMinimum.both)} (zwa ${f(r.syncOverMinimum.zwa)}, cloudlock ${f(r.syncOverMinimum.cloudlock)})`)
  check('sync / strategy minimum <= 1.5 (zwa alone)', r.syncOverMinimum.zwa <= 1.5, f(r.syncOverMinimum.zwa))
}
if (want('webhooks')) {
  const h = await benchWebhooks()
  results.webhooks = h
  const ms = (x: number) => `${x.toFixed(0)} ms`
  check(`webhook deliveries/s / plain POST/s, both at concurrency ${h.concurrency} >= 0.02`, h.ratio >= 0.02,
    `${h.deliveriesPerSecond.toFixed(0)}/${h.plainPostsPerSecond.toFixed(0)} = ${h.ratio.toFixed(2)}`)
  check('change-to-delivery p95, same process / poll_interval_s (60 s) <= 0.01',
    h.p95OverPollInterval.sameProcess <= 0.01,
    `p50 ${ms(h.latencyMs.sameProcess.p50)}, p95 ${ms(h.latencyMs.sameProcess.p95)}`)
  check('change-to-delivery p95, other replica (scan 1 s) / poll_interval_s <= 0.05',
    h.p95OverPollInterval.otherReplica <= 0.05,
    `p50 ${ms(h.latencyMs.otherReplica.p50)}, p95 ${ms(h.latencyMs.otherReplica.p95)}`)
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(results, null, 2))
process.stdout.write(`${JSON.stringify(results, null, 2)}\n\n${verdicts.join('\n')}\n`)

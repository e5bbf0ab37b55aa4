// A change-feed consumer of the soak: it stores `next`, sends it back as `after` (optionally
// long-polling with `wait`) and checks the feed's promise on everything it receives: each change once,
// in `seq` order, and for a consumer of every provider no gap (seqs are dense: one counter,
// docs/sync.md "Ordering"). A consumer of a provider subset checks order and provider only; the soak
// compares its count with the full consumer's record of which provider each seq was.
export type Call = (kind: string, method: string, path: string) => Promise<{ status: number, code?: string, body: any }>

export interface FeedOptions { name: string, providers?: string[], wait: number, limit: number, pauseMs: number }

export class FeedConsumer {
  readonly opts: FeedOptions
  token: string | undefined
  lastSeq = 0
  reads = 0
  changes = 0
  duplicatesOrBackwards = 0 // a seq at or below one already seen
  gaps = 0 // full consumer: a seq that is not the previous plus one
  wrongProvider = 0
  tokenErrors = 0 // 400 invalid_cursor / 410 change_token_expired on a token the gateway issued
  otherErrors = 0
  providerBySeq: string[] | undefined // kept by the full consumer that the soak checks the others against

  constructor (opts: FeedOptions, recordProviders = false) {
    this.opts = opts
    if (recordProviders) this.providerBySeq = []
  }

  // One read; true while more is available at once (has_more).
  async read (call: Call, wait = this.opts.wait): Promise<boolean> {
    const q = new URLSearchParams({ limit: String(this.opts.limit) })
    if (wait > 0) q.set('wait', String(wait))
    if (this.opts.providers) q.set('provider', this.opts.providers.join(','))
    if (this.token) q.set('after', this.token)
    const res = await call('feed', 'GET', `/v1/changes?${q}`)
    this.reads++
    if (res.status !== 200) {
      if (res.code === 'invalid_cursor' || res.code === 'change_token_expired') this.tokenErrors++
      else this.otherErrors++
      return false
    }
    for (const change of res.body.data as Array<{ seq: number, provider: string }>) {
      this.changes++
      if (change.seq <= this.lastSeq) this.duplicatesOrBackwards++
      else if (!this.opts.providers && change.seq !== this.lastSeq + 1) this.gaps++
      if (this.opts.providers && !this.opts.providers.includes(change.provider)) this.wrongProvider++
      if (this.providerBySeq) this.providerBySeq[change.seq] = change.provider
      this.lastSeq = Math.max(this.lastSeq, change.seq)
    }
    this.token = res.body.next
    return res.body.has_more === true
  }

  async run (call: Call, until: number): Promise<void> {
    while (Date.now() < until) {
      const more = await this.read(call)
      if (!more && this.opts.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.opts.pauseMs))
    }
  }

  // After the load: read without waiting until this consumer has every change up to `head`
  // (committed before the call): a full consumer reaches it, a subset one reads until has_more is false.
  async drain (call: Call, head: number, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const more = await this.read(call, 0)
      if (!more && (this.opts.providers !== undefined || this.lastSeq >= head)) return
    }
  }

  report () {
    const { name, providers, wait } = this.opts
    return {
      name,
      providers: providers ?? 'all',
      wait,
      reads: this.reads,
      changes: this.changes,
      lastSeq: this.lastSeq,
      duplicatesOrBackwards: this.duplicatesOrBackwards,
      gaps: this.gaps,
      wrongProvider: this.wrongProvider,
      tokenErrors: this.tokenErrors,
      otherErrors: this.otherErrors
    }
  }
}

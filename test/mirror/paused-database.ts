import type { Database, Queryable, Row } from '../../src/store/database.ts'

// A Database whose next transaction stops, still open, right after a statement matching `after`,
// until the test releases it: to hold a store transaction in flight (its locks taken, its rows
// uncommitted) while other writers and readers run. With `jitter`, every statement inside a
// transaction is followed by that many milliseconds, so concurrent transactions overlap longer.
export interface Pause {
  reached: Promise<void> // the transaction has run the statement and is waiting
  release: () => void
}

export class PausedDatabase implements Database {
  readonly kind: Database['kind']
  private readonly inner: Database
  private armed: { after: RegExp, reached: () => void, gate: Promise<void> } | undefined

  private readonly jitter: (() => number) | undefined

  constructor (inner: Database, jitter?: () => number) {
    this.inner = inner
    this.jitter = jitter
    this.kind = inner.kind
  }

  pauseAfter (after: RegExp): Pause {
    let reached!: () => void
    let release!: () => void
    const reachedP = new Promise<void>((resolve) => { reached = resolve })
    const gate = new Promise<void>((resolve) => { release = resolve })
    this.armed = { after, reached, gate }
    return { reached: reachedP, release }
  }

  query<R extends Row = Row> (sql: string, params?: unknown[]): Promise<R[]> {
    return this.inner.query<R>(sql, params)
  }

  exec (sql: string): Promise<void> {
    return this.inner.exec(sql)
  }

  transaction<T> (fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const armed = this.armed
    this.armed = undefined
    return this.inner.transaction((tx) => fn({
      exec: (sql) => tx.exec(sql),
      query: async <R extends Row = Row>(sql: string, params?: unknown[]) => {
        const rows = await tx.query<R>(sql, params)
        const ms = this.jitter?.() ?? 0
        if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms))
        if (armed && armed.after.test(sql)) {
          armed.reached()
          await armed.gate
        }
        return rows
      }
    }))
  }

  listen (channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return this.inner.listen(channel, onNotify)
  }

  close (): Promise<void> {
    return this.inner.close()
  }
}

import pg from 'pg'
import type { Database, Queryable, Row } from './database.ts'
import { pgListen } from './pg-listener.ts'
import { parseTimestamptz } from './pg-timestamp.ts'

// int8 as a number, timestamptz as a Date (src/store/pg-timestamp.ts), the rest as node-postgres
// parses it (jsonb parsed).
const INT8_OID = 20
const TIMESTAMPTZ_OID = 1184
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : oid === TIMESTAMPTZ_OID ? parseTimestamptz : pg.types.getTypeParser(oid, format as 'text')) as
    typeof pg.types.getTypeParser
}

export interface PgOptions {
  url: string
  max?: number // pool size; default 5
  applicationName?: string
  lockTimeoutMs?: number // default 10 s
  statementTimeoutMs?: number // default 30 s
  idleInTransactionMs?: number // default 10 s: a frozen leader's open transaction must end before its lease (15 s)
}

// PostgreSQL through node-postgres' pool (`pg`, the most used and longest-kept client).
export class PgDatabase implements Database {
  readonly kind = 'postgres' as const
  private readonly pool: pg.Pool
  private readonly options: PgOptions

  constructor (options: PgOptions) {
    this.options = options
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 5,
      application_name: options.applicationName ?? 'dlp-gateway',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      // A replica that stops answering in the middle of a transaction holds the change counter's lock:
      // without limits every other appender, and every gateway write's write-through, would wait for
      // the server to notice (TCP keep-alive, hours). Waits for a lock, statements and transactions left
      // open are bounded instead; the caller sees an error and retries (test/store/pg-limits.test.ts).
      lock_timeout: options.lockTimeoutMs ?? 10_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      idle_in_transaction_session_timeout: options.idleInTransactionMs ?? 10_000,
      keepAlive: true,
      types
    })
    // An idle client's connection failing (server restart) must not crash the process; the pool
    // drops it and the next query opens a new one.
    this.pool.on('error', () => {})
  }

  async query<R extends Row = Row> (sql: string, params: unknown[] = []): Promise<R[]> {
    const res = await this.pool.query(sql, params)
    return res.rows as R[]
  }

  async exec (sql: string): Promise<void> {
    await this.pool.query(sql)
  }

  async transaction<T> (fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken = false
    // The server may end a checked-out connection (idle_in_transaction_session_timeout, a restart):
    // the next query fails, and the connection is not given back to the pool.
    const onError = () => { broken = true }
    client.on('error', onError)
    try {
      await client.query('BEGIN')
      const tx: Queryable = {
        query: async <R extends Row = Row>(sql: string, params: unknown[] = []) =>
          (await client.query(sql, params)).rows as R[],
        exec: async (sql: string) => { await client.query(sql) }
      }
      const out = await fn(tx)
      await client.query('COMMIT')
      return out
    } catch (err) {
      try {
        await client.query('ROLLBACK')
      } catch {
        broken = true // the connection is gone: do not give it back to the pool
      }
      throw err
    } finally {
      client.off('error', onError)
      client.release(broken)
    }
  }

  listen (channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return pgListen(this.options.url, channel, onNotify, {
      applicationName: `${this.options.applicationName ?? 'dlp-gateway'}-listen`
    })
  }

  async close (): Promise<void> {
    await this.pool.end()
  }
}

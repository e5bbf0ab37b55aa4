import pg from 'pg'
import type { Database, Queryable, Row } from './database.ts'

// int8 as a number and the rest as node-postgres parses it (jsonb parsed, timestamptz as Date).
const INT8_OID = 20
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as
    typeof pg.types.getTypeParser
}

export interface PgOptions {
  url: string
  max?: number // pool size; default 5
  applicationName?: string
}

// PostgreSQL through node-postgres' pool (`pg`, the most used and longest-kept client).
export class PgDatabase implements Database {
  readonly kind = 'postgres' as const
  private readonly pool: pg.Pool

  constructor (options: PgOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 5,
      application_name: options.applicationName ?? 'dlp-gateway',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
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
      client.release(broken)
    }
  }

  async close (): Promise<void> {
    await this.pool.end()
  }
}

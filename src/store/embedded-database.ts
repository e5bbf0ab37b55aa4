import { PGlite, types } from '@electric-sql/pglite'
import type { Database, Queryable, Row } from './database.ts'

// The embedded store: PostgreSQL compiled to WebAssembly (PGlite), in memory or persisted in a
// directory, so `npm start` needs no server and runs the very SQL production runs on PostgreSQL.
// It is one connection: PGlite runs one transaction at a time and queues the rest.
export class EmbeddedDatabase implements Database {
  readonly kind = 'embedded' as const
  private readonly db: PGlite
  private constructor (db: PGlite) {
    this.db = db
  }

  // `dataDir` absent: in memory, gone when the process ends.
  static async open (dataDir?: string): Promise<EmbeddedDatabase> {
    const db = await PGlite.create({
      dataDir,
      parsers: { [types.INT8]: (v: string) => Number(v) }
    })
    return new EmbeddedDatabase(db)
  }

  async query<R extends Row = Row> (sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.db.query<R>(sql, params)).rows
  }

  async exec (sql: string): Promise<void> {
    await this.db.exec(sql)
  }

  transaction<T> (fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) => fn({
      query: async <R extends Row = Row>(sql: string, params: unknown[] = []) => (await t.query<R>(sql, params)).rows,
      exec: async (sql: string) => { await t.exec(sql) }
    }))
  }

  // One process owns an embedded store, so its own commits are all there is to hear.
  async listen (channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, () => onNotify())
  }

  async close (): Promise<void> {
    if (!this.db.closed) await this.db.close()
  }
}

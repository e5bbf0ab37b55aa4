// The one small query interface the mirror, the change feed and sync use, whichever engine is
// behind it: PostgreSQL (DATABASE_URL, shared by every replica) or the embedded PGlite (demo mode,
// or one replica persisting under DATA_DIR). Both run the same SQL (src/store/migrations/).
//
// Conventions both engines keep (src/store/pg-database.ts, src/store/embedded-database.ts):
// parameters are `$1..$n`; jsonb goes in as JSON text (`$1::jsonb`) and comes out parsed; int8 comes
// out as a number (seqs stay far below 2^53); timestamptz comes out as a Date.

export type Row = Record<string, unknown>

export interface Queryable {
  query<R extends Row = Row> (sql: string, params?: unknown[]): Promise<R[]>
  // Several statements without parameters (a migration).
  exec (sql: string): Promise<void>
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded'
  // Runs `fn` in one transaction (READ COMMITTED): committed if it resolves, rolled back if it throws.
  transaction<T> (fn: (tx: Queryable) => Promise<T>): Promise<T>
  close (): Promise<void>
  // Calls `onNotify` for every NOTIFY on `channel` from any connection (another replica's commit),
  // and once after a lost listening connection is back (notifications may have been missed then).
  // Resolves with the function that stops listening.
  listen (channel: string, onNotify: () => void): Promise<() => Promise<void>>
}

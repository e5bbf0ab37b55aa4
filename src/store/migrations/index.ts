import mirror from './001-mirror.ts'

// Every schema version in order. A migration is never edited once released: a change is a new entry.
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  { version: 1, name: 'mirror', sql: mirror }
]

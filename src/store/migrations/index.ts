import mirror from './001-mirror.ts'
import webhooks from './003-webhooks.ts'

// Every schema version in order. A migration is never edited once released: a change is a new entry.
// Version 2 (sync leases, retention) and 4 (batch jobs) are being added on other branches.
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  { version: 1, name: 'mirror', sql: mirror },
  { version: 3, name: 'webhooks', sql: webhooks }
]

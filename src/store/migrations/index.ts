import mirror from './001-mirror.ts'
import batchJobs from './004-batch-jobs.ts'

// Every schema version in order. A migration is never edited once released: a change is a new entry.
// Numbers 2 and 3 are reserved for work on other branches (sync leases, webhooks).
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  { version: 1, name: 'mirror', sql: mirror },
  { version: 4, name: 'batch_jobs', sql: batchJobs }
]

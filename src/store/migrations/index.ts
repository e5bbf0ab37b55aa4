import mirror from './001-mirror.ts'
import leadershipRetention from './002-leadership-retention.ts'
import webhooks from './003-webhooks.ts'
import batchJobs from './004-batch-jobs.ts'
import changeIncidentText from './005-change-incident-text.ts'

// Every schema version in order. A migration is never edited once released: a change is a new entry.
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  { version: 1, name: 'mirror', sql: mirror },
  { version: 2, name: 'leadership-retention', sql: leadershipRetention },
  { version: 3, name: 'webhooks', sql: webhooks },
  { version: 4, name: 'batch_jobs', sql: batchJobs },
  { version: 5, name: 'change_incident_text', sql: changeIncidentText }
]

// Version 4: batch jobs (spec section 11, docs/writes.md). A job is claimed by one replica at a
// time through its lease (lease_owner, lease_until) and fenced by lease_epoch, which each claim
// raises: a replica whose lease passed can no longer change the job or its items
// (src/jobs/job-store.ts). An item is 'attempting' from just before its vendor write is sent until
// its outcome is known; a replica resuming the job reads such an item back instead of sending again.
export default `
CREATE TABLE batch_jobs (
  id text PRIMARY KEY,
  owner text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'done')),
  total integer NOT NULL,
  lease_owner text,
  lease_until timestamptz,
  lease_epoch bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX batch_jobs_open ON batch_jobs (created_at) WHERE state <> 'done';
CREATE INDEX batch_jobs_finished ON batch_jobs (finished_at) WHERE state = 'done';

CREATE TABLE batch_items (
  job_id text NOT NULL REFERENCES batch_jobs (id) ON DELETE CASCADE,
  idx integer NOT NULL,
  incident_id text NOT NULL,
  action text NOT NULL CHECK (action IN ('update', 'close', 'note', 'labels')),
  body jsonb NOT NULL,
  if_match text,
  state text NOT NULL CHECK (state IN ('pending', 'attempting', 'succeeded', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  outcome jsonb,
  incident jsonb,
  error jsonb,
  PRIMARY KEY (job_id, idx)
);
`

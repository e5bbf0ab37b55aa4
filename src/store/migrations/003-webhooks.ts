// Version 3: webhooks (spec section 10, docs/webhooks.md).
//
// webhooks: one row per webhook; `position` is the change-feed seq up to which its changes have been
// queued (each webhook keeps its own position), moved in the same transaction that queues them.
// webhook_deliveries: the queue (an outbox): one row per change still to deliver to a webhook; a row
// leaves when its delivery succeeds or is given up. Replicas claim rows with FOR UPDATE SKIP LOCKED
// and hold them by a lease (lease_owner, lease_until), so a killed replica's rows are taken over
// when the lease runs out. webhook_attempts: the recent attempts GET /v1/webhooks/{id}/deliveries shows.
export default `
CREATE TABLE webhooks (
  id text PRIMARY KEY,
  owner text NOT NULL,
  url text NOT NULL,
  description text,
  events text[] NOT NULL,
  filter jsonb NOT NULL,
  secrets jsonb NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  disabled_at timestamptz,
  position bigint NOT NULL,
  consecutive_failures integer NOT NULL DEFAULT 0,
  hold_until timestamptz,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks (owner, created_at, id);

CREATE TABLE webhook_deliveries (
  webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  incident text NOT NULL,
  event text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  first_attempt_at timestamptz,
  next_attempt_at timestamptz NOT NULL,
  lease_owner text,
  lease_until timestamptz,
  -- true while an earlier change of the same incident is queued: only the head is claimable
  blocked boolean NOT NULL DEFAULT false,
  PRIMARY KEY (webhook_id, seq)
);
CREATE INDEX webhook_deliveries_incident ON webhook_deliveries (webhook_id, incident, seq);
CREATE INDEX webhook_deliveries_ready ON webhook_deliveries (webhook_id, next_attempt_at, seq) WHERE NOT blocked;
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (webhook_id) WHERE lease_owner IS NOT NULL;

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  message_id text NOT NULL,
  seq bigint,
  event text NOT NULL,
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  outcome text NOT NULL,
  status integer,
  latency_ms integer,
  error text
);
CREATE INDEX webhook_attempts_recent ON webhook_attempts (webhook_id, id);
`

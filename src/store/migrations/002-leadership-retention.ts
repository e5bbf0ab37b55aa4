// Version 2: sync leadership across replicas and change-feed retention (spec section 9, docs/sync.md).
export default `
-- One row per piece of singleton work (a provider's sync, the retention pruner). The holder keeps it
-- by renewing before expires_at (database time, never a replica's clock); any replica takes an
-- expired lease. epoch grows on every take-over and fences writes: a sync write commits only while
-- its holder and epoch still own an unexpired lease (src/store/leases.ts).
CREATE TABLE sync_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  acquired_at timestamptz NOT NULL,
  renewed_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

-- What the leader last reported of its sync (last poll, error, vendor calls), so every replica's
-- GET /v1/providers says the same.
ALTER TABLE sync_state ADD COLUMN status jsonb;

-- Retention: every change with seq <= pruned_through is gone; pruned_mark is the fingerprint of the
-- change at pruned_through, so a token positioned exactly there stays verifiable.
CREATE TABLE feed_retention (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  pruned_through bigint NOT NULL,
  pruned_mark text NOT NULL
);
INSERT INTO feed_retention (pruned_through, pruned_mark) VALUES (0, '');
`

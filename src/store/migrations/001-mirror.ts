// Version 1: the incident mirror, the change feed and sync state (spec section 9, docs/sync.md).
export default `
CREATE TABLE store_meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  store_id text NOT NULL,
  -- Signs change tokens when no cursor secret is configured, so tokens outlive a restart.
  token_secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO store_meta (store_id, token_secret) VALUES (md5(random()::text || clock_timestamp()::text),
  md5(random()::text) || md5(random()::text) || md5(clock_timestamp()::text));

-- One row per incident the mirror has seen. incident is the normalized Incident without raw; raw
-- the vendor record as received. observed_at is when the vendor answer holding this state was
-- requested: an older answer never overwrites a newer one.
CREATE TABLE mirror_incidents (
  provider text NOT NULL,
  native_id text NOT NULL,
  incident jsonb NOT NULL,
  raw jsonb,
  content_hash text NOT NULL,
  vendor_updated_at text,
  created_at timestamptz NOT NULL,
  status text NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  first_seen timestamptz NOT NULL,
  last_checked timestamptz NOT NULL,
  observed_at timestamptz NOT NULL,
  PRIMARY KEY (provider, native_id)
);
CREATE INDEX mirror_recheck ON mirror_incidents (provider, status, last_checked) WHERE NOT deleted;

-- The feed. seq comes from change_counter inside the appending transaction: the counter row's lock
-- orders every appender, so changes commit in seq order and a reader never passes a seq that is
-- still to commit (src/mirror/mirror-store.ts; test/mirror/commit-order.test.ts).
CREATE TABLE change_counter (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_seq bigint NOT NULL
);
INSERT INTO change_counter (last_seq) VALUES (0);

CREATE TABLE changes (
  seq bigint PRIMARY KEY,
  provider text NOT NULL,
  native_id text NOT NULL,
  type text NOT NULL CHECK (type IN ('created', 'updated', 'deleted')),
  occurred_at timestamptz NOT NULL,
  detected_at timestamptz NOT NULL,
  changed jsonb NOT NULL,
  previous jsonb NOT NULL,
  incident jsonb,
  raw jsonb
);
CREATE INDEX changes_by_provider ON changes (provider, seq);
CREATE INDEX changes_by_time ON changes (detected_at);

-- complete_through of a provider as of a feed position: every change the sync strategy could see up
-- to complete_through has a seq <= through_seq.
CREATE TABLE sync_checkpoints (
  provider text NOT NULL,
  through_seq bigint NOT NULL,
  complete_through timestamptz NOT NULL,
  PRIMARY KEY (provider, through_seq)
);

-- Each provider's sync progress (windows, walk positions), survived across restarts.
CREATE TABLE sync_state (
  provider text PRIMARY KEY,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`

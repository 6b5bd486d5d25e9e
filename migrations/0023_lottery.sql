-- Up Migration

-- Lottery admission and the verifiable draw (issue 22, decision 029). A performance's waiting room
-- orders buyers by arrival (fifo) or by a draw among those who registered before the opening (lottery).
ALTER TABLE performances
  ADD COLUMN queue_mode text NOT NULL DEFAULT 'fifo' CHECK (queue_mode IN ('fifo', 'lottery'));

-- One fairness record per performance: the secret seed, made when the row is made, so that its
-- commitment (SHA-256 of the seed) can be published before anyone registers; the draw's outcome once
-- it has happened. 32 bytes from two v4 UUIDs (PostgreSQL's strong random source, 244 random bits):
-- gen_random_uuid() is built in, pgcrypto's gen_random_bytes() is an extension we do not require.
CREATE TABLE performance_fairness (
  performance_id bigint PRIMARY KEY REFERENCES performances (id) ON DELETE CASCADE,
  seed bytea NOT NULL
    DEFAULT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'),
  committed_at timestamptz NOT NULL DEFAULT now(),
  drawn_at timestamptz,
  -- The drawn order as published: each registrant's hash (hex), ascending; and the SHA-256 (hex) of
  -- them one per line. Kept, not recomputed: an account deleted after the draw must not move anyone.
  entries text[],
  list_hash text,
  CHECK ((drawn_at IS NULL) = (list_hash IS NULL) AND (drawn_at IS NULL) = (entries IS NULL))
);
INSERT INTO performance_fairness (performance_id) SELECT id FROM performances;

-- One registration per account and performance (the primary key makes a repeat a no-op).
CREATE TABLE lottery_registrations (
  performance_id bigint NOT NULL REFERENCES performances (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  registered_at timestamptz NOT NULL DEFAULT now(),
  -- 1-based place in the draw, set when it happens.
  place integer,
  PRIMARY KEY (performance_id, user_id)
);

-- Down Migration

DROP TABLE lottery_registrations;
DROP TABLE performance_fairness;
ALTER TABLE performances DROP COLUMN queue_mode;

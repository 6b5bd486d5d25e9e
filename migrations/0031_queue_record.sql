-- Up Migration

-- The waiting room's record (decision 038): who is in each performance's line, where, and with which
-- pass, written by the nodes in batches behind the engine (never on a join's answer), so that a queue
-- the engine lost (a wiped or failed-over Redis, a restarted embedded node) is rebuilt with every place
-- and pass unchanged. It may lag the engine by the nodes' unwritten buffers; it never decides a join.
--
-- One row per performance and user: the user's latest entry. `seq` is the engine's arrival sequence
-- (the pass id once admitted); `stage` 0 pre-queue, 1 waiting, 2 admitted, 3 consumed, 4 left, ordered
-- so that a write applies only when (seq, stage) moves forward and writes from several nodes may land
-- in any order. `place` is the entry's score in the engine's order (a pre-queue arrival's seq, a drawn
-- one's draw index below zero, a later arrival's 10^13 + seq); `pass_expires_at` epoch ms.
CREATE TABLE queue_entries (
  performance_id  bigint   NOT NULL REFERENCES performances ON DELETE CASCADE,
  user_id         bigint   NOT NULL REFERENCES users ON DELETE CASCADE,
  seq             bigint   NOT NULL CHECK (seq > 0),
  stage           smallint NOT NULL CHECK (stage BETWEEN 0 AND 4),
  place           bigint   NOT NULL,
  pass_expires_at bigint,
  PRIMARY KEY (performance_id, user_id)
);

-- The ticker's question every two seconds, "how far has the record got": max(seq) per performance,
-- and its admissions (admitted or consumed), each read from an index alone.
CREATE INDEX queue_entries_seq ON queue_entries (performance_id, seq);
CREATE INDEX queue_entries_admitted ON queue_entries (performance_id) WHERE stage IN (2, 3);

-- A queue's own facts the entries do not tell: whether the opening's draw placed its pre-queue (the
-- engine's draw happens once per queue, and a restored queue must not be drawn again).
CREATE TABLE queue_records (
  performance_id bigint      PRIMARY KEY REFERENCES performances ON DELETE CASCADE,
  drawn_at       timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE queue_records;
DROP TABLE queue_entries;

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
--
-- Every join of a sale is a row here, so a row costs what it must and no more (bench:queue -- --record
-- off compares): the primary key is its only index, and there are no foreign keys, whose per-row
-- checks cost more than the insert itself. A performance's rows go when it is deleted
-- (deletePerformance); users are never deleted, and a row of an unknown one would be harmless.
CREATE TABLE queue_entries (
  performance_id  bigint   NOT NULL,
  user_id         bigint   NOT NULL,
  seq             bigint   NOT NULL CHECK (seq > 0),
  stage           smallint NOT NULL CHECK (stage BETWEEN 0 AND 4),
  place           bigint   NOT NULL,
  pass_expires_at bigint,
  PRIMARY KEY (performance_id, user_id)
);

-- How far each room's record has got, kept by the same statement that writes its entries: the highest
-- sequence and the entries that reached admitted or consumed. The leader's question every two seconds
-- ("has the engine lost anything?") is then one primary-key lookup per room. Whether the room was
-- drawn, and in which order, is performance_fairness's (written before the engine's draw).
CREATE TABLE queue_records (
  performance_id bigint PRIMARY KEY REFERENCES performances ON DELETE CASCADE,
  seq            bigint NOT NULL DEFAULT 0,
  admitted       bigint NOT NULL DEFAULT 0
);

-- Down Migration

DROP TABLE queue_records;
DROP TABLE queue_entries;

-- Up Migration

-- The waiting room's record (decision 038) becomes a log of facts, appended with COPY, and the entries
-- a view over it. An upsert per join (0031) cost PostgreSQL a primary-key probe, an index insert and a
-- WAL record per row, and the record cost joins 0.85× of their rate on one machine
-- (bench:queue -- --waiters 0 --record on|off); appended facts cost a share of a page each.
--
-- One row per fact, as the recorder saw it: a join, a draw's place, an admission, a use, a leave, a
-- restore's renumbering. Columns as 0031's entries. No index at all, no foreign key: the facts are read
-- only by a restore (rare: one performance's facts, a sequential scan) and by the pruner, which deletes
-- a room's facts once its sale is over and the engine has forgotten it, and the facts of a performance
-- deleted meanwhile (src/queue/record/repository.ts).
CREATE TABLE queue_facts (
  performance_id  bigint   NOT NULL,
  user_id         bigint   NOT NULL,
  seq             bigint   NOT NULL CHECK (seq > 0),
  stage           smallint NOT NULL CHECK (stage BETWEEN 0 AND 4),
  place           bigint   NOT NULL,
  pass_expires_at bigint
);

INSERT INTO queue_facts SELECT performance_id, user_id, seq, stage, place, pass_expires_at FROM queue_entries;
DROP TABLE queue_entries;

-- Each user's entry, as 0031 kept it, from the facts (whatever order they landed in): the furthest
-- (seq, stage); of that entry's facts the place a draw gave it (below zero), else the one its join
-- carried (admissions, uses and leaves carry 0); and the expiry of its pass. A user who left and
-- joined again has a higher seq: only the new entry's facts count. Filtered by performance_id, the
-- filter reaches the scan (it is the window's partition).
CREATE VIEW queue_entries AS
SELECT performance_id, user_id, seq, max(stage) AS stage,
       coalesce(min(place) FILTER (WHERE place <> 0), 0) AS place,
       max(pass_expires_at) AS pass_expires_at
FROM (SELECT f.*, max(f.seq) OVER (PARTITION BY f.performance_id, f.user_id) AS latest FROM queue_facts f) f
WHERE seq = latest
GROUP BY performance_id, user_id, seq;

-- Down Migration

CREATE TABLE queue_entries_kept AS SELECT * FROM queue_entries;
DROP VIEW queue_entries;
DROP TABLE queue_facts;
CREATE TABLE queue_entries (
  performance_id  bigint   NOT NULL,
  user_id         bigint   NOT NULL,
  seq             bigint   NOT NULL CHECK (seq > 0),
  stage           smallint NOT NULL CHECK (stage BETWEEN 0 AND 4),
  place           bigint   NOT NULL,
  pass_expires_at bigint,
  PRIMARY KEY (performance_id, user_id)
);
INSERT INTO queue_entries SELECT * FROM queue_entries_kept;
DROP TABLE queue_entries_kept;

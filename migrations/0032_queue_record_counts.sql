-- Up Migration

-- The waiting room's record (decision 038), as reviewed:
-- * Whether a room was drawn, and in which order, is read from performance_fairness (drawn_at, written
--   before the engine's draw, and prequeue_order or the registrations' places), not from a flag the
--   recorder wrote after it: a draw whose rows never reached the record no longer comes back undrawn.
-- * queue_records keeps instead each room's admissions as they are recorded (a count the upsert of
--   queue_entries maintains in the same statement), so the leader's progress read every two seconds is
--   two index lookups per room, not a count of every admitted entry.
-- * A user's rows are found by user (users ON DELETE CASCADE would otherwise read the whole table).
ALTER TABLE queue_records DROP COLUMN drawn_at;
ALTER TABLE queue_records ADD COLUMN admitted bigint NOT NULL DEFAULT 0;
INSERT INTO queue_records (performance_id, admitted)
  SELECT performance_id, count(*) FILTER (WHERE stage IN (2, 3)) FROM queue_entries GROUP BY performance_id
  ON CONFLICT (performance_id) DO UPDATE SET admitted = EXCLUDED.admitted;
DROP INDEX queue_entries_admitted;
CREATE INDEX queue_entries_user ON queue_entries (user_id);

-- Down Migration

DROP INDEX queue_entries_user;
CREATE INDEX queue_entries_admitted ON queue_entries (performance_id) WHERE stage IN (2, 3);
ALTER TABLE queue_records DROP COLUMN admitted;
ALTER TABLE queue_records ADD COLUMN drawn_at timestamptz NOT NULL DEFAULT now();

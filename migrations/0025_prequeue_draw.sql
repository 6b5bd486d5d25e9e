-- Up Migration

-- A fifo room's pre-queue is drawn at the opening as a lottery's registrants are (decision 031): the
-- same seed, the same algorithm, the same published record (entries, list_hash). What the lottery keeps
-- in lottery_registrations.place, the pre-queue keeps here: its user ids in drawn order, so that a
-- retry, or another node, places the order that was drawn and published, not the pre-queue as the
-- engine holds it by then. Private: only the hashes are published. Null for a lottery, and until the
-- draw.
ALTER TABLE performance_fairness ADD COLUMN prequeue_order bigint[]
  CHECK (prequeue_order IS NULL OR drawn_at IS NOT NULL);

-- Down Migration

ALTER TABLE performance_fairness DROP COLUMN prequeue_order;

-- Up Migration

-- The waiting room's own funnel counters (issue 18's report), copied from the engine by the admission
-- ticker every few seconds while they move, so the post-sale report keeps them after the engine
-- forgets the queue (a day after the sale closes). Null: never copied (a queue run before this, or one
-- that never opened). Each only grows: the copy takes the greater of the stored and the new value.
ALTER TABLE queue_funnel
  ADD COLUMN joined bigint,
  ADD COLUMN prequeued bigint,
  ADD COLUMN left_queue bigint,
  ADD COLUMN passes_expired bigint;

-- Down Migration

ALTER TABLE queue_funnel DROP COLUMN joined, DROP COLUMN prequeued, DROP COLUMN left_queue,
  DROP COLUMN passes_expired;

-- Up Migration

-- An organizer may cancel a performance (issue 21's "performance cancelled" notice): when and why are
-- kept on it; its sale window is ended at that moment, its paid orders are refunded by a job
-- (`performance.refund-orders`), and its ticket holders are told through the outbox.
ALTER TABLE performances ADD COLUMN cancelled_at timestamptz, ADD COLUMN cancel_reason text;

-- Down Migration

ALTER TABLE performances DROP COLUMN cancelled_at, DROP COLUMN cancel_reason;

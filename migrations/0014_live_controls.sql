-- Up Migration

-- Live sale controls (issue 18). An organizer may pause a performance's admission mid-sale; the pause
-- is kept here, the source of truth, as well as in the engine (where every node reads it in the same
-- step as a buyer's place): the admission ticker puts the engine back in step with this column, so a
-- wiped or failed-over Redis does not silently resume a paused sale.
ALTER TABLE performances ADD COLUMN queue_paused boolean NOT NULL DEFAULT false;

-- Down Migration

ALTER TABLE performances DROP COLUMN queue_paused;

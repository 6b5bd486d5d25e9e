-- Up Migration

-- Live sale controls (issue 18). An organizer may pause a performance's admission mid-sale; the pause
-- is kept here, the source of truth, as well as in the engine (where every node reads it in the same
-- step as a buyer's place): the admission ticker puts the engine back in step with this column, so a
-- wiped or failed-over Redis does not silently resume a paused sale.
ALTER TABLE performances ADD COLUMN queue_paused boolean NOT NULL DEFAULT false;

-- A venue may now be edited (its seats only while no event uses it): its seat map's ETag follows
-- `updated_at` instead of the creation time.
ALTER TABLE venues ADD COLUMN updated_at timestamptz;
UPDATE venues SET updated_at = created_at;
ALTER TABLE venues ALTER COLUMN updated_at SET NOT NULL, ALTER COLUMN updated_at SET DEFAULT now();

-- Down Migration

ALTER TABLE venues DROP COLUMN updated_at;
ALTER TABLE performances DROP COLUMN queue_paused;

-- Up Migration

-- The single-item booking functions of 0003. Since 0004 nodes place holds with tmomi_place_holds and
-- settle payments with tmomi_settle_paid_many; these two stayed only so that nodes of the version
-- before could keep working through a rolling upgrade (decision 006). No node that can still be
-- running calls them, and a function nobody calls is one more body a reader takes for live.

DROP FUNCTION tmomi_settle_paid(bigint, timestamptz, text, text, text[]);
DROP FUNCTION tmomi_place_hold(uuid, bigint, bigint, integer[], integer, text, timestamptz, timestamptz, integer,
                               bigint);

-- There is no down step, on purpose (node-pg-migrate refuses to undo this one). Undoing it would only
-- matter to code from before migration 0004, and rolling back to any later version never needs it:
-- such code calls neither function. Whoever must go below 0004 recreates them from 0003's text first.

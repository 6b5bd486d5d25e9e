-- The sweeper's batch: up to p_limit holds still active whose time ran out by p_now become expired, and
-- the seats they still hold available. Holds another transaction has locked (being released, or
-- settled) are skipped, for the next pass. Returns each expired hold with the seats it gave back.
-- Correctness never waits for this: a lapsed hold's seats can already be taken over in place.

CREATE OR REPLACE FUNCTION tmomi_expire_holds(p_now timestamptz, p_limit integer)
RETURNS TABLE (expired holds, freed integer[]) LANGUAGE plpgsql AS $$
DECLARE
  v_holds holds[];
  v_freed_holds uuid[];
  v_freed_seats integer[];
BEGIN
  WITH due AS (
    UPDATE holds SET state = 'expired' WHERE id IN (
      SELECT id FROM holds WHERE state = 'active' AND expires_at <= p_now
      ORDER BY expires_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING holds)
  SELECT array_agg(due.holds) INTO v_holds FROM due;
  IF v_holds IS NULL THEN
    RETURN;
  END IF;
  SELECT array_agg(f.hold_id), array_agg(f.seat_no) INTO v_freed_holds, v_freed_seats
    FROM tmomi_free_held_seats((SELECT array_agg(h.id) FROM unnest(v_holds) AS h)) AS f;
  RETURN QUERY
    SELECT h, coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM unnest(v_freed_holds, v_freed_seats)
                          AS s (hold, seat) WHERE s.hold = h.id), '{}')
    FROM unnest(v_holds) AS h;
END $$;

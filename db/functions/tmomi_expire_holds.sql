-- The sweeper's batch: up to p_limit holds still active whose time ran out by p_now become expired, and
-- the seats they still hold come back — to the waiting list's next entries first (tmomi_offer_seats),
-- the rest available. A waiting list offer that ran out lapses (its entry is done) and its seats go to
-- the next entry the same way. Holds another transaction has locked (being released, or settled) are
-- skipped, for the next pass. Returns each expired hold with the seats it gave back to open sale and
-- the offers its seats made. Correctness never waits for this: a lapsed hold's seats can already be
-- taken over in place.

CREATE OR REPLACE FUNCTION tmomi_expire_holds(p_now timestamptz, p_limit integer)
RETURNS TABLE (expired holds, freed integer[], offers jsonb) LANGUAGE plpgsql AS $$
DECLARE
  v_holds holds[];
  v_freed_holds uuid[];
  v_freed_seats integer[];
  v_hold holds;
  v_back integer[];
  v_offers jsonb;
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
  UPDATE waitlist_entries SET state = 'lapsed'
    WHERE state = 'offered' AND hold_id IN (SELECT h.id FROM unnest(v_holds) AS h);
  FOREACH v_hold IN ARRAY v_holds LOOP
    SELECT coalesce(array_agg(s.seat ORDER BY s.seat), '{}') INTO v_back
      FROM unnest(v_freed_holds, v_freed_seats) AS s (hold, seat) WHERE s.hold = v_hold.id;
    v_offers := tmomi_offer_seats(v_hold.performance_id, v_back, p_now);
    expired := v_hold;
    freed := ARRAY(SELECT s FROM unnest(v_back) AS s
                   WHERE s NOT IN (SELECT x::integer FROM jsonb_array_elements(v_offers) AS o,
                                   jsonb_array_elements_text(o->'seatNos') AS x)
                   ORDER BY s);
    offers := v_offers;
    RETURN NEXT;
  END LOOP;
END $$;

-- The buyer lets go of an active hold: it becomes released and the seats it still holds come back —
-- to the waiting list's next entries first (tmomi_offer_seats), the rest available. A released waiting
-- list offer is declined: its entry is done. Only the buyer's own hold, and only while it is active (a
-- hold that is ordered, expired or already released is left as it is). Returns the hold as released with
-- the offers its seats made, or no row.

CREATE OR REPLACE FUNCTION tmomi_release_hold(p_hold uuid, p_user bigint, p_now timestamptz)
RETURNS TABLE (released holds, offers jsonb) LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
  v_back integer[];
BEGIN
  UPDATE holds SET state = 'released' WHERE id = p_hold AND user_id = p_user AND state = 'active'
    RETURNING * INTO v_hold;
  IF FOUND THEN
    SELECT coalesce(array_agg(f.seat_no ORDER BY f.seat_no), '{}') INTO v_back
      FROM tmomi_free_held_seats(ARRAY[p_hold]) AS f;
    UPDATE waitlist_entries SET state = 'declined' WHERE hold_id = p_hold AND state = 'offered';
    released := v_hold;
    offers := tmomi_offer_seats(v_hold.performance_id, v_back, p_now);
    RETURN NEXT;
  END IF;
END $$;

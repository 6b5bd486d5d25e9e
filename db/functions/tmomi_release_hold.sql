-- The buyer lets go of an active hold: it becomes released and the seats it still holds available.
-- Only the buyer's own hold, and only while it is active (a hold that is ordered, expired or already
-- released is left as it is). Returns the hold as released, or no row.

CREATE OR REPLACE FUNCTION tmomi_release_hold(p_hold uuid, p_user bigint)
RETURNS SETOF holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  UPDATE holds SET state = 'released' WHERE id = p_hold AND user_id = p_user AND state = 'active'
    RETURNING * INTO v_hold;
  IF FOUND THEN
    PERFORM 1 FROM tmomi_free_held_seats(ARRAY[p_hold]);
    RETURN NEXT v_hold;
  END IF;
END $$;

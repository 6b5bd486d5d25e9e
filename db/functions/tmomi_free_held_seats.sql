-- Gives back the seats these holds still hold: each becomes available again, unless another hold has
-- taken it over in place since this one lapsed (its hold_id is then the newer hold's) or it was sold.
-- Returns the seats freed, with their hold. The caller has changed the holds' state and locked them
-- (release, expiry): the holds, then their tickets, the order every writer of tickets takes them in.

CREATE OR REPLACE FUNCTION tmomi_free_held_seats(p_holds uuid[])
RETURNS TABLE (hold_id uuid, performance_id bigint, seat_no integer) LANGUAGE sql AS $$
  UPDATE tickets t SET status = 0, hold_id = NULL, held_until = NULL
  FROM (SELECT id, performance_id, unnest(seat_nos) AS seat_no FROM holds WHERE id = ANY (p_holds)) h
  WHERE t.performance_id = h.performance_id AND t.seat_no = h.seat_no AND t.hold_id = h.id AND t.status = 1
  RETURNING h.id, t.performance_id, t.seat_no
$$;

-- An organizer blocks seats of one performance (decision 033): each becomes blocked (status 3), never
-- held, sold or shown free, until released. All or nothing: a seat held (unexpired) or sold refuses the
-- whole call, and the answer names those seats; a seat whose hold has lapsed is taken over in place, as
-- a new hold would take it (that hold's checkout then finds its seat gone, as after any takeover). Seats
-- already blocked stay so. A seat with no ticket yet (generation still running) refuses the call too:
-- the job would create it free. Locks the tickets in seat order, as every writer of tickets does.
-- Returns {outcome: 'blocked', blocked: [seats newly blocked]}, {outcome: 'taken', held, sold} or
-- {outcome: 'missing', seatNos}.

CREATE OR REPLACE FUNCTION tmomi_block_seats(p_perf bigint, p_seats integer[], p_now timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_found integer;
  v_held integer[];
  v_sold integer[];
  v_blocked integer[];
BEGIN
  PERFORM 1 FROM tickets t WHERE t.performance_id = p_perf AND t.seat_no = ANY (p_seats)
    ORDER BY t.seat_no FOR NO KEY UPDATE;
  GET DIAGNOSTICS v_found = ROW_COUNT;
  IF v_found < (SELECT count(DISTINCT s) FROM unnest(p_seats) AS s) THEN
    RETURN jsonb_build_object('outcome', 'missing', 'seatNos', (
      SELECT to_jsonb(array_agg(DISTINCT s ORDER BY s)) FROM unnest(p_seats) AS s
      WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.performance_id = p_perf AND t.seat_no = s)));
  END IF;
  SELECT array_agg(t.seat_no ORDER BY t.seat_no) FILTER (WHERE t.status = 1 AND t.held_until > p_now),
         array_agg(t.seat_no ORDER BY t.seat_no) FILTER (WHERE t.status = 2)
    INTO v_held, v_sold
    FROM tickets t WHERE t.performance_id = p_perf AND t.seat_no = ANY (p_seats);
  IF v_held IS NOT NULL OR v_sold IS NOT NULL THEN
    RETURN jsonb_build_object('outcome', 'taken', 'held', to_jsonb(coalesce(v_held, '{}')),
                              'sold', to_jsonb(coalesce(v_sold, '{}')));
  END IF;
  WITH b AS (
    UPDATE tickets t SET status = 3, hold_id = NULL, held_until = NULL, order_id = NULL
      WHERE t.performance_id = p_perf AND t.seat_no = ANY (p_seats) AND t.status <> 3
      RETURNING t.seat_no)
  SELECT coalesce(array_agg(b.seat_no ORDER BY b.seat_no), '{}') INTO v_blocked FROM b;
  RETURN jsonb_build_object('outcome', 'blocked', 'blocked', to_jsonb(v_blocked));
END $$;

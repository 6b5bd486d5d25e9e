-- An organizer releases seats blocked for one performance (decision 033): each comes back like any seat
-- that comes back, to the waiting list's entries first (tmomi_offer_seats), the rest to open sale. Seats
-- that are not blocked are left as they are. A seat blocked in the venue's layout (seats.blocked: a
-- camera position) is never released: the call is refused whole, naming those seats. Locks the tickets
-- in seat order. Returns {outcome: 'released', released: [seats back on open sale], offers} or
-- {outcome: 'layout', seatNos}.

CREATE OR REPLACE FUNCTION tmomi_release_seats(p_perf bigint, p_seats integer[], p_now timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_layout integer[];
  v_freed integer[];
  v_offers jsonb;
BEGIN
  SELECT array_agg(s.seat_no ORDER BY s.seat_no) INTO v_layout
    FROM performances p JOIN events e ON e.id = p.event_id
    JOIN seats s ON s.venue_id = e.venue_id AND s.seat_no = ANY (p_seats) AND s.blocked
    WHERE p.id = p_perf;
  IF v_layout IS NOT NULL THEN
    RETURN jsonb_build_object('outcome', 'layout', 'seatNos', to_jsonb(v_layout));
  END IF;
  PERFORM 1 FROM tickets t WHERE t.performance_id = p_perf AND t.seat_no = ANY (p_seats) AND t.status = 3
    ORDER BY t.seat_no FOR NO KEY UPDATE;
  WITH r AS (
    UPDATE tickets t SET status = 0
      WHERE t.performance_id = p_perf AND t.seat_no = ANY (p_seats) AND t.status = 3
      RETURNING t.seat_no)
  SELECT coalesce(array_agg(r.seat_no ORDER BY r.seat_no), '{}') INTO v_freed FROM r;
  v_offers := tmomi_offer_seats(p_perf, v_freed, p_now);
  v_freed := ARRAY(SELECT s FROM unnest(v_freed) AS s
                   WHERE s NOT IN (SELECT x::integer FROM jsonb_array_elements(v_offers) AS f,
                                   jsonb_array_elements_text(f->'seatNos') AS x)
                   ORDER BY s);
  RETURN jsonb_build_object('outcome', 'released', 'released', to_jsonb(v_freed), 'offers', v_offers);
END $$;

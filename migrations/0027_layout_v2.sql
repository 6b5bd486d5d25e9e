-- Up Migration

-- Venue layout version 2, standing areas and blocked seats (decision 033).

-- A blocked ticket (status 3): never held, sold or shown free, until an organizer releases it (or never,
-- when its seat is blocked in the venue's layout). Added NOT VALID and then validated, so the long check
-- of a big tickets table does not hold writers off.
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN (0, 1, 2, 3)) NOT VALID;
ALTER TABLE tickets VALIDATE CONSTRAINT tickets_status_check;
-- The blocked tickets of a performance, read with its seating (few rows, found without a scan).
CREATE INDEX tickets_blocked ON tickets (performance_id, seat_no) WHERE status = 3;

-- A standing area is a section whose places are seats with no row label, numbered 1 … capacity.
ALTER TABLE sections ADD COLUMN standing boolean NOT NULL DEFAULT false;
-- A seat's attributes as the layout gives them: a wheelchair place, a companion's seat, never for sale.
ALTER TABLE seats ADD COLUMN accessible boolean NOT NULL DEFAULT false,
  ADD COLUMN companion boolean NOT NULL DEFAULT false,
  ADD COLUMN blocked boolean NOT NULL DEFAULT false;
-- The seats ticket generation creates blocked, chunk by chunk.
CREATE INDEX seats_blocked ON seats (venue_id, seat_no) WHERE blocked;

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

-- Down Migration

DROP FUNCTION tmomi_release_seats(bigint, integer[], timestamptz);
DROP FUNCTION tmomi_block_seats(bigint, integer[], timestamptz);
DROP INDEX seats_blocked;
ALTER TABLE seats DROP COLUMN accessible, DROP COLUMN companion, DROP COLUMN blocked;
ALTER TABLE sections DROP COLUMN standing;
DROP INDEX tickets_blocked;
-- Refused while any ticket is blocked: putting those seats on sale is not a migration's call.
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN (0, 1, 2));

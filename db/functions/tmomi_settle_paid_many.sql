-- Settles charged orders i = 1..n (distinct; decisions 006, 011): order i's codes are
-- p_codes[o+1 .. o+p_code_counts[i]], one per seat in seat_nos order. An order still pending whose every
-- seat is still held by its hold, unexpired, is paid: its tickets sold, its codes issued, its hold used
-- up, and `order.paid` written to the outbox, all in this one transaction. Returns one row per order, in
-- order: {"status": 'paid', "tickets": [{id, seatNo}]}, or the status alone — 'pending' when the hold
-- was lost (the caller refunds, then tmomi_settle_refunded), or what another request settled it to.
-- The payment is recorded as succeeded for every pending order of the batch, paid or not.
-- Orders, then their holds, then their tickets are locked first, each kind in one global order — the
-- order the other settlements, release and the sweeper take them in. Rows are reached by primary key
-- (decision 011) and sequential scans are priced out (decision 009). Commits durably.

CREATE OR REPLACE FUNCTION tmomi_settle_paid_many(p_orders bigint[], p_nows timestamptz[], p_providers text[],
                                                  p_refs text[], p_code_counts integer[], p_codes text[])
RETURNS TABLE (settled jsonb) LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  v_orders orders[];
  v_seat_orders bigint[];
  v_seat_perfs bigint[];
  v_seat_nos integer[];
  v_seat_holds uuid[];
  v_seat_nows timestamptz[];
  v_seat_counts integer[];
  v_seat_codes text[];
  v_seat_prices integer[];
  v_paid bigint[];
  v_paid_holds uuid[];
  v_miscounted boolean;
  v_issued jsonb;
BEGIN
  IF (SELECT count(DISTINCT id) FROM unnest(p_orders) AS id) <> cardinality(p_orders) THEN
    RAISE EXCEPTION 'an order twice in one batch' USING ERRCODE = 'TM003';
  END IF;
  -- The orders, locked in id order, as they are once locked (a row locked after a wait is read anew).
  SELECT array_agg(l.o) INTO v_orders
    FROM (SELECT o FROM orders o WHERE o.id = ANY (p_orders) ORDER BY o.id FOR UPDATE) AS l;
  -- The seats of the orders still pending, each beside its order, and the code it gets if paid.
  SELECT array_agg(o.id), array_agg(o.performance_id), array_agg(s.seat), array_agg(o.hold_id), array_agg(x.now),
         array_agg(x.n), array_agg(p_codes[x.o + s.k]), array_agg(o.seat_prices[s.k]),
         bool_or(x.n <> cardinality(o.seat_nos))
    INTO v_seat_orders, v_seat_perfs, v_seat_nos, v_seat_holds, v_seat_nows, v_seat_counts, v_seat_codes,
         v_seat_prices, v_miscounted
    FROM (SELECT c.*, (sum(c.n) OVER (ORDER BY c.i) - c.n)::integer AS o
          FROM unnest(p_orders, p_nows, p_code_counts) WITH ORDINALITY AS c (id, now, n, i)) AS x
    JOIN unnest(v_orders) AS o USING (id), unnest(o.seat_nos) WITH ORDINALITY AS s (seat, k)
    WHERE o.status = 'pending';
  IF v_miscounted THEN
    RAISE EXCEPTION 'an order''s codes do not match its seats' USING ERRCODE = 'TM003';
  END IF;
  -- Locks in the sweeper's and release's order: the holds, then the tickets.
  PERFORM 1 FROM holds WHERE id = ANY (v_seat_holds) ORDER BY id FOR UPDATE;
  -- Paid: the pending orders whose every seat is still held by their hold, unexpired, read as locked.
  SELECT array_agg(live.oid), array_agg(live.hold) INTO v_paid, v_paid_holds FROM (
    SELECT s.oid, s.hold FROM (
      SELECT s.oid, s.hold, s.n, t.status = 1 AND t.hold_id = s.hold AND t.held_until > s.now AS held
      FROM tickets t
      JOIN unnest(v_seat_orders, v_seat_holds, v_seat_counts, v_seat_nows, v_seat_perfs, v_seat_nos)
        AS s (oid, hold, n, now, perf, seat) ON t.performance_id = s.perf AND t.seat_no = s.seat
      ORDER BY t.performance_id, t.seat_no
      FOR NO KEY UPDATE OF t) AS s
    GROUP BY s.oid, s.hold, s.n HAVING count(*) FILTER (WHERE s.held) = s.n) AS live;

  -- The money was taken for every pending order, paid or not (the caller refunds those not paid).
  WITH charged AS (
    INSERT INTO payments (order_id, provider, provider_ref, status, amount)
      SELECT o.id, x.provider, x.ref, 'succeeded', o.amount
      FROM unnest(p_orders, p_providers, p_refs) AS x (id, provider, ref) JOIN unnest(v_orders) AS o USING (id)
      WHERE o.status = 'pending'
      ON CONFLICT (order_id) DO UPDATE SET provider_ref = excluded.provider_ref, status = 'succeeded', updated_at = now()
  ), sold AS (
    -- Driven by the seats (one index probe each).
    UPDATE tickets t SET status = 2, order_id = s.oid
      FROM unnest(v_seat_orders, v_seat_perfs, v_seat_nos) AS s (oid, perf, seat)
      WHERE s.oid = ANY (v_paid) AND t.performance_id = s.perf AND t.seat_no = s.seat
  ), paid AS (
    UPDATE orders SET status = 'paid', charge_claimed_until = NULL, updated_at = now() WHERE id = ANY (v_paid)
  ), used AS (
    UPDATE holds SET state = 'ordered' WHERE id = ANY (v_paid_holds)
  ), announced AS (
    INSERT INTO outbox (topic, payload)
      SELECT 'order.paid', jsonb_build_object('orderId', o.id::text, 'userId', o.user_id::text,
               'performanceId', o.performance_id::text, 'seatNos', to_jsonb(o.seat_nos), 'amount', o.amount,
               'currency', o.currency)
      FROM unnest(v_orders) AS o WHERE o.id = ANY (v_paid) ORDER BY o.id
  ), issued AS (
    -- Each ticket keeps the price its seat was held at; a hold placed by a node older than migration
    -- 0010 has none, and its seats are priced by grade.
    INSERT INTO issued_tickets (order_id, performance_id, seat_no, code, price)
      SELECT s.oid, s.perf, s.seat, s.code,
             coalesce(s.price, (SELECT ep.amount FROM performances p
                                JOIN events e ON e.id = p.event_id
                                JOIN seats st ON st.venue_id = e.venue_id AND st.seat_no = s.seat
                                JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no
                                JOIN event_prices ep ON ep.event_id = e.id AND ep.grade = sc.grade
                                WHERE p.id = s.perf))
      FROM unnest(v_seat_orders, v_seat_perfs, v_seat_nos, v_seat_codes, v_seat_prices)
        AS s (oid, perf, seat, code, price)
      WHERE s.oid = ANY (v_paid)
      RETURNING order_id, id, seat_no)
  SELECT jsonb_object_agg(order_id::text, tickets) INTO v_issued FROM (
    SELECT order_id, jsonb_agg(jsonb_build_object('id', id::text, 'seatNo', seat_no) ORDER BY seat_no) AS tickets
    FROM issued GROUP BY order_id) AS per_order;

  RETURN QUERY
    SELECT CASE WHEN o.id = ANY (v_paid) THEN jsonb_build_object('status', 'paid', 'tickets', v_issued -> (o.id::text))
                ELSE jsonb_build_object('status', o.status) END
    FROM unnest(p_orders) WITH ORDINALITY AS x (id, i) JOIN unnest(v_orders) AS o USING (id)
    ORDER BY x.i;
END $$;

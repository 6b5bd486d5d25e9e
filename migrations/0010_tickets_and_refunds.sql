-- Up Migration

-- Issue 15: a ticket says where to sit and what it cost, refunds follow rules and are recorded, and the
-- door admits a performance's own tickets. Current function bodies: db/functions.

-- Until when buyers may cancel for a refund (an admin's refund ignores it); by default the start.
ALTER TABLE performances ADD COLUMN refund_until timestamptz;
UPDATE performances SET refund_until = starts_at;
ALTER TABLE performances ALTER COLUMN refund_until SET NOT NULL,
  ADD CONSTRAINT performances_refund_until CHECK (refund_until <= starts_at);

-- Each seat's price beside seat_nos, from the hold to the order to the ticket: what a partial refund
-- gives back, and what the ticket says it cost. Null in rows made before this migration.
ALTER TABLE holds ADD COLUMN seat_prices integer[];
ALTER TABLE orders ADD COLUMN seat_prices integer[];
ALTER TABLE issued_tickets ADD COLUMN price integer;
-- Tickets issued before: priced by their grade as it is now (the best this migration can know).
UPDATE issued_tickets i SET price = coalesce((
  SELECT ep.amount FROM performances p
  JOIN events e ON e.id = p.event_id
  JOIN seats st ON st.venue_id = e.venue_id AND st.seat_no = i.seat_no
  JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no
  JOIN event_prices ep ON ep.event_id = e.id AND ep.grade = sc.grade
  WHERE p.id = i.performance_id), 0);
ALTER TABLE issued_tickets ALTER COLUMN price SET NOT NULL, ADD CONSTRAINT issued_tickets_price CHECK (price >= 0);

-- Money given back: one row per refund, with who asked and why. pending: decided (tickets void, seats
-- back on sale), not yet confirmed by the provider; the sweeper finishes what a crash left.
CREATE TABLE refunds (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id     bigint      NOT NULL REFERENCES orders,
  amount       integer     NOT NULL CHECK (amount >= 0),
  ticket_ids   bigint[]    NOT NULL,
  seat_nos     integer[]   NOT NULL,
  by           text        NOT NULL CHECK (by IN ('buyer', 'admin', 'system')),
  admin_id     bigint,
  reason       text        NOT NULL,
  request_key  text,
  state        text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded')),
  provider_ref text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- A pending refund is the sweeper's from this instant (its requester had the first 30 s); each failed
  -- attempt moves it later, so one the provider keeps refusing never holds up the others.
  retry_at     timestamptz NOT NULL DEFAULT now(),
  attempts     integer     NOT NULL DEFAULT 0,
  CHECK ((by = 'admin') = (admin_id IS NOT NULL))
);
CREATE INDEX refunds_order ON refunds (order_id);
CREATE UNIQUE INDEX refunds_request_key ON refunds (order_id, request_key) WHERE request_key IS NOT NULL;
CREATE INDEX refunds_pending ON refunds (retry_at) WHERE state = 'pending';
-- Refunds made before this migration, whole orders each, as they were recorded.
INSERT INTO refunds (order_id, amount, ticket_ids, seat_nos, by, reason, state, provider_ref, created_at, completed_at)
  SELECT o.id, o.amount, coalesce((SELECT array_agg(i.id ORDER BY i.seat_no) FROM issued_tickets i WHERE i.order_id = o.id), '{}'),
         o.seat_nos, CASE WHEN o.reason = 'cancelled-by-buyer' THEN 'buyer' ELSE 'system' END, coalesce(o.reason, 'refunded'),
         'succeeded', p.provider_ref, o.updated_at, o.updated_at
  FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.status = 'refunded';

-- Which refund voided a ticket.
ALTER TABLE issued_tickets ADD COLUMN refund_id bigint REFERENCES refunds;
UPDATE issued_tickets i SET refund_id = r.id FROM refunds r WHERE r.order_id = i.order_id AND i.voided_at IS NOT NULL;

DROP FUNCTION tmomi_place_holds(uuid[], bigint[], bigint[], integer[], integer[], integer[], text[], timestamptz[],
                                timestamptz[], integer[], bigint[], text[]);
CREATE OR REPLACE FUNCTION tmomi_place_holds(p_holds uuid[], p_users bigint[], p_perfs bigint[], p_counts integer[],
                                             p_seats integer[], p_amounts integer[], p_currencies text[],
                                             p_expires timestamptz[], p_nows timestamptz[], p_caps integer[],
                                             p_passes bigint[], p_keys text[], p_prices integer[] DEFAULT NULL)
RETURNS TABLE (outcome smallint, detail integer[]) LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  v_seat_perfs bigint[];
  v_seat_nows timestamptz[];
  v_seat_holds integer[];
  v_have integer[];
  v_offsets integer[];
  v_placed uuid[];
  v_wanted integer;
  v_flipped integer;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  -- Each seat's hold (its index), performance and instant, beside p_seats.
  SELECT array_agg(h.i ORDER BY h.i), array_agg(h.perf ORDER BY h.i), array_agg(h.now ORDER BY h.i)
    INTO v_seat_holds, v_seat_perfs, v_seat_nows
    FROM unnest(p_perfs, p_counts, p_nows) WITH ORDINALITY AS h (perf, n, now, i), generate_series(1, h.n);
  IF (SELECT count(DISTINCT (perf, usr)) FROM unnest(p_perfs, p_users) AS b (perf, usr)) <> cardinality(p_holds)
     OR (SELECT count(DISTINCT (perf, seat)) FROM unnest(v_seat_perfs, p_seats) AS s (perf, seat)) <> cardinality(p_seats)
  THEN
    RAISE EXCEPTION 'two holds of one batch share a buyer or a seat' USING ERRCODE = 'TM003';
  END IF;

  PERFORM pg_advisory_xact_lock(k) FROM unnest((
    SELECT array_agg(hashtextextended('hold:' || b.perf || ':' || b.usr, 0) ORDER BY 1)
    FROM unnest(p_perfs, p_users) AS b (perf, usr))) AS k;
  PERFORM 1 FROM tickets t JOIN unnest(v_seat_perfs, p_seats) AS s (perf, seat)
      ON t.performance_id = s.perf AND t.seat_no = s.seat
    ORDER BY t.performance_id, t.seat_no
    FOR NO KEY UPDATE OF t;

  -- Per hold: the seats its buyer already has (in live holds and paid orders), and where its seats start.
  SELECT array_agg(
           (SELECT coalesce(sum(cardinality(x.seat_nos)) FILTER (WHERE x.expires_at > h.now), 0) FROM holds x
            WHERE x.performance_id = h.perf AND x.user_id = h.usr AND x.state = 'active')
         + (SELECT coalesce(sum(cardinality(o.seat_nos)), 0) FROM orders o
            WHERE o.performance_id = h.perf AND o.user_id = h.usr AND o.status = 'paid') ORDER BY h.i),
         array_agg(h.o ORDER BY h.i)
    INTO v_have, v_offsets
    FROM (SELECT b.*, (sum(b.n) OVER (ORDER BY b.i) - b.n)::integer AS o
          FROM unnest(p_perfs, p_users, p_nows, p_counts) WITH ORDINALITY AS b (perf, usr, now, n, i)) AS h;

  WITH h AS (
    SELECT * FROM unnest(p_holds, p_users, p_perfs, p_counts, p_amounts, p_currencies, p_expires, p_nows, p_caps,
                         p_passes, p_keys) WITH ORDINALITY
      AS h (id, usr, perf, n, amount, currency, expires, now, cap, pass, request_key, i)
  ), free AS (
    SELECT s.i, count(*) AS n FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
      JOIN tickets t ON t.performance_id = s.perf AND t.seat_no = s.seat
      WHERE t.status = 0 OR (t.status = 1 AND t.held_until <= s.now)
      GROUP BY s.i
  ), placed AS (
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, pass_id, request_key,
                       seat_prices)
      SELECT h.id, h.usr, h.perf, p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.amount, h.currency,
             h.expires, h.pass, h.request_key, p_prices[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n]
      FROM h JOIN free USING (i)
      WHERE free.n = h.n AND v_have[h.i] + h.n <= h.cap
      -- A request already placed under its key: nothing new is held, and the caller, seeing "taken",
      -- reads the hold that key made.
      ON CONFLICT (user_id, performance_id, request_key) WHERE request_key IS NOT NULL DO NOTHING
      RETURNING id, cardinality(seat_nos) AS n)
  SELECT array_agg(id), coalesce(sum(n), 0) INTO v_placed, v_wanted FROM placed;

  -- Driven by the seats (one index probe each), never by a join the planner might turn into a scan.
  UPDATE tickets t SET status = 1, hold_id = p_holds[s.i], held_until = p_expires[s.i], order_id = NULL
    FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
    WHERE p_holds[s.i] = ANY (v_placed) AND t.performance_id = s.perf AND t.seat_no = s.seat
      AND (t.status = 0 OR (t.status = 1 AND t.held_until <= s.now));
  GET DIAGNOSTICS v_flipped = ROW_COUNT;
  -- Cannot happen (the seats were counted under our locks); if it did, the whole batch is undone.
  IF v_flipped <> v_wanted THEN
    RAISE EXCEPTION 'seat unavailable' USING ERRCODE = 'TM001';
  END IF;

  -- The losers (rare: the engine gate turns most away) learn why, precisely.
  RETURN QUERY
    SELECT CASE WHEN h.id = ANY (v_placed) THEN 1::smallint WHEN v_have[h.i] + h.n > h.cap THEN 2::smallint
                ELSE 0::smallint END,
           CASE WHEN h.id = ANY (v_placed) THEN NULL
                WHEN v_have[h.i] + h.n > h.cap THEN ARRAY[v_have[h.i]]
                ELSE coalesce((SELECT array_agg(t.seat_no ORDER BY t.seat_no) FROM tickets t
                               WHERE t.performance_id = h.perf
                                 AND t.seat_no = ANY (p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n])
                                 AND (t.status = 2 OR (t.status = 1 AND t.held_until > h.now))),
                              p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n]) END
    FROM unnest(p_holds, p_perfs, p_counts, p_nows, p_caps) WITH ORDINALITY AS h (id, perf, n, now, cap, i)
    ORDER BY h.i;
END $$;

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

DROP FUNCTION tmomi_settle_refunded(bigint, text, text, text, text);
CREATE OR REPLACE FUNCTION tmomi_settle_refunded(p_order bigint, p_reason text, p_provider text, p_ref text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  o orders;
BEGIN
  UPDATE orders SET status = 'refunded', reason = p_reason, charge_claimed_until = NULL, updated_at = now()
    WHERE id = p_order AND status = 'pending'
    RETURNING * INTO o;
  IF NOT FOUND THEN
    RETURN (SELECT status FROM orders WHERE id = p_order);
  END IF;
  INSERT INTO payments (order_id, provider, provider_ref, status, amount)
    VALUES (o.id, p_provider, p_ref, 'refunded', o.amount)
    ON CONFLICT (order_id) DO UPDATE SET status = 'refunded', provider_ref = excluded.provider_ref, updated_at = now();
  INSERT INTO refunds (order_id, amount, ticket_ids, seat_nos, by, reason, state, provider_ref, completed_at)
    VALUES (o.id, o.amount, '{}', o.seat_nos, 'system', p_reason, 'succeeded', p_ref, now());
  INSERT INTO outbox (topic, payload)
    VALUES ('order.refunded', jsonb_build_object('orderId', o.id::text, 'reason', p_reason, 'by', 'system',
              'amount', o.amount, 'performanceId', o.performance_id::text, 'seatNos', to_jsonb(o.seat_nos)));
  RETURN 'refunded';
END $$;

CREATE OR REPLACE FUNCTION tmomi_refund(p_order bigint, p_tickets bigint[], p_by text, p_admin bigint, p_reason text,
                                        p_key text, p_now timestamptz, p_check_deadline boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  o orders;
  v_refund bigint;
  v_until timestamptz;
  v_ids bigint[];
  v_seats integer[];
  v_amount integer;
  v_left integer;
  v_freed integer[];
  v_found bigint[];
BEGIN
  SELECT * INTO o FROM orders WHERE id = p_order FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'unknown_order');
  END IF;
  IF p_key IS NOT NULL THEN
    SELECT id INTO v_refund FROM refunds WHERE order_id = p_order AND request_key = p_key;
    IF FOUND THEN
      RETURN jsonb_build_object('outcome', 'repeated', 'refundId', v_refund::text);
    END IF;
  END IF;
  IF o.status <> 'paid' THEN
    RETURN jsonb_build_object('outcome', 'not_cancellable', 'status', o.status);
  END IF;
  PERFORM 1 FROM issued_tickets WHERE order_id = p_order ORDER BY id FOR UPDATE;

  SELECT array_agg(x ORDER BY x) INTO v_found FROM unnest(p_tickets) AS x
    WHERE NOT EXISTS (SELECT 1 FROM issued_tickets i WHERE i.id = x AND i.order_id = p_order);
  IF v_found IS NOT NULL THEN
    RETURN jsonb_build_object('outcome', 'unknown_ticket', 'ticketIds', to_jsonb(v_found::text[]));
  END IF;
  SELECT array_agg(id ORDER BY id) INTO v_found FROM issued_tickets
    WHERE order_id = p_order AND id = ANY (p_tickets) AND voided_at IS NOT NULL;
  IF v_found IS NOT NULL THEN
    RETURN jsonb_build_object('outcome', 'void', 'ticketIds', to_jsonb(v_found::text[]));
  END IF;
  SELECT array_agg(id ORDER BY seat_no), array_agg(seat_no ORDER BY seat_no), coalesce(sum(price), 0)
    INTO v_ids, v_seats, v_amount
    FROM issued_tickets WHERE order_id = p_order AND voided_at IS NULL AND (p_tickets IS NULL OR id = ANY (p_tickets));
  IF v_ids IS NULL THEN
    RETURN jsonb_build_object('outcome', 'not_cancellable', 'status', o.status);
  END IF;
  SELECT array_agg(id ORDER BY id) INTO v_found FROM issued_tickets
    WHERE id = ANY (v_ids) AND checked_in_at IS NOT NULL;
  IF v_found IS NOT NULL THEN
    RETURN jsonb_build_object('outcome', 'used', 'ticketIds', to_jsonb(v_found::text[]));
  END IF;
  IF p_check_deadline THEN
    SELECT refund_until INTO v_until FROM performances WHERE id = o.performance_id;
    IF p_now > v_until THEN
      RETURN jsonb_build_object('outcome', 'closed', 'refundUntil', v_until);
    END IF;
  END IF;

  SELECT count(*) INTO v_left FROM issued_tickets
    WHERE order_id = p_order AND voided_at IS NULL AND NOT (id = ANY (v_ids));
  IF v_left = 0 THEN
    v_amount := o.amount - (SELECT coalesce(sum(amount), 0) FROM refunds WHERE order_id = p_order);
  END IF;
  INSERT INTO refunds (order_id, amount, ticket_ids, seat_nos, by, admin_id, reason, request_key, created_at,
                       retry_at)
    VALUES (p_order, v_amount, v_ids, v_seats, p_by, p_admin, p_reason, p_key, p_now, p_now + interval '30 seconds')
    RETURNING id INTO v_refund;
  UPDATE issued_tickets SET voided_at = p_now, refund_id = v_refund WHERE id = ANY (v_ids);
  WITH back AS (
    UPDATE tickets SET status = 0, order_id = NULL, hold_id = NULL, held_until = NULL
      WHERE performance_id = o.performance_id AND seat_no = ANY (v_seats) AND status = 2 AND order_id = p_order
      RETURNING seat_no)
  SELECT coalesce(array_agg(back.seat_no ORDER BY back.seat_no), '{}') INTO v_freed FROM back;
  IF v_left = 0 THEN
    UPDATE orders SET status = 'refunded', reason = p_reason, updated_at = now() WHERE id = p_order;
    UPDATE payments SET status = 'refunded', updated_at = now() WHERE order_id = p_order;
  ELSE
    -- A paid order's seats are those it still has: the buyer's cap, the gate's rebuild and the
    -- invariants count them.
    UPDATE orders SET updated_at = now(),
        seat_nos = (SELECT array_agg(x.seat ORDER BY x.k) FROM unnest(o.seat_nos, o.seat_prices) WITH ORDINALITY
                      AS x (seat, price, k) WHERE NOT (x.seat = ANY (v_seats))),
        seat_prices = (SELECT array_agg(x.price ORDER BY x.k) FROM unnest(o.seat_nos, o.seat_prices) WITH ORDINALITY
                         AS x (seat, price, k) WHERE NOT (x.seat = ANY (v_seats)))
      WHERE id = p_order;
  END IF;
  INSERT INTO outbox (topic, payload)
    VALUES ('order.refunded', jsonb_build_object('orderId', p_order::text, 'refundId', v_refund::text,
              'reason', p_reason, 'by', p_by, 'amount', v_amount, 'partial', v_left > 0,
              'performanceId', o.performance_id::text, 'seatNos', to_jsonb(v_seats)));
  RETURN jsonb_build_object('outcome', 'refunded', 'refundId', v_refund::text, 'amount', v_amount,
           'freed', to_jsonb(v_freed), 'ref', (SELECT provider_ref FROM payments WHERE order_id = p_order));
END $$;

-- Down Migration
DROP FUNCTION tmomi_refund(bigint, bigint[], text, bigint, text, text, timestamptz, boolean);
DROP FUNCTION tmomi_settle_refunded(bigint, text, text, text);
CREATE OR REPLACE FUNCTION tmomi_settle_refunded(p_order bigint, p_reason text, p_provider text, p_ref text,
                                                 p_from text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_perf bigint;
  v_seats integer[];
  v_freed integer[] := '{}';
BEGIN
  UPDATE orders SET status = 'refunded', reason = p_reason, charge_claimed_until = NULL, updated_at = now()
    WHERE id = p_order AND status = p_from
    RETURNING performance_id, seat_nos INTO v_perf, v_seats;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', (SELECT status FROM orders WHERE id = p_order), 'freed', '[]'::jsonb);
  END IF;
  INSERT INTO payments (order_id, provider, provider_ref, status, amount)
    SELECT id, p_provider, p_ref, 'refunded', amount FROM orders WHERE id = p_order
    ON CONFLICT (order_id) DO UPDATE SET status = 'refunded', provider_ref = excluded.provider_ref, updated_at = now();
  IF p_from = 'paid' THEN
    WITH back AS (
      UPDATE tickets SET status = 0, order_id = NULL, hold_id = NULL, held_until = NULL
        WHERE performance_id = v_perf AND seat_no = ANY (v_seats) AND status = 2 AND order_id = p_order
        RETURNING seat_no)
    SELECT coalesce(array_agg(back.seat_no), '{}') INTO v_freed FROM back;
    UPDATE issued_tickets SET voided_at = now() WHERE order_id = p_order AND voided_at IS NULL;
  END IF;
  INSERT INTO outbox (topic, payload)
    VALUES ('order.refunded', jsonb_build_object('orderId', p_order::text, 'reason', p_reason,
              'performanceId', v_perf::text, 'seatNos', to_jsonb(v_seats)));
  RETURN jsonb_build_object('status', 'refunded', 'freed', to_jsonb(v_freed));
END $$;

DROP FUNCTION tmomi_place_holds(uuid[], bigint[], bigint[], integer[], integer[], integer[], text[], timestamptz[],
                                timestamptz[], integer[], bigint[], text[], integer[]);
CREATE OR REPLACE FUNCTION tmomi_place_holds(p_holds uuid[], p_users bigint[], p_perfs bigint[], p_counts integer[],
                                             p_seats integer[], p_amounts integer[], p_currencies text[],
                                             p_expires timestamptz[], p_nows timestamptz[], p_caps integer[],
                                             p_passes bigint[], p_keys text[])
RETURNS TABLE (outcome smallint, detail integer[]) LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  v_seat_perfs bigint[];
  v_seat_nows timestamptz[];
  v_seat_holds integer[];
  v_have integer[];
  v_offsets integer[];
  v_placed uuid[];
  v_wanted integer;
  v_flipped integer;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  -- Each seat's hold (its index), performance and instant, beside p_seats.
  SELECT array_agg(h.i ORDER BY h.i), array_agg(h.perf ORDER BY h.i), array_agg(h.now ORDER BY h.i)
    INTO v_seat_holds, v_seat_perfs, v_seat_nows
    FROM unnest(p_perfs, p_counts, p_nows) WITH ORDINALITY AS h (perf, n, now, i), generate_series(1, h.n);
  IF (SELECT count(DISTINCT (perf, usr)) FROM unnest(p_perfs, p_users) AS b (perf, usr)) <> cardinality(p_holds)
     OR (SELECT count(DISTINCT (perf, seat)) FROM unnest(v_seat_perfs, p_seats) AS s (perf, seat)) <> cardinality(p_seats)
  THEN
    RAISE EXCEPTION 'two holds of one batch share a buyer or a seat' USING ERRCODE = 'TM003';
  END IF;

  PERFORM pg_advisory_xact_lock(k) FROM unnest((
    SELECT array_agg(hashtextextended('hold:' || b.perf || ':' || b.usr, 0) ORDER BY 1)
    FROM unnest(p_perfs, p_users) AS b (perf, usr))) AS k;
  PERFORM 1 FROM tickets t JOIN unnest(v_seat_perfs, p_seats) AS s (perf, seat)
      ON t.performance_id = s.perf AND t.seat_no = s.seat
    ORDER BY t.performance_id, t.seat_no
    FOR NO KEY UPDATE OF t;

  -- Per hold: the seats its buyer already has (in live holds and paid orders), and where its seats start.
  SELECT array_agg(
           (SELECT coalesce(sum(cardinality(x.seat_nos)) FILTER (WHERE x.expires_at > h.now), 0) FROM holds x
            WHERE x.performance_id = h.perf AND x.user_id = h.usr AND x.state = 'active')
         + (SELECT coalesce(sum(cardinality(o.seat_nos)), 0) FROM orders o
            WHERE o.performance_id = h.perf AND o.user_id = h.usr AND o.status = 'paid') ORDER BY h.i),
         array_agg(h.o ORDER BY h.i)
    INTO v_have, v_offsets
    FROM (SELECT b.*, (sum(b.n) OVER (ORDER BY b.i) - b.n)::integer AS o
          FROM unnest(p_perfs, p_users, p_nows, p_counts) WITH ORDINALITY AS b (perf, usr, now, n, i)) AS h;

  WITH h AS (
    SELECT * FROM unnest(p_holds, p_users, p_perfs, p_counts, p_amounts, p_currencies, p_expires, p_nows, p_caps,
                         p_passes, p_keys) WITH ORDINALITY
      AS h (id, usr, perf, n, amount, currency, expires, now, cap, pass, request_key, i)
  ), free AS (
    SELECT s.i, count(*) AS n FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
      JOIN tickets t ON t.performance_id = s.perf AND t.seat_no = s.seat
      WHERE t.status = 0 OR (t.status = 1 AND t.held_until <= s.now)
      GROUP BY s.i
  ), placed AS (
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, pass_id, request_key)
      SELECT h.id, h.usr, h.perf, p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.amount, h.currency,
             h.expires, h.pass, h.request_key
      FROM h JOIN free USING (i)
      WHERE free.n = h.n AND v_have[h.i] + h.n <= h.cap
      -- A request already placed under its key: nothing new is held, and the caller, seeing "taken",
      -- reads the hold that key made.
      ON CONFLICT (user_id, performance_id, request_key) WHERE request_key IS NOT NULL DO NOTHING
      RETURNING id, cardinality(seat_nos) AS n)
  SELECT array_agg(id), coalesce(sum(n), 0) INTO v_placed, v_wanted FROM placed;

  -- Driven by the seats (one index probe each), never by a join the planner might turn into a scan.
  UPDATE tickets t SET status = 1, hold_id = p_holds[s.i], held_until = p_expires[s.i], order_id = NULL
    FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
    WHERE p_holds[s.i] = ANY (v_placed) AND t.performance_id = s.perf AND t.seat_no = s.seat
      AND (t.status = 0 OR (t.status = 1 AND t.held_until <= s.now));
  GET DIAGNOSTICS v_flipped = ROW_COUNT;
  -- Cannot happen (the seats were counted under our locks); if it did, the whole batch is undone.
  IF v_flipped <> v_wanted THEN
    RAISE EXCEPTION 'seat unavailable' USING ERRCODE = 'TM001';
  END IF;

  -- The losers (rare: the engine gate turns most away) learn why, precisely.
  RETURN QUERY
    SELECT CASE WHEN h.id = ANY (v_placed) THEN 1::smallint WHEN v_have[h.i] + h.n > h.cap THEN 2::smallint
                ELSE 0::smallint END,
           CASE WHEN h.id = ANY (v_placed) THEN NULL
                WHEN v_have[h.i] + h.n > h.cap THEN ARRAY[v_have[h.i]]
                ELSE coalesce((SELECT array_agg(t.seat_no ORDER BY t.seat_no) FROM tickets t
                               WHERE t.performance_id = h.perf
                                 AND t.seat_no = ANY (p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n])
                                 AND (t.status = 2 OR (t.status = 1 AND t.held_until > h.now))),
                              p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n]) END
    FROM unnest(p_holds, p_perfs, p_counts, p_nows, p_caps) WITH ORDINALITY AS h (id, perf, n, now, cap, i)
    ORDER BY h.i;
END $$;

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
         array_agg(x.n), array_agg(p_codes[x.o + s.k]), bool_or(x.n <> cardinality(o.seat_nos))
    INTO v_seat_orders, v_seat_perfs, v_seat_nos, v_seat_holds, v_seat_nows, v_seat_counts, v_seat_codes,
         v_miscounted
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
  ), events AS (
    INSERT INTO outbox (topic, payload)
      SELECT 'order.paid', jsonb_build_object('orderId', o.id::text, 'userId', o.user_id::text,
               'performanceId', o.performance_id::text, 'seatNos', to_jsonb(o.seat_nos), 'amount', o.amount,
               'currency', o.currency)
      FROM unnest(v_orders) AS o WHERE o.id = ANY (v_paid) ORDER BY o.id
  ), issued AS (
    INSERT INTO issued_tickets (order_id, performance_id, seat_no, code)
      SELECT s.oid, s.perf, s.seat, s.code
      FROM unnest(v_seat_orders, v_seat_perfs, v_seat_nos, v_seat_codes) AS s (oid, perf, seat, code)
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

ALTER TABLE issued_tickets DROP COLUMN refund_id;
DROP TABLE refunds;
ALTER TABLE issued_tickets DROP COLUMN price;
ALTER TABLE orders DROP COLUMN seat_prices;
ALTER TABLE holds DROP COLUMN seat_prices;
ALTER TABLE performances DROP COLUMN refund_until;

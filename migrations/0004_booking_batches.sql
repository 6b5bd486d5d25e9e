-- Up Migration

-- Batched forms of the two hot writes of booking (docs/decisions/006): a node gathers the holds (and the
-- settlements) that arrive while its earlier calls run, and sends them as one call — one transaction and
-- one commit for many — instead of one each. Each item keeps its own all-or-nothing outcome: a hold that
-- loses changes nothing, and the others in the batch go on.

-- Places holds i = 1..n: hold i has seats p_seats[o+1 .. o+p_counts[i]] (o: the seats of the holds before
-- it). Returns one row per hold, in order: outcome 1 held · 0 a seat cannot be taken (detail: those seats,
-- or all of the hold's when some do not exist) · 2 over the buyer's cap (detail: {seats the buyer already
-- has}). Each hold is decided as tmomi_place_hold decides it: under the buyer's lock, the cap counts the
-- seats of live holds and paid orders; the guarded update must touch every seat of every hold placed.
-- Set-based (a handful of statements per batch, not per hold), so the holds of one batch must not share
-- a buyer or a seat: the caller puts such holds in a later batch, and a batch that breaks the rule is
-- refused whole (TM003) rather than decided wrongly.
-- Locks are taken for the whole batch first, each kind in one global order — buyers by key, then the
-- tickets by (performance, seat) — so two batches never wait on each other in a cycle, and once the
-- seats are counted under our locks, the guarded update cannot miss one.
-- The commit does not wait for the WAL flush, as for single holds (decision 005).
CREATE FUNCTION tmomi_place_holds(p_holds uuid[], p_users bigint[], p_perfs bigint[], p_counts integer[],
                                  p_seats integer[], p_amounts integer[], p_currencies text[],
                                  p_expires timestamptz[], p_nows timestamptz[], p_caps integer[],
                                  p_passes bigint[])
RETURNS TABLE (outcome smallint, detail integer[]) LANGUAGE plpgsql AS $$
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
           (SELECT coalesce(sum(cardinality(x.seat_nos)), 0) FROM holds x
            WHERE x.performance_id = h.perf AND x.user_id = h.usr AND x.state = 'active' AND x.expires_at > h.now)
         + (SELECT coalesce(sum(cardinality(o.seat_nos)), 0) FROM orders o
            WHERE o.performance_id = h.perf AND o.user_id = h.usr AND o.status = 'paid') ORDER BY h.i),
         array_agg(h.o ORDER BY h.i)
    INTO v_have, v_offsets
    FROM (SELECT b.*, (sum(b.n) OVER (ORDER BY b.i) - b.n)::integer AS o
          FROM unnest(p_perfs, p_users, p_nows, p_counts) WITH ORDINALITY AS b (perf, usr, now, n, i)) AS h;

  WITH h AS (
    SELECT * FROM unnest(p_holds, p_users, p_perfs, p_counts, p_amounts, p_currencies, p_expires, p_nows, p_caps,
                         p_passes) WITH ORDINALITY
      AS h (id, usr, perf, n, amount, currency, expires, now, cap, pass, i)
  ), free AS (
    SELECT s.i, count(*) AS n FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
      JOIN tickets t ON t.performance_id = s.perf AND t.seat_no = s.seat
      WHERE t.status = 0 OR (t.status = 1 AND t.held_until <= s.now)
      GROUP BY s.i
  ), placed AS (
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, pass_id)
      SELECT h.id, h.usr, h.perf, p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.amount, h.currency,
             h.expires, h.pass
      FROM h JOIN free USING (i)
      WHERE free.n = h.n AND v_have[h.i] + h.n <= h.cap
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

-- Settles charged orders i = 1..n (distinct), each as tmomi_settle_paid settles one: order i's codes are
-- p_codes[o+1 .. o+p_code_counts[i]], one per seat in seat_nos order. Returns one row per order, in order,
-- with what tmomi_settle_paid returns: {"status": 'paid', "tickets": [{id, seatNo}]}, or the status
-- alone — 'pending' when the hold was lost (the caller refunds), or what another request settled.
-- Set-based, like tmomi_place_holds. Orders, then their holds, then their tickets are locked first, each
-- kind in one global order — the order settlement, release and the sweeper take them in. Commits durably.
CREATE FUNCTION tmomi_settle_paid_many(p_orders bigint[], p_nows timestamptz[], p_providers text[], p_refs text[],
                                       p_code_counts integer[], p_codes text[])
RETURNS TABLE (settled jsonb) LANGUAGE plpgsql AS $$
DECLARE
  v_seat_orders bigint[];
  v_seat_perfs bigint[];
  v_seat_nos integer[];
  v_seat_holds uuid[];
  v_paid bigint[];
  v_issued jsonb;
BEGIN
  IF (SELECT count(DISTINCT id) FROM unnest(p_orders) AS id) <> cardinality(p_orders) THEN
    RAISE EXCEPTION 'an order twice in one batch' USING ERRCODE = 'TM003';
  END IF;
  PERFORM 1 FROM orders WHERE id = ANY (p_orders) ORDER BY id FOR UPDATE;
  PERFORM 1 FROM holds WHERE id IN (SELECT hold_id FROM orders WHERE id = ANY (p_orders)) ORDER BY id FOR UPDATE;
  -- The seats of the orders still pending, each beside its order.
  SELECT array_agg(o.id), array_agg(o.performance_id), array_agg(s.seat), array_agg(o.hold_id)
    INTO v_seat_orders, v_seat_perfs, v_seat_nos, v_seat_holds
    FROM orders o, unnest(o.seat_nos) AS s (seat) WHERE o.id = ANY (p_orders) AND o.status = 'pending';
  PERFORM 1 FROM tickets t JOIN unnest(v_seat_perfs, v_seat_nos) AS s (perf, seat)
      ON t.performance_id = s.perf AND t.seat_no = s.seat
    ORDER BY t.performance_id, t.seat_no
    FOR NO KEY UPDATE OF t;

  INSERT INTO payments (order_id, provider, provider_ref, status, amount)
    SELECT o.id, x.provider, x.ref, 'succeeded', o.amount
    FROM unnest(p_orders, p_providers, p_refs) AS x (id, provider, ref) JOIN orders o ON o.id = x.id
    WHERE o.status = 'pending'
    ON CONFLICT (order_id) DO UPDATE SET provider_ref = excluded.provider_ref, status = 'succeeded', updated_at = now();
  -- Paid: the pending orders whose every seat is still held by their hold, unexpired.
  SELECT array_agg(oid) INTO v_paid FROM (
    SELECT s.oid FROM unnest(v_seat_orders, v_seat_perfs, v_seat_nos, v_seat_holds) AS s (oid, perf, seat, hold)
      JOIN unnest(p_orders, p_nows) AS x (oid, now) USING (oid)
      LEFT JOIN tickets t ON t.performance_id = s.perf AND t.seat_no = s.seat
                         AND t.status = 1 AND t.hold_id = s.hold AND t.held_until > x.now
    GROUP BY s.oid HAVING count(t.seat_no) = count(*)) AS live;

  UPDATE tickets t SET status = 2, order_id = s.oid
    FROM unnest(v_seat_orders, v_seat_perfs, v_seat_nos) AS s (oid, perf, seat)
    WHERE s.oid = ANY (v_paid) AND t.performance_id = s.perf AND t.seat_no = s.seat;
  UPDATE orders SET status = 'paid', charge_claimed_until = NULL, updated_at = now() WHERE id = ANY (v_paid);
  UPDATE holds SET state = 'ordered' WHERE id IN (SELECT hold_id FROM orders WHERE id = ANY (v_paid));
  WITH codes AS (
    SELECT x.oid, p_codes[(sum(x.n) OVER (ORDER BY x.i) - x.n)::integer + 1 : (sum(x.n) OVER (ORDER BY x.i))::integer] AS codes
    FROM unnest(p_orders, p_code_counts) WITH ORDINALITY AS x (oid, n, i)
  ), issued AS (
    INSERT INTO issued_tickets (order_id, performance_id, seat_no, code)
      SELECT o.id, o.performance_id, s.seat_no, s.code
      FROM orders o JOIN codes c ON c.oid = o.id, unnest(o.seat_nos, c.codes) AS s (seat_no, code)
      WHERE o.id = ANY (v_paid)
      RETURNING order_id, id, seat_no)
  SELECT jsonb_object_agg(order_id::text, tickets) INTO v_issued FROM (
    SELECT order_id, jsonb_agg(jsonb_build_object('id', id::text, 'seatNo', seat_no) ORDER BY seat_no) AS tickets
    FROM issued GROUP BY order_id) AS per_order;
  INSERT INTO outbox (topic, payload)
    SELECT 'order.paid', jsonb_build_object('orderId', o.id::text, 'userId', o.user_id::text,
             'performanceId', o.performance_id::text, 'seatNos', to_jsonb(o.seat_nos), 'amount', o.amount,
             'currency', o.currency)
    FROM orders o WHERE o.id = ANY (v_paid) ORDER BY o.id;

  RETURN QUERY
    SELECT CASE WHEN o.id = ANY (v_paid) THEN jsonb_build_object('status', 'paid', 'tickets', v_issued -> (o.id::text))
                ELSE jsonb_build_object('status', o.status) END
    FROM unnest(p_orders) WITH ORDINALITY AS x (oid, i) JOIN orders o ON o.id = x.oid
    ORDER BY x.i;
END $$;

-- Down Migration
DROP FUNCTION tmomi_settle_paid_many;
DROP FUNCTION tmomi_place_holds;

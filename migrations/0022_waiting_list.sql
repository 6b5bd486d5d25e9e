-- Up Migration

-- The waiting list (issue 22, decision 028): buyers of a sold-out performance in order of arrival; seats
-- that come back (a release, an expiry, a refund) go to its next matching entry as a hold of theirs
-- (an offer) instead of to open sale. One live entry (waiting, or offered) per account and performance.
ALTER TABLE performances ADD COLUMN waitlist_claim_seconds integer NOT NULL DEFAULT 600
  CONSTRAINT performances_waitlist_claim CHECK (waitlist_claim_seconds BETWEEN 1 AND 86400);

CREATE TABLE waitlist_entries (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  performance_id bigint      NOT NULL REFERENCES performances,
  user_id        bigint      NOT NULL REFERENCES users ON DELETE CASCADE,
  grade          text,
  quantity       integer     NOT NULL CHECK (quantity > 0),
  -- waiting → offered (hold_id) → claimed is read from the hold (ordered); left, lapsed (the offer ran
  -- out) and declined (the offer was released) are done.
  state          text        NOT NULL DEFAULT 'waiting'
                             CHECK (state IN ('waiting', 'offered', 'left', 'lapsed', 'declined')),
  hold_id        uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  offered_at     timestamptz,
  CHECK ((state = 'waiting') = (hold_id IS NULL) OR state = 'left')
);
CREATE UNIQUE INDEX waitlist_entries_one_live ON waitlist_entries (performance_id, user_id)
  WHERE state IN ('waiting', 'offered');
CREATE INDEX waitlist_entries_waiting ON waitlist_entries (performance_id, id) WHERE state = 'waiting';
CREATE INDEX waitlist_entries_hold ON waitlist_entries (hold_id) WHERE hold_id IS NOT NULL;

CREATE OR REPLACE FUNCTION tmomi_offer_seats(p_perf bigint, p_seats integer[], p_now timestamptz)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p performances;
  v_currency text;
  v_seats integer[];
  v_grades text[];
  v_prices integer[];
  v_passed bigint[] := '{}';
  e waitlist_entries;
  v_pick integer[];
  v_pick_prices integer[];
  v_hold uuid;
  v_until timestamptz;
  v_have integer;
  v_flipped integer;
  v_offer jsonb;
  v_offers jsonb := '[]';
BEGIN
  IF coalesce(cardinality(p_seats), 0) = 0 THEN
    RETURN v_offers;
  END IF;
  SELECT * INTO p FROM performances WHERE id = p_perf;
  IF p.cancelled_at IS NOT NULL OR p_now >= p.sales_close_at
     OR NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.performance_id = p_perf AND w.state = 'waiting') THEN
    RETURN v_offers;
  END IF;
  SELECT ev.currency INTO v_currency FROM events ev WHERE ev.id = p.event_id;
  SELECT array_agg(s.seat_no ORDER BY s.seat_no), array_agg(sec.grade ORDER BY s.seat_no),
         array_agg(ep.amount ORDER BY s.seat_no)
    INTO v_seats, v_grades, v_prices
    FROM events ev
    JOIN seats s ON s.venue_id = ev.venue_id
    JOIN sections sec ON sec.venue_id = s.venue_id AND sec.section_no = s.section_no
    JOIN event_prices ep ON ep.event_id = ev.id AND ep.grade = sec.grade
    WHERE ev.id = p.event_id AND s.seat_no = ANY (p_seats);
  v_until := p_now + make_interval(secs => p.waitlist_claim_seconds);

  WHILE v_seats IS NOT NULL LOOP
    SELECT * INTO e FROM waitlist_entries w
      WHERE w.performance_id = p_perf AND w.state = 'waiting' AND w.id <> ALL (v_passed)
        AND w.quantity <= (SELECT count(*) FROM unnest(v_grades) AS g (grade) WHERE w.grade IS NULL OR g.grade = w.grade)
      ORDER BY w.id LIMIT 1 FOR UPDATE SKIP LOCKED;
    EXIT WHEN NOT FOUND;
    v_passed := v_passed || e.id;
    -- The cap as tmomi_place_holds counts it, under the same per-buyer lock.
    CONTINUE WHEN NOT pg_try_advisory_xact_lock(hashtextextended('hold:' || p_perf || ':' || e.user_id, 0));
    SELECT (SELECT coalesce(sum(cardinality(x.seat_nos)), 0) FROM holds x
             WHERE x.performance_id = p_perf AND x.user_id = e.user_id AND x.state = 'active' AND x.expires_at > p_now)
         + (SELECT coalesce(sum(cardinality(o.seat_nos)), 0) FROM orders o
             WHERE o.performance_id = p_perf AND o.user_id = e.user_id AND o.status = 'paid')
      INTO v_have;
    CONTINUE WHEN v_have + e.quantity > p.max_tickets_per_user;

    SELECT array_agg(x.seat ORDER BY x.seat), array_agg(x.price ORDER BY x.seat) INTO v_pick, v_pick_prices
      FROM (SELECT y.seat, y.price FROM unnest(v_seats, v_grades, v_prices) AS y (seat, grade, price)
            WHERE e.grade IS NULL OR y.grade = e.grade ORDER BY y.seat LIMIT e.quantity) AS x;
    v_hold := gen_random_uuid();
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, seat_prices)
      VALUES (v_hold, e.user_id, p_perf, v_pick, (SELECT sum(x) FROM unnest(v_pick_prices) AS x), v_currency,
              v_until, v_pick_prices);
    UPDATE tickets t SET status = 1, hold_id = v_hold, held_until = v_until, order_id = NULL
      WHERE t.performance_id = p_perf AND t.seat_no = ANY (v_pick) AND t.status = 0;
    GET DIAGNOSTICS v_flipped = ROW_COUNT;
    -- Cannot happen (the caller freed these seats under its locks); if it did, its whole change is undone.
    IF v_flipped <> e.quantity THEN
      RAISE EXCEPTION 'seat unavailable' USING ERRCODE = 'TM001';
    END IF;
    UPDATE waitlist_entries SET state = 'offered', hold_id = v_hold, offered_at = p_now WHERE id = e.id;
    v_offer := jsonb_build_object('entryId', e.id::text, 'holdId', v_hold, 'userId', e.user_id::text,
                                  'seatNos', to_jsonb(v_pick), 'expiresAt', v_until);
    INSERT INTO outbox (topic, payload)
      VALUES ('waitlist.offered', v_offer || jsonb_build_object('performanceId', p_perf::text));
    v_offers := v_offers || jsonb_build_array(v_offer);
    SELECT array_agg(y.seat ORDER BY y.seat), array_agg(y.grade ORDER BY y.seat), array_agg(y.price ORDER BY y.seat)
      INTO v_seats, v_grades, v_prices
      FROM unnest(v_seats, v_grades, v_prices) AS y (seat, grade, price) WHERE y.seat <> ALL (v_pick);
  END LOOP;
  RETURN v_offers;
END $$;

-- The return types change (the offers made), and a release takes its instant (an offer's claim window
-- starts then): dropped and created again.
DROP FUNCTION tmomi_release_hold(uuid, bigint);
CREATE FUNCTION tmomi_release_hold(p_hold uuid, p_user bigint, p_now timestamptz)
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

DROP FUNCTION tmomi_expire_holds(timestamptz, integer);
CREATE FUNCTION tmomi_expire_holds(p_now timestamptz, p_limit integer)
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
  v_offers jsonb;
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
  v_offers := tmomi_offer_seats(o.performance_id, v_freed, p_now);
  v_freed := ARRAY(SELECT s FROM unnest(v_freed) AS s
                   WHERE s NOT IN (SELECT x::integer FROM jsonb_array_elements(v_offers) AS f,
                                   jsonb_array_elements_text(f->'seatNos') AS x)
                   ORDER BY s);
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
           'freed', to_jsonb(v_freed), 'offers', v_offers, 'ref', (SELECT provider_ref FROM payments WHERE order_id = p_order));
END $$;

-- A lapsed hold's seats are not taken over in place while the performance's list has entries waiting:
-- they are the list's, handed on by the sweeper (same signature as 0021's: replaced in place).
-- Places the holds a node gathered while its earlier calls ran (decision 006), each all or nothing.
-- Hold i = 1..n has seats p_seats[o+1 .. o+p_counts[i]] (o: the seats of the holds before it). Returns one
-- row per hold, in order: outcome 1 held · 0 a seat cannot be taken (detail: those seats, or all of the
-- hold's when some do not exist) · 2 over the buyer's cap (detail: {seats the buyer already has}) ·
-- 3 the buyer's account is gone (deleted after the node last checked its session): refused alone, where
-- its foreign key used to fail the whole batch and send every hold in it round again one by one.
-- Under the buyer's advisory lock the cap counts the seats of live holds and paid orders: this is the
-- per-buyer cap's truth (the service's and the gate's checks only turn requests away sooner). The
-- guarded update flips a seat that is free, or whose hold has lapsed (taken over in place) — but not on a
-- performance whose waiting list has entries waiting: there a lapsed hold's seats are the list's, and
-- the sweeper hands them on (tmomi_expire_holds, decision 028) —, and must touch every seat of every hold
-- placed, else the whole batch is undone (TM001).
-- Set-based (a handful of statements per batch, not per hold), so the holds of one batch must not share
-- a buyer or a seat: the caller puts such holds in a later batch, and a batch that breaks the rule is
-- refused whole (TM003) rather than decided wrongly. Locks are taken for the whole batch first, each
-- kind in one global order — buyers by key, then the tickets by (performance, seat) — so two batches
-- never wait on each other in a cycle.
-- A hold request may carry an Idempotency-Key (p_keys, decision 012): one hold per buyer, performance
-- and key; a hold whose key is already taken is not placed and comes back as "taken".
-- p_prices gives each seat's price beside p_seats (what a partial refund gives back); null from a node
-- older than migration 0010, whose holds are priced by grade when they are paid.
-- Every statement reaches rows by key, so the function runs with sequential scans priced out
-- (decision 009). The commit does not wait for the WAL flush (decision 005): a database crash may
-- forget the last fraction of a second of holds, never corrupt.
-- p_codes gives each hold's access code (decision 027), or null: a code's uses are its holds still live
-- (active, unexpired) and its paid orders, counted under the code's lock, so an expired or released hold
-- or a refunded order gives its use back. A hold whose code has no use left for it (the holds of one
-- batch that share a code ranked in order) is refused alone (outcome 4).

CREATE OR REPLACE FUNCTION tmomi_place_holds(p_holds uuid[], p_users bigint[], p_perfs bigint[], p_counts integer[],
                                             p_seats integer[], p_amounts integer[], p_currencies text[],
                                             p_expires timestamptz[], p_nows timestamptz[], p_caps integer[],
                                             p_passes bigint[], p_keys text[], p_prices integer[] DEFAULT NULL,
                                             p_codes bigint[] DEFAULT NULL)
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
  v_spent bigint[];
  v_listed bigint[];
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
  -- The codes of the batch, locked in id order (only holds take them): their uses are counted below.
  IF p_codes IS NOT NULL THEN
    PERFORM 1 FROM access_codes WHERE id = ANY (p_codes) ORDER BY id FOR NO KEY UPDATE;
  END IF;
  -- The performances whose lapsed holds are not to be taken over: someone waits on their list.
  SELECT coalesce(array_agg(DISTINCT w.performance_id), '{}') INTO v_listed FROM waitlist_entries w
    WHERE w.performance_id = ANY (p_perfs) AND w.state = 'waiting';

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
                         p_passes, p_keys, p_codes) WITH ORDINALITY
      AS h (id, usr, perf, n, amount, currency, expires, now, cap, pass, request_key, code, i)
  ), free AS (
    SELECT s.i, count(*) AS n FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
      JOIN tickets t ON t.performance_id = s.perf AND t.seat_no = s.seat
      WHERE t.status = 0 OR (t.status = 1 AND t.held_until <= s.now AND s.perf <> ALL (v_listed))
      GROUP BY s.i
  ), eligible AS (
    -- The holds that would be placed but for their code; a code's holds take its uses left in batch order.
    -- (A keyed hold already placed under its key takes none: it is not placed again.)
    SELECT h.*, h.code IS NULL OR coalesce(row_number() OVER (PARTITION BY h.code ORDER BY h.i) <= (
             SELECT c.max_uses - (SELECT count(*) FROM holds x WHERE x.code_id = c.id
                                    AND ((x.state = 'active' AND x.expires_at > h.now)
                                         OR (x.state = 'ordered' AND EXISTS (SELECT 1 FROM orders o
                                               WHERE o.hold_id = x.id AND o.status = 'paid'))))
             FROM access_codes c WHERE c.id = h.code AND c.performance_id = h.perf), false) AS code_ok
      FROM h JOIN free USING (i)
      WHERE free.n = h.n AND v_have[h.i] + h.n <= h.cap AND EXISTS (SELECT 1 FROM users u WHERE u.id = h.usr)
        AND (h.code IS NULL OR h.request_key IS NULL OR NOT EXISTS (SELECT 1 FROM holds k
               WHERE k.user_id = h.usr AND k.performance_id = h.perf AND k.request_key = h.request_key))
  ), placed AS (
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, pass_id, request_key,
                       seat_prices, code_id)
      SELECT h.id, h.usr, h.perf, p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.amount, h.currency,
             h.expires, h.pass, h.request_key, p_prices[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.code
      FROM eligible h
      WHERE h.code_ok
      -- A request already placed under its key: nothing new is held, and the caller, seeing "taken",
      -- reads the hold that key made.
      ON CONFLICT (user_id, performance_id, request_key) WHERE request_key IS NOT NULL DO NOTHING
      RETURNING id, cardinality(seat_nos) AS n)
  SELECT array_agg(id), coalesce(sum(n), 0), (SELECT array_agg(e.i) FROM eligible e WHERE NOT e.code_ok)
    INTO v_placed, v_wanted, v_spent FROM placed;

  -- Driven by the seats (one index probe each), never by a join the planner might turn into a scan.
  UPDATE tickets t SET status = 1, hold_id = p_holds[s.i], held_until = p_expires[s.i], order_id = NULL
    FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
    WHERE p_holds[s.i] = ANY (v_placed) AND t.performance_id = s.perf AND t.seat_no = s.seat
      AND (t.status = 0 OR (t.status = 1 AND t.held_until <= s.now AND s.perf <> ALL (v_listed)));
  GET DIAGNOSTICS v_flipped = ROW_COUNT;
  -- Cannot happen (the seats were counted under our locks); if it did, the whole batch is undone.
  IF v_flipped <> v_wanted THEN
    RAISE EXCEPTION 'seat unavailable' USING ERRCODE = 'TM001';
  END IF;

  -- The losers (rare: the engine gate turns most away) learn why, precisely.
  RETURN QUERY
    SELECT CASE WHEN h.id = ANY (v_placed) THEN 1::smallint
                WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.usr) THEN 3::smallint
                WHEN v_have[h.i] + h.n > h.cap THEN 2::smallint
                WHEN h.i = ANY (v_spent) THEN 4::smallint
                ELSE 0::smallint END,
           CASE WHEN h.id = ANY (v_placed) OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.usr)
                     OR h.i = ANY (v_spent) THEN NULL
                WHEN v_have[h.i] + h.n > h.cap THEN ARRAY[v_have[h.i]]
                ELSE coalesce((SELECT array_agg(t.seat_no ORDER BY t.seat_no) FROM tickets t
                               WHERE t.performance_id = h.perf
                                 AND t.seat_no = ANY (p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n])
                                 AND (t.status = 2 OR (t.status = 1 AND t.held_until > h.now))),
                              p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n]) END
    FROM unnest(p_holds, p_users, p_perfs, p_counts, p_nows, p_caps) WITH ORDINALITY AS h (id, usr, perf, n, now, cap, i)
    ORDER BY h.i;
END $$;

-- Down Migration

-- tmomi_place_holds as migration 0021 left it.
CREATE OR REPLACE FUNCTION tmomi_place_holds(p_holds uuid[], p_users bigint[], p_perfs bigint[], p_counts integer[],
                                             p_seats integer[], p_amounts integer[], p_currencies text[],
                                             p_expires timestamptz[], p_nows timestamptz[], p_caps integer[],
                                             p_passes bigint[], p_keys text[], p_prices integer[] DEFAULT NULL,
                                             p_codes bigint[] DEFAULT NULL)
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
  v_spent bigint[];
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
  -- The codes of the batch, locked in id order (only holds take them): their uses are counted below.
  IF p_codes IS NOT NULL THEN
    PERFORM 1 FROM access_codes WHERE id = ANY (p_codes) ORDER BY id FOR NO KEY UPDATE;
  END IF;

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
                         p_passes, p_keys, p_codes) WITH ORDINALITY
      AS h (id, usr, perf, n, amount, currency, expires, now, cap, pass, request_key, code, i)
  ), free AS (
    SELECT s.i, count(*) AS n FROM unnest(v_seat_holds, v_seat_perfs, p_seats, v_seat_nows) AS s (i, perf, seat, now)
      JOIN tickets t ON t.performance_id = s.perf AND t.seat_no = s.seat
      WHERE t.status = 0 OR (t.status = 1 AND t.held_until <= s.now)
      GROUP BY s.i
  ), eligible AS (
    -- The holds that would be placed but for their code; a code's holds take its uses left in batch order.
    -- (A keyed hold already placed under its key takes none: it is not placed again.)
    SELECT h.*, h.code IS NULL OR coalesce(row_number() OVER (PARTITION BY h.code ORDER BY h.i) <= (
             SELECT c.max_uses - (SELECT count(*) FROM holds x WHERE x.code_id = c.id
                                    AND ((x.state = 'active' AND x.expires_at > h.now)
                                         OR (x.state = 'ordered' AND EXISTS (SELECT 1 FROM orders o
                                               WHERE o.hold_id = x.id AND o.status = 'paid'))))
             FROM access_codes c WHERE c.id = h.code AND c.performance_id = h.perf), false) AS code_ok
      FROM h JOIN free USING (i)
      WHERE free.n = h.n AND v_have[h.i] + h.n <= h.cap AND EXISTS (SELECT 1 FROM users u WHERE u.id = h.usr)
        AND (h.code IS NULL OR h.request_key IS NULL OR NOT EXISTS (SELECT 1 FROM holds k
               WHERE k.user_id = h.usr AND k.performance_id = h.perf AND k.request_key = h.request_key))
  ), placed AS (
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, pass_id, request_key,
                       seat_prices, code_id)
      SELECT h.id, h.usr, h.perf, p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.amount, h.currency,
             h.expires, h.pass, h.request_key, p_prices[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n], h.code
      FROM eligible h
      WHERE h.code_ok
      -- A request already placed under its key: nothing new is held, and the caller, seeing "taken",
      -- reads the hold that key made.
      ON CONFLICT (user_id, performance_id, request_key) WHERE request_key IS NOT NULL DO NOTHING
      RETURNING id, cardinality(seat_nos) AS n)
  SELECT array_agg(id), coalesce(sum(n), 0), (SELECT array_agg(e.i) FROM eligible e WHERE NOT e.code_ok)
    INTO v_placed, v_wanted, v_spent FROM placed;

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
    SELECT CASE WHEN h.id = ANY (v_placed) THEN 1::smallint
                WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.usr) THEN 3::smallint
                WHEN v_have[h.i] + h.n > h.cap THEN 2::smallint
                WHEN h.i = ANY (v_spent) THEN 4::smallint
                ELSE 0::smallint END,
           CASE WHEN h.id = ANY (v_placed) OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.usr)
                     OR h.i = ANY (v_spent) THEN NULL
                WHEN v_have[h.i] + h.n > h.cap THEN ARRAY[v_have[h.i]]
                ELSE coalesce((SELECT array_agg(t.seat_no ORDER BY t.seat_no) FROM tickets t
                               WHERE t.performance_id = h.perf
                                 AND t.seat_no = ANY (p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n])
                                 AND (t.status = 2 OR (t.status = 1 AND t.held_until > h.now))),
                              p_seats[v_offsets[h.i] + 1 : v_offsets[h.i] + h.n]) END
    FROM unnest(p_holds, p_users, p_perfs, p_counts, p_nows, p_caps) WITH ORDINALITY AS h (id, usr, perf, n, now, cap, i)
    ORDER BY h.i;
END $$;

-- The functions as migrations 0009 and 0010 left them.
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

DROP FUNCTION tmomi_expire_holds(timestamptz, integer);
CREATE FUNCTION tmomi_expire_holds(p_now timestamptz, p_limit integer)
RETURNS TABLE (expired holds, freed integer[]) LANGUAGE plpgsql AS $$
DECLARE
  v_holds holds[];
  v_freed_holds uuid[];
  v_freed_seats integer[];
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
  RETURN QUERY
    SELECT h, coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM unnest(v_freed_holds, v_freed_seats)
                          AS s (hold, seat) WHERE s.hold = h.id), '{}')
    FROM unnest(v_holds) AS h;
END $$;

DROP FUNCTION tmomi_release_hold(uuid, bigint, timestamptz);
CREATE FUNCTION tmomi_release_hold(p_hold uuid, p_user bigint)
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

DROP FUNCTION tmomi_offer_seats(bigint, integer[], timestamptz);
DROP TABLE waitlist_entries;
ALTER TABLE performances DROP COLUMN waitlist_claim_seconds;

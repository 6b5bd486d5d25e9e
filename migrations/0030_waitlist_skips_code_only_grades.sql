-- Up Migration

-- A waiting list's offers never hand out a code-only grade's seats (decisions 027 and 028): entries
-- carry no code, so a presale's seats that come back (a release, an expiry, a refund) return to the
-- sale for the code holders instead. The rest of tmomi_offer_seats is as migration 0026 made it.

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
  v_amount integer;
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
    WHERE ev.id = p.event_id AND s.seat_no = ANY (p_seats)
      -- Seats of a code-only grade wait for the holders of a code that unlocks them (decision 027): an
      -- entry on the list has no code, so they go back to sale rather than to the list.
      AND sec.grade <> ALL (p.code_only_grades);
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
    v_amount := (SELECT sum(x) FROM unnest(v_pick_prices) AS x);
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, seat_prices)
      VALUES (v_hold, e.user_id, p_perf, v_pick, v_amount, v_currency, v_until, v_pick_prices);
    UPDATE tickets t SET status = 1, hold_id = v_hold, held_until = v_until, order_id = NULL
      WHERE t.performance_id = p_perf AND t.seat_no = ANY (v_pick) AND t.status = 0;
    GET DIAGNOSTICS v_flipped = ROW_COUNT;
    -- Cannot happen (the caller freed these seats under its locks); if it did, its whole change is undone.
    IF v_flipped <> e.quantity THEN
      RAISE EXCEPTION 'seat unavailable' USING ERRCODE = 'TM001';
    END IF;
    UPDATE waitlist_entries SET state = 'offered', hold_id = v_hold, offered_at = p_now WHERE id = e.id;
    -- What it costs goes with it: the queue's poll and stream show it from the engine (decision 028).
    v_offer := jsonb_build_object('entryId', e.id::text, 'holdId', v_hold, 'userId', e.user_id::text,
                                  'seatNos', to_jsonb(v_pick), 'amount', v_amount, 'currency', v_currency,
                                  'expiresAt', v_until);
    INSERT INTO outbox (topic, payload)
      VALUES ('waitlist.offered', v_offer || jsonb_build_object('performanceId', p_perf::text));
    v_offers := v_offers || jsonb_build_array(v_offer);
    SELECT array_agg(y.seat ORDER BY y.seat), array_agg(y.grade ORDER BY y.seat), array_agg(y.price ORDER BY y.seat)
      INTO v_seats, v_grades, v_prices
      FROM unnest(v_seats, v_grades, v_prices) AS y (seat, grade, price) WHERE y.seat <> ALL (v_pick);
  END LOOP;
  RETURN v_offers;
END $$;

-- Down Migration

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
  v_amount integer;
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
    v_amount := (SELECT sum(x) FROM unnest(v_pick_prices) AS x);
    INSERT INTO holds (id, user_id, performance_id, seat_nos, amount, currency, expires_at, seat_prices)
      VALUES (v_hold, e.user_id, p_perf, v_pick, v_amount, v_currency, v_until, v_pick_prices);
    UPDATE tickets t SET status = 1, hold_id = v_hold, held_until = v_until, order_id = NULL
      WHERE t.performance_id = p_perf AND t.seat_no = ANY (v_pick) AND t.status = 0;
    GET DIAGNOSTICS v_flipped = ROW_COUNT;
    -- Cannot happen (the caller freed these seats under its locks); if it did, its whole change is undone.
    IF v_flipped <> e.quantity THEN
      RAISE EXCEPTION 'seat unavailable' USING ERRCODE = 'TM001';
    END IF;
    UPDATE waitlist_entries SET state = 'offered', hold_id = v_hold, offered_at = p_now WHERE id = e.id;
    -- What it costs goes with it: the queue's poll and stream show it from the engine (decision 028).
    v_offer := jsonb_build_object('entryId', e.id::text, 'holdId', v_hold, 'userId', e.user_id::text,
                                  'seatNos', to_jsonb(v_pick), 'amount', v_amount, 'currency', v_currency,
                                  'expiresAt', v_until);
    INSERT INTO outbox (topic, payload)
      VALUES ('waitlist.offered', v_offer || jsonb_build_object('performanceId', p_perf::text));
    v_offers := v_offers || jsonb_build_array(v_offer);
    SELECT array_agg(y.seat ORDER BY y.seat), array_agg(y.grade ORDER BY y.seat), array_agg(y.price ORDER BY y.seat)
      INTO v_seats, v_grades, v_prices
      FROM unnest(v_seats, v_grades, v_prices) AS y (seat, grade, price) WHERE y.seat <> ALL (v_pick);
  END LOOP;
  RETURN v_offers;
END $$;

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

-- Up Migration

-- Every change of a seat's or an order's fate in one place: the database functions (docs/architecture.md,
-- "Rules in SQL"). Placing holds (tmomi_place_holds) and settling a paid order (tmomi_settle_paid_many,
-- which writes `order.paid` to the outbox) already were; releasing a hold, expiring holds, and settling
-- an order cancelled or refunded (with `order.cancelled` and `order.refunded`) were statements of
-- src/booking/repository.ts, each in a transaction of its own. They are moved here as they were: the
-- same statements, the same guards, the same locks in the same order, one transaction each — now one
-- call, where the transaction took four round trips. Their current text is in db/functions.

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

-- The buyer lets go of an active hold: it becomes released and the seats it still holds available.
-- Only the buyer's own hold, and only while it is active (a hold that is ordered, expired or already
-- released is left as it is). Returns the hold as released, or no row.

CREATE OR REPLACE FUNCTION tmomi_release_hold(p_hold uuid, p_user bigint)
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

-- The sweeper's batch: up to p_limit holds still active whose time ran out by p_now become expired, and
-- the seats they still hold available. Holds another transaction has locked (being released, or
-- settled) are skipped, for the next pass. Returns each expired hold with the seats it gave back.
-- Correctness never waits for this: a lapsed hold's seats can already be taken over in place.

CREATE OR REPLACE FUNCTION tmomi_expire_holds(p_now timestamptz, p_limit integer)
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

-- A pending order that was never charged (the card declined, the charge timed out, the charger died
-- and the provider has no charge) is cancelled; its hold stays, for another card. With p_payment the
-- failed attempt is recorded. Writes `order.cancelled` to the outbox in the same transaction. Returns
-- 'cancelled', or the status another request already settled the order to (the order is then left
-- alone).

CREATE OR REPLACE FUNCTION tmomi_settle_uncharged(p_order bigint, p_reason text, p_provider text, p_payment text)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orders SET status = 'cancelled', reason = p_reason, charge_claimed_until = NULL, updated_at = now()
    WHERE id = p_order AND status = 'pending';
  IF NOT FOUND THEN
    RETURN (SELECT status FROM orders WHERE id = p_order);
  END IF;
  IF p_payment IS NOT NULL THEN
    INSERT INTO payments (order_id, provider, status, amount)
      SELECT id, p_provider, p_payment, amount FROM orders WHERE id = p_order
      ON CONFLICT (order_id) DO NOTHING;
  END IF;
  INSERT INTO outbox (topic, payload)
    VALUES ('order.cancelled', jsonb_build_object('orderId', p_order::text, 'reason', p_reason));
  RETURN 'cancelled';
END $$;

-- A charged order that cannot, or can no longer, keep its seats is refunded, with the reason: from
-- 'pending' when its hold was lost before the payment landed, from 'paid' when the buyer (or an admin)
-- cancels. Only from that status, so of two cancels racing exactly one refunds. A paid order's tickets
-- go back to available — only those still sold to this order — and its codes are voided. Writes
-- `order.refunded` to the outbox in the same transaction. The provider has already refunded (it is
-- idempotent per charge, so a crash in between only means it is asked again).
-- Returns {"status": 'refunded', "freed": [seats back on sale]}, or the status another request
-- settled the order to, with nothing freed.

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

-- Down Migration
-- The previous version runs these statements from src/booking/repository.ts.
DROP FUNCTION tmomi_settle_refunded(bigint, text, text, text, text);
DROP FUNCTION tmomi_settle_uncharged(bigint, text, text, text);
DROP FUNCTION tmomi_expire_holds(timestamptz, integer);
DROP FUNCTION tmomi_release_hold(uuid, bigint);
DROP FUNCTION tmomi_free_held_seats(uuid[]);

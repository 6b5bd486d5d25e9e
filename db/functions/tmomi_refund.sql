-- Refunds tickets of a paid order: p_tickets, or every ticket still valid when null. Decided here, under
-- the order's lock and its tickets' (a scan at the door waits for this, or is seen by it); paid back by
-- the caller through the provider, under the refund's own key, and marked succeeded then — a refund
-- left pending by a crash is paid back by the sweeper. In this one transaction: the refund recorded with
-- who asked (p_by 'buyer' or 'admin' with p_admin) and why, the tickets voided, their seats (only those
-- still sold to this order) back — to the waiting list's next entries first (tmomi_offer_seats, which
-- offers nothing on a cancelled performance), the rest on sale —, the order's seats shrunk to what it
-- keeps — or the order refunded when nothing is left — and `order.refunded` in the outbox.
-- The amount is the tickets' prices; the refund that voids the last valid ticket gives back whatever of
-- the charge is left, so an order's refunds add up to its charge exactly.
-- p_key (the request's Idempotency-Key) makes a retry find the refund it made instead of a second one.
-- Returns {"outcome": …}: 'refunded' with refundId, amount, the seats freed to sale, the waiting list's
-- offers and the charge's ref;
-- 'repeated' with refundId; 'unknown_order'; 'not_cancellable' with the status; 'unknown_ticket', 'void'
-- or 'used' with the ticketIds concerned; 'closed' with refundUntil (only when p_check_deadline).

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

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

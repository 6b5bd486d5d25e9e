-- A charged order whose hold was lost before the payment landed is refunded whole, by Tmomi itself: from
-- 'pending' only, so of two settlers racing exactly one records it. The provider has already refunded
-- (under the order's one refund key, so both settlers asking it refunds once). Records the refund and
-- writes `order.refunded` to the outbox in the same transaction. Returns 'refunded', or the status
-- another request settled the order to. A paid order is refunded by tmomi_refund.

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

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

import { useEffect, useState, type FormEvent } from 'react';
import type { Hold, Order } from '@tmomi/contract/booking';
import { ApiError, client } from '../../api';
import { useNow } from '../../hooks';
import { useI18n } from '../../i18n';
import { RetryKey } from '../../retryKey';
import { ErrorNote, Field } from '../../ui';

const TEST_CARDS = [
  ['checkout.cardOk', '4242424242424242'],
  ['checkout.cardDeclined', '4000000000000002'],
  ['checkout.cardTimeout', '4000000000009995'],
] as const;

/** The held seats with their countdown, and the checkout form. */
export function HoldPanel(props: {
  hold: Hold;
  total: number;
  currency: string;
  pass: string | undefined;
  describe: (seat: number) => string;
  onExpired: () => void;
  onRelease: () => void;
  onPaid: (order: Order) => void;
}) {
  const { t, money, duration } = useI18n();
  const now = useNow();
  const [card, setCard] = useState('');
  const [problem, setProblem] = useState<unknown>(null);
  const [paying, setPaying] = useState(false);
  // One key per payment attempt: a retry after no answer reuses it (the server answers with the first
  // outcome, never a second charge); a decline or a provider timeout ends the attempt.
  const [keys] = useState(() => new RetryKey());
  const left = Math.max(0, Math.round((Date.parse(props.hold.expiresAt) - now) / 1000));
  const { onExpired } = props;
  useEffect(() => {
    if (left === 0 && !paying) onExpired();
  }, [left, paying, onExpired]);

  const pay = async (event: FormEvent) => {
    event.preventDefault();
    setPaying(true);
    setProblem(null);
    try {
      const order = await client.holds.checkout(
        props.hold.holdId,
        { payment: { card: card.replace(/\s+/g, '') } },
        // Keyed by the hold alone: another card after no answer must not become a second charge.
        { idempotencyKey: keys.for(props.hold.holdId), queuePass: props.pass },
      );
      keys.settle();
      props.onPaid(order);
    } catch (err) {
      keys.settle(err);
      setProblem(err);
      if (err instanceof ApiError && err.code === 'HOLD_EXPIRED') onExpired();
      setPaying(false);
    }
  };

  return (
    <div className="hold">
      <h2>{t('hold.title')}</h2>
      <p className="countdown" role="timer" aria-live="off">
        {t('hold.expiresIn', { time: duration(left) })}
      </p>
      <ul className="seat-list" data-testid="held-seats">
        {props.hold.seatNos.map((seat) => (
          <li key={seat}>{props.describe(seat)}</li>
        ))}
      </ul>
      <p className="total">
        {t('seats.total')}: <strong>{money(props.total, props.currency)}</strong>
      </p>
      <form className="stack" onSubmit={(e) => void pay(e)}>
        <h3>{t('checkout.title')}</h3>
        <Field label={t('checkout.card')}>
          <input
            name="card"
            inputMode="numeric"
            autoComplete="cc-number"
            required
            pattern="[0-9 ]{12,23}"
            value={card}
            onChange={(e) => setCard(e.target.value)}
          />
        </Field>
        <div className="test-cards">
          <span className="muted small">{t('checkout.testCards')}:</span>
          {TEST_CARDS.map(([label, number]) => (
            <button key={number} type="button" className="link" onClick={() => setCard(number)}>
              {t(label)}
            </button>
          ))}
        </div>
        <ErrorNote error={problem} />
        <button type="submit" disabled={paying}>
          {paying ? t('checkout.paying') : t('checkout.pay', { amount: money(props.total, props.currency) })}
        </button>
      </form>
      <button type="button" className="secondary" onClick={props.onRelease} disabled={paying}>
        {t('hold.release')}
      </button>
    </div>
  );
}

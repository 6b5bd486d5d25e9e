import type { Refund } from '@tmomi/contract/booking';
import { useI18n } from '../../i18n';

/** Money given back: how much, when, by whom (the buyer, the box office, or Tmomi itself), why, and how far along. */
export function Refunds({ refunds, currency }: { refunds: Refund[]; currency: string }) {
  const { t, money, dateTime } = useI18n();
  if (refunds.length === 0) return null;
  return (
    <>
      <h2>{t('orders.refunds')}</h2>
      <ul className="refunds" data-testid="refunds">
        {refunds.map((refund) => (
          <li key={refund.id} className="card">
            <strong>{money(refund.amount, currency)}</strong>
            <span className={`badge badge-refund-${refund.state}`}>{t(`refund.state.${refund.state}`)}</span>
            <p>
              {dateTime(refund.createdAt)} · {t(`refund.by.${refund.by}`)} ·{' '}
              {t('refund.tickets', { n: refund.ticketIds.length })}
            </p>
            {/* Only the box office writes its reason for people; the buyer's and Tmomi's are codes. */}
            {refund.by === 'admin' && refund.reason && <p className="muted">{refund.reason}</p>}
          </li>
        ))}
      </ul>
    </>
  );
}

import type { Hold } from '@tmomi/contract/booking';
import { useNow } from '../../hooks';
import { useI18n } from '../../i18n';

/**
 * On a phone, a bar fixed to the bottom of the screen: what is chosen, the total, the hold's countdown
 * and the next step, always in sight while the map takes the screen (the panel is below it). Hidden on
 * wider screens, where the panel beside the map shows the same.
 */
export function SelectionBar(props: {
  hold: Hold | null;
  count: number;
  total: number;
  currency: string;
  canHold: boolean;
  onHold: () => void;
}) {
  const { t, money, duration } = useI18n();
  const now = useNow();
  const { hold } = props;
  const toCheckout = () => {
    const card = document.querySelector<HTMLInputElement>('input[name="card"]');
    card?.scrollIntoView({ block: 'center' });
    card?.focus();
  };
  return (
    <div className="selection-bar" data-testid="selection-bar">
      <div>
        {hold ? (
          <p className="countdown" role="timer" aria-live="off">
            {t('hold.expiresIn', {
              time: duration(Math.max(0, Math.round((Date.parse(hold.expiresAt) - now) / 1000))),
            })}
          </p>
        ) : (
          <p>{props.count > 0 ? t('seats.selectedCount', { n: props.count }) : t('seats.sectionsHint')}</p>
        )}
        {(hold || props.count > 0) && (
          <p className="total">
            {t('seats.total')}: <strong>{money(hold ? hold.amount : props.total, props.currency)}</strong>
          </p>
        )}
      </div>
      {hold ? (
        <button type="button" onClick={toCheckout}>
          {t('seats.toCheckout')}
        </button>
      ) : (
        <button type="button" disabled={!props.canHold} onClick={props.onHold}>
          {t('seats.hold')}
        </button>
      )}
    </div>
  );
}

import { useI18n } from '../../i18n';
import type { Left } from '../../seatmap/counts';
import type { SeatIndex } from '../../seatmap/model';
import { gradeColour, SELECTED_COLOUR, TAKEN_COLOUR } from '../../seatmap/colours';

/**
 * What the colours of the map mean, above it: a swatch, the price and what is left per grade, then sold
 * seats (grey with a cross, as on the map), the selection and wheelchair places.
 */
export function Legend({
  index,
  left,
  priceOf,
  currency,
}: {
  index: SeatIndex;
  left: Left;
  priceOf: Map<string, number>;
  currency: string;
}) {
  const { t, money } = useI18n();
  return (
    <ul className="legend" aria-label={t('seats.legend')}>
      {index.grades.map((grade, g) => (
        <li key={grade}>
          <span className="swatch" style={{ background: gradeColour(g) }} />
          <strong>{grade}</strong>
          {priceOf.has(grade) && <span> {money(priceOf.get(grade)!, currency)}</span>}
          <span className="muted">
            {' '}
            ·{' '}
            {left.grades[g]! > 0
              ? t('seats.left', { n: left.grades[g]!.toLocaleString() })
              : t('seats.soldOut')}
          </span>
        </li>
      ))}
      <li>
        <span className="swatch swatch-taken" style={{ background: TAKEN_COLOUR }} />
        {t('seats.unavailable')}
      </li>
      <li>
        <span className="swatch" style={{ background: SELECTED_COLOUR }} />
        {t('seats.selected')}
      </li>
      <li>
        <span className="swatch swatch-accessible" style={{ background: gradeColour(0) }} />
        {t('seats.accessible')}
      </li>
    </ul>
  );
}

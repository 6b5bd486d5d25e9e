import { useI18n } from '../../i18n';
import type { SeatIndex } from '../../seatmap/model';
import { GRADE_COLOURS, SELECTED_COLOUR, TAKEN_COLOUR } from '../../seatmap/colours';

/** What the colours of the map mean: a swatch and price per grade, taken seats and the selection. */
export function Legend({
  index,
  priceOf,
  currency,
}: {
  index: SeatIndex;
  priceOf: Map<string, number>;
  currency: string;
}) {
  const { t, money } = useI18n();
  return (
    <ul className="legend" aria-label={t('seats.legend')}>
      {index.grades.map((grade, g) => (
        <li key={grade}>
          <span className="swatch" style={{ background: GRADE_COLOURS[g % GRADE_COLOURS.length] }} />
          {grade}
          {priceOf.has(grade) && <span className="muted"> {money(priceOf.get(grade)!, currency)}</span>}
        </li>
      ))}
      <li>
        <span className="swatch" style={{ background: TAKEN_COLOUR }} />
        {t('seats.unavailable')}
      </li>
      <li>
        <span className="swatch" style={{ background: SELECTED_COLOUR }} />
        {t('seats.selected')}
      </li>
    </ul>
  );
}

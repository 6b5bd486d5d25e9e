import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import type { Left } from '../../seatmap/counts';
import type { SeatIndex } from '../../seatmap/model';
import { Field } from '../../ui';

/**
 * Standing areas, bought by quantity (POST …/holds {area, quantity}): its places are all alike, so the
 * buyer says how many, not which. Tapping an area on the map brings its row here into view, focused.
 */
export function StandingPick(props: {
  index: SeatIndex;
  left: Left;
  priceText: (grade: string) => string;
  max: number;
  disabled: boolean;
  /** The area last chosen on the map (a place number), to bring into view. */
  chosen: { place: number; at: number } | null;
  onHold: (area: string, quantity: number) => void;
}) {
  const { t } = useI18n();
  const areas = props.index.places.map((place, p) => ({ place, p })).filter(({ place }) => place.standing);
  if (areas.length === 0) return null;
  return (
    <div className="standing-pick">
      <h3>{t('seats.standingTitle')}</h3>
      {areas.map(({ place, p }) => (
        <AreaRow
          key={place.name}
          name={place.name}
          grade={props.index.grades[place.grade]!}
          price={props.priceText(props.index.grades[place.grade]!)}
          left={props.left.places[p]!}
          max={props.max}
          disabled={props.disabled}
          focusAt={props.chosen?.place === p ? props.chosen.at : 0}
          onHold={(quantity) => props.onHold(place.name, quantity)}
        />
      ))}
    </div>
  );
}

function AreaRow(props: {
  name: string;
  grade: string;
  price: string;
  left: number;
  max: number;
  disabled: boolean;
  focusAt: number;
  onHold: (quantity: number) => void;
}) {
  const { t } = useI18n();
  const [quantity, setQuantity] = useState(1);
  const select = useRef<HTMLSelectElement>(null);
  const most = Math.max(1, Math.min(props.max, props.left));
  useEffect(() => {
    if (props.focusAt === 0 || !select.current) return;
    select.current.scrollIntoView({ block: 'center' });
    select.current.focus();
  }, [props.focusAt]);
  return (
    <form
      className="area-row"
      aria-label={props.name}
      onSubmit={(event) => {
        event.preventDefault();
        props.onHold(Math.min(quantity, most));
      }}
    >
      <p>
        <strong>{props.name}</strong> · {props.grade} {props.price} ·{' '}
        {props.left > 0 ? t('seats.left', { n: props.left.toLocaleString() }) : t('seats.soldOut')}
      </p>
      <div className="inline-fields">
        <Field label={t('seats.quantity')}>
          <select ref={select} value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
            {Array.from({ length: most }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                {i + 1}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="secondary" disabled={props.disabled || props.left === 0}>
          {t('seats.standingHold', { n: quantity })}
        </button>
      </div>
    </form>
  );
}

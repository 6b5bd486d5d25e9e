import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { Field } from '../../ui';

/** "Best available": a grade and a quantity instead of seats picked on the map. */
export function QuickPick(props: {
  grades: string[];
  max: number;
  disabled: boolean;
  onPick: (grade: string, quantity: number) => void;
}) {
  const { t } = useI18n();
  const [grade, setGrade] = useState(props.grades[0] ?? '');
  const [quantity, setQuantity] = useState(Math.min(2, props.max));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onPick(grade, quantity);
  };
  return (
    <form className="quick-pick" onSubmit={submit}>
      <h3>{t('seats.quickPick')}</h3>
      <div className="inline-fields">
        <Field label={t('seats.grade')}>
          <select value={grade} onChange={(e) => setGrade(e.target.value)}>
            {props.grades.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </Field>
        <Field label={t('seats.quantity')}>
          <select value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
            {Array.from({ length: props.max }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                {i + 1}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <button type="submit" className="secondary" disabled={props.disabled}>
        {t('seats.pick')}
      </button>
    </form>
  );
}

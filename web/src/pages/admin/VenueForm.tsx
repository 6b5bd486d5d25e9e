import { useDeferredValue, useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { planSeats, type LayoutInput } from '@tmomi/contract/layout';
import { ApiError, client } from '../../api';
import { useI18n } from '../../i18n';
import { indexSeatMap } from '../../seatmap/model';
import { SeatCanvas } from '../../seatmap/SeatCanvas';
import { useManagedOrganizations } from '../../session';
import { ErrorNote, Field } from '../../ui';
import { VenueFields } from '../../venue-editor/VenueFields';

interface SectionDraft {
  key: number;
  name: string;
  grade: string;
  rows: string;
  seatsPerRow: string;
  rowSizes: string;
}

const NO_SEATS = new Set<number>();
let nextKey = 1;
const draft = (name: string, grade: string, rows: number, seatsPerRow: number): SectionDraft => ({
  key: nextKey++,
  name,
  grade,
  rows: String(rows),
  seatsPerRow: String(seatsPerRow),
  rowSizes: '',
});

/** The compact layout of DESIGN.md from the form: a row count and seats per row, or each row's size. */
function toLayout(name: string, address: string, sections: SectionDraft[]): LayoutInput {
  return {
    name,
    ...(address ? { address } : {}),
    sections: sections.map((s) => {
      const sizes = s.rowSizes
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
      return sizes.length > 0
        ? {
            name: s.name,
            grade: s.grade,
            rows: sizes.map((seats, i) => ({ label: String(i + 1), seats })),
          }
        : { name: s.name, grade: s.grade, rows: Number(s.rows), seatsPerRow: Number(s.seatsPerRow) };
    }),
  };
}

/** The API's bounds on rows and seats (src/contract/catalog.ts), checked before planning a preview. */
function withinLimits(layout: LayoutInput): boolean {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 500;
  return layout.sections.every((s) =>
    typeof s.rows === 'number'
      ? ok(s.rows) && ok(s.seatsPerRow ?? 0)
      : s.rows.length <= 500 && s.rows.every((r) => ok(r.seats)),
  );
}

export default function VenueForm() {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [sections, setSections] = useState<SectionDraft[]>(() => [
    draft('A', 'VIP', 5, 20),
    draft('B', 'R', 10, 30),
  ]);
  const [error, setError] = useState<unknown>(null);
  const managed = useManagedOrganizations();
  const [organization, setOrganization] = useState<string | undefined>(undefined);
  const [created, setCreated] = useState<{ id: string; seatCount: number } | null>(null);
  const layout = useDeferredValue(
    useMemo(() => toLayout(name, address, sections), [name, address, sections]),
  );

  // The preview runs the server's own planner, so what is drawn is what will be created.
  const preview = useMemo(() => {
    if (!withinLimits(layout)) return { index: null, problem: new ApiError(400, 'VALIDATION_FAILED', '') };
    try {
      const plan = planSeats(layout);
      return { index: indexSeatMap(plan), problem: null };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        index: null,
        problem: new ApiError(422, typeof code === 'string' ? code : 'INVALID_LAYOUT', ''),
      };
    }
  }, [layout]);

  const update = (key: number, patch: Partial<SectionDraft>) =>
    setSections((all) => all.map((s) => (s.key === key ? { ...s, ...patch } : s)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const organizationId = organization ?? managed[0]?.id;
      setCreated(
        await client.venues.create({
          ...toLayout(name, address, sections),
          ...(organizationId ? { organizationId } : {}),
        }),
      );
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <h1>{t('admin.newVenue')}</h1>
      <p>
        <Link to="/admin/venues/editor">{t('editor.open')}</Link>
      </p>
      <div className="two-columns">
        <form className="stack" onSubmit={(e) => void submit(e)}>
          <VenueFields
            name={name}
            address={address}
            organizationId={organization ?? managed[0]?.id}
            managed={managed}
            onName={setName}
            onAddress={setAddress}
            onOrganization={setOrganization}
          />
          <fieldset>
            <legend>{t('admin.sections')}</legend>
            {sections.map((s) => (
              <div key={s.key} className="section-row">
                <Field label={t('admin.section')}>
                  <input required value={s.name} onChange={(e) => update(s.key, { name: e.target.value })} />
                </Field>
                <Field label={t('admin.grade')}>
                  <input
                    required
                    value={s.grade}
                    onChange={(e) => update(s.key, { grade: e.target.value })}
                  />
                </Field>
                <Field label={t('admin.rows')}>
                  <input
                    type="number"
                    min={1}
                    max={500}
                    value={s.rows}
                    disabled={s.rowSizes.trim() !== ''}
                    onChange={(e) => update(s.key, { rows: e.target.value })}
                  />
                </Field>
                <Field label={t('admin.seatsPerRow')}>
                  <input
                    type="number"
                    min={1}
                    max={500}
                    value={s.seatsPerRow}
                    disabled={s.rowSizes.trim() !== ''}
                    onChange={(e) => update(s.key, { seatsPerRow: e.target.value })}
                  />
                </Field>
                <Field label={t('admin.rowSizes')}>
                  <input value={s.rowSizes} onChange={(e) => update(s.key, { rowSizes: e.target.value })} />
                </Field>
                <button
                  type="button"
                  className="link"
                  disabled={sections.length === 1}
                  onClick={() => setSections((all) => all.filter((x) => x.key !== s.key))}
                >
                  {t('admin.removeSection', { name: s.name })}
                </button>
              </div>
            ))}
            <button
              type="button"
              className="secondary"
              onClick={() =>
                setSections((all) => [...all, draft(String.fromCharCode(65 + all.length), 'S', 10, 20)])
              }
            >
              {t('admin.addSection')}
            </button>
          </fieldset>
          <ErrorNote error={error} />
          {created && (
            <p className="note" role="status">
              {t('admin.venueCreated', { n: created.seatCount.toLocaleString() })}{' '}
              <Link to="/admin/events/new">{t('admin.newEvent')}</Link>
            </p>
          )}
          <button type="submit">{t('admin.createVenue')}</button>
        </form>
        <div>
          <h2>
            {t('admin.preview')}
            {preview.index && (
              <span className="muted">
                {' '}
                · {t('common.seats', { n: preview.index.seatCount.toLocaleString() })}
              </span>
            )}
          </h2>
          {preview.index ? (
            <SeatCanvas index={preview.index} bits={null} selected={NO_SEATS} label={t('admin.preview')} />
          ) : (
            <ErrorNote error={preview.problem} />
          )}
        </div>
      </div>
    </section>
  );
}

import { useState } from 'react';
import { MAX_COORDINATE } from '@tmomi/contract/venues';
import type { AreaInput, LabelInput, StageInput } from '@tmomi/contract/layout';
import { useI18n } from '../i18n';
import { Field } from '../ui';
import { resizeRows, updatePart, type Draft, type DraftSection, type Part } from './draft';

/**
 * A number typed in a field: applied as soon as it reads as a number (the arrow keys step it), the
 * text kept while the organizer types (an empty field, a lone minus sign) and shown afresh after.
 * Out-of-range values are applied too, and the check beside the plan names the field.
 */
export function NumberField(props: {
  label: string;
  value: number;
  onValue: (n: number) => void;
  min?: number;
  max?: number;
  /** 1 for counts; left out, any number (the browser then refuses none, and arrows step by 1). */
  step?: number;
}) {
  const [typing, setTyping] = useState<string | null>(null);
  return (
    <Field label={props.label}>
      <input
        type="number"
        inputMode="decimal"
        min={props.min}
        max={props.max}
        step={props.step ?? 'any'}
        value={typing ?? String(props.value)}
        onChange={(e) => {
          setTyping(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(n)) props.onValue(n);
        }}
        onBlur={() => setTyping(null)}
      />
    </Field>
  );
}

const C = MAX_COORDINATE;

/** The fields of the selected part: its name and grade, place and turn, and what shapes it. */
export function Inspector({
  draft,
  part,
  onDraft,
}: {
  draft: Draft;
  part: Part;
  onDraft: (draft: Draft) => void;
}) {
  const { t } = useI18n();
  const set = <T extends object>(patch: Partial<T>) => onDraft(updatePart<T>(draft, part, patch));
  const text = (label: string, value: string, on: (v: string) => void) => (
    <Field label={label}>
      <input value={value} onChange={(e) => on(e.target.value)} />
    </Field>
  );
  const num = (label: string, value: number, on: (n: number) => void, min = -C, max = C, step?: number) => (
    <NumberField label={label} value={value} onValue={on} min={min} max={max} step={step} />
  );
  const placed = (it: { x: number; y: number; rotation?: number }) => (
    <>
      {num(t('editor.x'), it.x, (x) => set({ x }))}
      {num(t('editor.y'), it.y, (y) => set({ y }))}
      {num(t('editor.rotation'), it.rotation ?? 0, (rotation) => set({ rotation }), -360, 360)}
    </>
  );

  if (part.kind === 'section') {
    const s = draft.sections[part.index];
    if (!s) return null;
    const rows = s.rows.length;
    const seats = s.rows[0]?.seats ?? 1;
    const curve = s.curve?.angle !== undefined ? 'angle' : s.curve?.radius !== undefined ? 'radius' : 'none';
    return (
      <div className="inline-fields">
        {text(t('editor.name'), s.name, (name) => set<DraftSection>({ name }))}
        {text(t('admin.grade'), s.grade, (grade) => set<DraftSection>({ grade }))}
        {num(t('admin.rows'), rows, (n) => set<DraftSection>({ rows: resizeRows(s, n, seats) }), 1, 500, 1)}
        {num(
          t('admin.seatsPerRow'),
          seats,
          (n) => set<DraftSection>({ rows: resizeRows(s, rows, n) }),
          1,
          500,
          1,
        )}
        {placed(s)}
        <Field label={t('editor.curve')}>
          <select
            value={curve}
            onChange={(e) => {
              const next = e.target.value;
              // A new curve starts gentle: the front row on a circle twice its own length round.
              const radius = Math.max(5, Math.round((2 * seats) / Math.PI));
              set<DraftSection>({
                curve: next === 'radius' ? { radius } : next === 'angle' ? { angle: 60 } : undefined,
              });
            }}
          >
            <option value="none">{t('editor.straight')}</option>
            <option value="radius">{t('editor.byRadius')}</option>
            <option value="angle">{t('editor.byAngle')}</option>
          </select>
        </Field>
        {s.curve?.radius !== undefined &&
          num(
            t('editor.radius'),
            s.curve.radius,
            (radius) => set<DraftSection>({ curve: { radius } }),
            1,
            100_000,
          )}
        {s.curve?.angle !== undefined &&
          num(t('editor.angle'), s.curve.angle, (angle) => set<DraftSection>({ curve: { angle } }), 1, 360)}
      </div>
    );
  }
  if (part.kind === 'standing') {
    const a = draft.standing[part.index];
    if (!a) return null;
    return (
      <div className="inline-fields">
        {text(t('editor.name'), a.name, (name) => set<AreaInput>({ name }))}
        {text(t('admin.grade'), a.grade, (grade) => set<AreaInput>({ grade }))}
        {num(t('editor.capacity'), a.capacity, (capacity) => set<AreaInput>({ capacity }), 1, 100_000, 1)}
        {placed(a)}
        {num(t('editor.width'), a.width, (width) => set<AreaInput>({ width }), 0.5, 2 * C)}
        {num(t('editor.height'), a.height, (height) => set<AreaInput>({ height }), 0.5, 2 * C)}
      </div>
    );
  }
  if (part.kind === 'stage') {
    const s = draft.stage;
    if (!s) return null;
    return (
      <div className="inline-fields">
        {text(t('editor.text'), s.label ?? 'STAGE', (label) => set<StageInput>({ label }))}
        <Field label={t('editor.shape')}>
          <select
            value={s.shape ?? 'rect'}
            onChange={(e) => set<StageInput>({ shape: e.target.value === 'ellipse' ? 'ellipse' : 'rect' })}
          >
            <option value="rect">{t('editor.rect')}</option>
            <option value="ellipse">{t('editor.ellipse')}</option>
          </select>
        </Field>
        {placed(s)}
        {num(t('editor.width'), s.width, (width) => set<StageInput>({ width }), 0.5, 2 * C)}
        {num(t('editor.height'), s.height, (height) => set<StageInput>({ height }), 0.5, 2 * C)}
      </div>
    );
  }
  const l = draft.labels[part.index];
  if (!l) return null;
  return (
    <div className="inline-fields">
      {text(t('editor.text'), l.text, (value) => set<LabelInput>({ text: value }))}
      {placed(l)}
      {num(t('editor.size'), l.size ?? 1, (size) => set<LabelInput>({ size }), 0.5, 100)}
    </div>
  );
}

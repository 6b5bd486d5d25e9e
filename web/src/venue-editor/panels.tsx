import type { SeatPlan } from '@tmomi/contract/layout';
import { useI18n } from '../i18n';
import { removePart, type Draft, type Mark, type Part } from './draft';
import { Inspector } from './Inspector';
import { markSeats } from './select';

/** The selected seats: how many, and the marks to give them (or take off). */
export function SeatPanel({
  draft,
  plan,
  seats,
  onDraft,
  onClear,
}: {
  draft: Draft;
  plan: SeatPlan;
  seats: ReadonlySet<number>;
  onDraft: (draft: Draft) => void;
  onClear: () => void;
}) {
  const { t } = useI18n();
  const marks: [Mark | 'clear', Parameters<typeof t>[0]][] = [
    ['accessible', 'editor.markAccessible'],
    ['companion', 'editor.markCompanion'],
    ['blocked', 'editor.markBlocked'],
    ['clear', 'editor.clearMarks'],
  ];
  return (
    <fieldset>
      <legend>{t('editor.selected', { n: seats.size })}</legend>
      <div className="row-buttons">
        {marks.map(([mark, key]) => (
          <button
            key={mark}
            type="button"
            className="secondary"
            disabled={seats.size === 0}
            onClick={() => onDraft(markSeats(draft, plan, seats, mark))}
          >
            {t(key)}
          </button>
        ))}
        <button type="button" className="link" disabled={seats.size === 0} onClick={onClear}>
          {t('editor.clearSelection')}
        </button>
      </div>
      <ul className="editor-legend">
        <li className="legend-accessible">{t('editor.legendAccessible')}</li>
        <li className="legend-companion">{t('editor.legendCompanion')}</li>
        <li className="legend-blocked">{t('editor.legendBlocked')}</li>
        <li className="legend-selected">{t('editor.legendSelected')}</li>
      </ul>
    </fieldset>
  );
}

/** The selected part's name as a heading, its fields, and its removal. */
export function PartPanel({
  draft,
  part,
  onDraft,
  onPart,
}: {
  draft: Draft;
  part: Part | undefined;
  onDraft: (draft: Draft) => void;
  onPart: (part: Part | undefined) => void;
}) {
  const { t } = useI18n();
  const title = part && titleOf(part);
  return (
    <fieldset>
      <legend>{title ?? t('editor.edit')}</legend>
      {part && title ? (
        <>
          <Inspector draft={draft} part={part} onDraft={onDraft} />
          <button
            type="button"
            className="link"
            onClick={() => {
              onDraft(removePart(draft, part));
              onPart(undefined);
            }}
          >
            {t('editor.remove', { part: title })}
          </button>
        </>
      ) : (
        <p className="muted">{t('editor.nothingSelected')}</p>
      )}
    </fieldset>
  );

  function titleOf(p: Part): string | undefined {
    if (p.kind === 'stage') return draft.stage && t('editor.part.stage');
    if (p.kind === 'label')
      return draft.labels[p.index] && t('editor.part.label', { name: draft.labels[p.index]!.text });
    const it = p.kind === 'section' ? draft.sections[p.index] : draft.standing[p.index];
    return it && t(p.kind === 'section' ? 'editor.part.section' : 'editor.part.standing', { name: it.name });
  }
}

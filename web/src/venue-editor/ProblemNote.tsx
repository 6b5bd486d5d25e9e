import { ApiError } from '../api';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/en';
import type { Problem } from './check';
import type { Draft } from './draft';

const PART_KEYS: Record<string, MessageKey> = {
  sections: 'editor.part.section',
  standing: 'editor.part.standing',
  labels: 'editor.part.label',
};

/**
 * What a layout is refused for, as the organizer reads it: the error's sentence (or, for an overlap,
 * the two parts by name), and where — the part by its name, its row by its label, and the API's own
 * field in brackets (`sections.1.rows.0.seats`).
 */
export function ProblemNote({ problem, draft }: { problem: Problem; draft: Draft }) {
  const { t, errorText } = useI18n();
  const sentence =
    problem.code === 'SECTIONS_OVERLAP' && problem.parts
      ? t('editor.overlap', { a: problem.parts[0], b: problem.parts[1] })
      : errorText(new ApiError(422, problem.code, ''));
  const where = problem.field ? describeField(problem.field) : null;
  return (
    <div className="note note-error" role="alert" data-field={problem.field ?? ''}>
      <span>{sentence}</span>
      {where && (
        <span>
          {' '}
          {t('editor.at', { where })} <code>({problem.field})</code>
          {problem.reason && problem.code !== 'SECTIONS_OVERLAP' ? ` — ${problem.reason}` : ''}
        </span>
      )}
    </div>
  );

  function describeField(field: string): string {
    const [list, index, rows, row, ...rest] = field.split('.');
    if (list === 'stage')
      return [t('editor.part.stage'), index, rows, row, ...rest].filter(Boolean).join(' · ');
    const key = list && PART_KEYS[list];
    if (!key || index === undefined) return field;
    const i = Number(index);
    const it =
      list === 'sections' ? draft.sections[i] : list === 'standing' ? draft.standing[i] : draft.labels[i];
    const name = it ? ('name' in it ? it.name : it.text) : `#${i + 1}`;
    const words = [t(key, { name })];
    if (rows === 'rows' && row !== undefined) {
      const label = list === 'sections' ? draft.sections[i]?.rows[Number(row)]?.label : undefined;
      words.push(t('editor.rowOf', { n: label ?? Number(row) + 1 }));
    } else if (rows) words.push(rows);
    return [...words, ...rest].join(' · ');
  }
}

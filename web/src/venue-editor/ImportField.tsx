import { useI18n } from '../i18n';
import { Field } from '../ui';
import { fromBody, type Draft } from './draft';
import { MAX_LAYOUT_MB, readLayoutFile, sizeInMb, type FileProblem } from './files';
import { ProblemNote } from './ProblemNote';

/** What the last file (imported, or refused before upload) came to. */
export type FileNote = FileProblem | { kind: 'imported'; name: string; converted: boolean };

const NO_PARTS: Draft = { sections: [], standing: [], labels: [] };

/**
 * Picks a layout file and reads it into the editor: one over the size limit is refused before it is
 * read (nothing is sent), one the API's schema would refuse is named by its field, a compact layout is
 * placed on the plan where its drawing had it.
 */
export function ImportField({
  onNote,
  onImported,
}: {
  onNote: (note: FileNote) => void;
  onImported: (loaded: { name: string; address: string; draft: Draft }) => void;
}) {
  const { t } = useI18n();
  const load = async (file: File) => {
    const read = await readLayoutFile(file);
    if (!('body' in read)) return onNote(read);
    const loaded = fromBody(read.body);
    onImported(loaded);
    onNote({ kind: 'imported', name: loaded.name, converted: loaded.converted });
  };
  return (
    <Field label={t('editor.import')}>
      <input
        type="file"
        accept=".json,application/json"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void load(file);
        }}
      />
    </Field>
  );
}

export function FileNoteView({ note }: { note: FileNote }) {
  const { t } = useI18n();
  if (note.kind === 'imported')
    return (
      <p className="note" role="status">
        {t('editor.imported', { name: note.name })} {note.converted ? t('editor.converted') : ''}
      </p>
    );
  if (note.kind === 'invalid') return <ProblemNote problem={note.problem} draft={NO_PARTS} />;
  return (
    <p className="note note-error" role="alert" data-file-problem={note.kind}>
      {note.kind === 'not-json'
        ? t('editor.notJson')
        : t('editor.tooLarge', { size: sizeInMb(note.bytes), max: MAX_LAYOUT_MB })}
    </p>
  );
}

import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { MAX_LAYOUT_BYTES } from '@tmomi/contract/venues';
import type { Venue } from '@tmomi/contract/catalog';
import { ApiError, client } from '../../api';
import { useI18n } from '../../i18n';
import { useManagedOrganizations } from '../../session';
import { ErrorNote } from '../../ui';
import { preview, problemOf, type Preview, type Problem } from '../../venue-editor/check';
import { addPart, placePart, starterDraft, toBody, type Draft, type Part } from '../../venue-editor/draft';
import { EditorCanvas, type Mode } from '../../venue-editor/EditorCanvas';
import { bodyBytes, downloadJson, fileNameOf } from '../../venue-editor/files';
import { FileNoteView, ImportField, type FileNote } from '../../venue-editor/ImportField';
import { PartPanel, SeatPanel } from '../../venue-editor/panels';
import { ProblemNote } from '../../venue-editor/ProblemNote';
import { VenueFields } from '../../venue-editor/VenueFields';
import '../../venue-editor/editor.css';

/**
 * The venue editor (issue 20): a version 2 layout drawn on a plan — sections dragged, turned and
 * curved, the stage, standing areas and labels, seats marked by selection — with the live count and
 * the server's own checks (schema, planner, overlaps) run as the organizer edits; a layout file
 * imported, the draft downloaded, and the saved venue's layout exported.
 */
export default function VenueEditor() {
  const { t } = useI18n();
  const managed = useManagedOrganizations();
  const [organization, setOrganization] = useState<string | undefined>(undefined);
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [draft, setDraft] = useState<Draft>(starterDraft);
  const [part, setPart] = useState<Part | undefined>({ kind: 'section', index: 0 });
  const [seats, setSeats] = useState<ReadonlySet<number>>(new Set());
  const [mode, setMode] = useState<Mode>('move');
  const [note, setNote] = useState<FileNote | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saveProblem, setSaveProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<Venue | null>(null);

  // The name is checked by the field itself; the preview runs while it is still empty.
  const checked = useMemo(
    () => preview(toBody(name.trim() || 'venue', address, draft)),
    [name, address, draft],
  );
  // While the draft cannot be planned (a field being typed), the last plan that could stays drawn.
  const [lastGood, setLastGood] = useState<Preview | null>(null);
  if (checked.plan && lastGood !== checked) setLastGood(checked);
  const shown = checked.plan ? checked : lastGood;
  const problem = checked.problem;
  const overlapping = new Set(
    problem?.code === 'SECTIONS_OVERLAP' ? [problem.field ?? '', problem.overlaps ?? ''] : [],
  );

  const edit = (next: Draft) => {
    // Seats are selected by number: rows resized, added or removed renumber them.
    if (rowShapes(next) !== rowShapes(draft)) setSeats(new Set());
    setDraft(next);
    setCreated(null);
    setSaveProblem(null);
  };
  const add = (kind: Part['kind']) => {
    const b = shown?.plan?.bounds ?? { x: 0, y: 0, width: 0, height: 0 };
    const made = addPart(draft, kind, b.x + b.width / 2, b.y + b.height + 3, t('editor.newLabel'));
    edit(made.draft);
    setPart(made.part);
    setMode('move');
  };
  const pickSeats = (picked: number[], how: 'replace' | 'add' | 'toggle') =>
    setSeats((now) => {
      if (how === 'replace') return new Set(picked);
      const next = new Set(now);
      for (const s of picked) {
        if (how === 'toggle' && next.has(s)) next.delete(s);
        else next.add(s);
      }
      return next;
    });
  const imported = (loaded: { name: string; address: string; draft: Draft }) => {
    setName(loaded.name);
    setAddress(loaded.address);
    edit(loaded.draft);
    setPart(undefined);
    setSeats(new Set());
  };

  const organizationId = organization ?? managed[0]?.id;
  const body = () => ({
    ...toBody(name.trim(), address, draft),
    ...(organizationId ? { organizationId } : {}),
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaveError(null);
    setSaveProblem(null);
    const sent = body();
    const bytes = bodyBytes(sent);
    if (bytes > MAX_LAYOUT_BYTES) return setNote({ kind: 'too-large', bytes });
    // What the server would refuse is shown beside the plan already; it is not sent.
    if (problem) return setSaveProblem(problem);
    try {
      setCreated(await client.venues.create(sent));
    } catch (err) {
      setSaveError(err);
      if (err instanceof ApiError && err.details?.field) setSaveProblem(problemOf(err));
    }
  };

  const plan = shown?.plan;
  const standing = (plan?.standing ?? []).reduce((n, a) => n + a.capacity, 0);
  const total = plan?.seatCount ?? 0;
  return (
    <section className="venue-editor">
      <h1>{t('editor.title')}</h1>
      <p>
        <Link to="/admin/venues/new">{t('editor.simpleForm')}</Link>
      </p>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <div className="inline-fields">
          <VenueFields
            name={name}
            address={address}
            organizationId={organizationId}
            managed={managed}
            onName={setName}
            onAddress={setAddress}
            onOrganization={setOrganization}
          />
        </div>
        <div className="editor-toolbar">
          <div role="group" aria-label={t('editor.mode')} className="row-buttons">
            {(['move', 'seats'] as const).map((m) => (
              <button
                key={m}
                type="button"
                className={mode === m ? '' : 'secondary'}
                aria-pressed={mode === m}
                onClick={() => setMode(m)}
              >
                {t(m === 'move' ? 'editor.modeMove' : 'editor.modeSeats')}
              </button>
            ))}
          </div>
          <div role="group" aria-label={t('editor.add')} className="row-buttons">
            <span className="muted">{t('editor.add')}:</span>
            {(
              [
                ['section', 'editor.addSection'],
                ['standing', 'editor.addArea'],
                ['stage', 'editor.addStage'],
                ['label', 'editor.addLabel'],
              ] as const
            ).map(([kind, key]) => (
              <button
                key={kind}
                type="button"
                className="secondary"
                disabled={kind === 'stage' && draft.stage !== undefined}
                onClick={() => add(kind)}
              >
                {t(key)}
              </button>
            ))}
          </div>
          <ImportField onNote={setNote} onImported={imported} />
          <button
            type="button"
            className="link"
            onClick={() => downloadJson(toBody(name.trim(), address, draft), fileNameOf(name))}
          >
            {t('editor.download')}
          </button>
        </div>
        {note && <FileNoteView note={note} />}
        <div className="editor-main">
          <div className="stack">
            <p role="status" className="editor-count" data-seats={total - standing} data-standing={standing}>
              {t('editor.count', {
                seats: (total - standing).toLocaleString(),
                standing: standing.toLocaleString(),
                total: total.toLocaleString(),
              })}
            </p>
            {problem ? (
              <ProblemNote problem={problem} draft={draft} />
            ) : (
              <p className="note" data-field="">
                {t('editor.ok')}
              </p>
            )}
            {plan && shown && (
              <EditorCanvas
                draft={draft}
                plan={plan}
                positions={shown.positions}
                mode={mode}
                part={part}
                seats={seats}
                overlapping={overlapping}
                onPart={setPart}
                onPlace={(p, x, y, rotation) => edit(placePart(draft, p, x, y, rotation))}
                onSeats={pickSeats}
              />
            )}
            <p id="editor-help" className="field-hint">
              {t(mode === 'move' ? 'editor.help' : 'editor.helpSeats')}
            </p>
          </div>
          <aside className="stack">
            {mode === 'seats' && plan && (
              <SeatPanel
                draft={draft}
                plan={plan}
                seats={seats}
                onDraft={edit}
                onClear={() => setSeats(new Set())}
              />
            )}
            <PartPanel draft={draft} part={part} onDraft={edit} onPart={setPart} />
          </aside>
        </div>
        {saveProblem && <ProblemNote problem={saveProblem} draft={draft} />}
        <ErrorNote error={saveProblem ? null : saveError} />
        {created && (
          <p className="note" role="status" data-venue-id={created.id}>
            {t('admin.venueCreated', { n: created.seatCount.toLocaleString() })}{' '}
            <a href={`/api/admin/venues/${created.id}/layout`} download>
              {t('editor.exportSaved')}
            </a>{' '}
            · <Link to="/admin/events/new">{t('admin.newEvent')}</Link>
          </p>
        )}
        <button type="submit">{t('admin.createVenue')}</button>
      </form>
    </section>
  );
}

/** The seats of each row of each section: what seat numbers follow from. */
const rowShapes = (draft: Draft) => draft.sections.map((s) => s.rows.map((r) => r.seats).join(',')).join('|');

import { useState } from 'react';
import { ErrorNote } from '../../../ui';

/**
 * One change at a time on the Team page: while it runs the buttons wait; then its sentence, or its
 * error, is shown, and `after` reloads what it changed.
 */
export function useAction(after: () => void) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    setNote(null);
    setFailure(null);
    try {
      setNote(await work());
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
      after();
    }
  };
  const notes = (
    <>
      {note && (
        <p className="note" role="status">
          {note}
        </p>
      )}
      <ErrorNote error={failure} />
    </>
  );
  return { busy, act, notes };
}

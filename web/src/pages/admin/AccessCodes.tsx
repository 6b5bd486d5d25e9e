import { useState, type FormEvent } from 'react';
import type { CreateCodesBody } from '@tmomi/contract/codes';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Field } from '../../ui';

/**
 * The dashboard's access codes (decision 027): which grades are sold only with a code, the codes with
 * their uses, a form for a named code or a batch of random ones, and the CSV of them all.
 */
export function AccessCodes({ performanceId, eventId }: { performanceId: string; eventId: string }) {
  const { t, money } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const { data, reload } = useLoad(
    async (signal) => {
      const [list, event] = await Promise.all([
        client.codes.list(performanceId, signal),
        client.events.get(eventId, signal),
      ]);
      return { ...list, grades: event.prices.map((p) => p.grade), currency: event.currency };
    },
    [performanceId, eventId],
  );
  if (!data) return null;

  const act = async (call: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNote('');
    try {
      setNote(await call());
      reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const saveGrades = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const grades = new FormData(event.currentTarget).getAll('codeOnly') as string[];
    void act(async () => {
      await client.codes.codeOnlyGrades(performanceId, grades);
      return t('codes.gradesSaved');
    });
  };

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => ((form.get(name) as string | null) ?? '').trim();
    const body: CreateCodesBody = { maxUses: Number(text('maxUses')) };
    if (text('code')) body.code = text('code');
    else body.count = Number(text('count'));
    if (text('percentOff')) body.percentOff = Number(text('percentOff'));
    if (text('amountOff')) body.amountOff = Number(text('amountOff'));
    const unlocks = form.getAll('unlocks') as string[];
    if (unlocks.length > 0) body.grades = unlocks;
    void act(async () => {
      const made = await client.codes.create(performanceId, body);
      return t('codes.created', { n: made.codes.length });
    });
  };

  /** A code's uses in all, from its row's field; 0 (the Stop button) stops it. */
  const setUses = (code: string, maxUses: number) =>
    void act(async () => {
      await client.codes.setMaxUses(performanceId, code, maxUses);
      return maxUses === 0 ? t('codes.stoppedNote', { code }) : t('codes.usesSaved', { code, n: maxUses });
    });

  return (
    <section className="access-codes" aria-labelledby="codes-title">
      <h2 id="codes-title">{t('codes.title')}</h2>
      <p className="muted small">{t('codes.hint')}</p>
      <form className="stack" aria-label={t('codes.codeOnly')} onSubmit={saveGrades}>
        <fieldset>
          <legend>{t('codes.codeOnly')}</legend>
          {data.grades.map((g) => (
            <label key={g} className="check">
              <input
                type="checkbox"
                name="codeOnly"
                value={g}
                defaultChecked={data.codeOnlyGrades.includes(g)}
              />{' '}
              {g}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="secondary" disabled={busy}>
          {t('codes.saveGrades')}
        </button>
      </form>
      <form className="stack" aria-label={t('codes.create')} onSubmit={create}>
        <div className="inline-fields">
          <Field label={t('codes.named')}>
            <input name="code" maxLength={32} autoComplete="off" />
          </Field>
          <Field label={t('codes.count')}>
            <input name="count" type="number" min={1} max={5000} defaultValue={10} />
          </Field>
          <Field label={t('codes.maxUses')}>
            <input name="maxUses" type="number" min={1} defaultValue={1} required />
          </Field>
          <Field label={t('codes.percentOff')}>
            <input name="percentOff" type="number" min={1} max={100} />
          </Field>
          <Field label={t('codes.amountOff')}>
            <input name="amountOff" type="number" min={0} />
          </Field>
        </div>
        <fieldset>
          <legend>{t('codes.unlocks')}</legend>
          {data.grades.map((g) => (
            <label key={g} className="check">
              <input type="checkbox" name="unlocks" value={g} /> {g}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          {t('codes.create')}
        </button>
      </form>
      <ErrorNote error={error} />
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      <p>
        <a href={client.desk.csvUrl(performanceId, 'codes')} download>
          {t('codes.csv')}
        </a>
      </p>
      {data.codes.length === 0 ? (
        <p className="muted">{t('codes.none')}</p>
      ) : (
        <div className="table-scroll">
          <table className="codes-table" data-testid="codes">
            <thead>
              <tr>
                <th>{t('codes.code')}</th>
                <th>{t('codes.used')}</th>
                <th>{t('codes.discount')}</th>
                <th>{t('codes.unlocks')}</th>
                <th>{t('codes.maxUses')}</th>
              </tr>
            </thead>
            <tbody>
              {data.codes.map((c) => (
                <tr key={c.id}>
                  <td>
                    <code>{c.code}</code>
                  </td>
                  <td>
                    {c.used} / {c.maxUses}
                    {c.maxUses === 0 && <span className="badge">{t('codes.stopped')}</span>}
                  </td>
                  <td>
                    {c.percentOff !== null
                      ? `${c.percentOff}%`
                      : c.amountOff !== null
                        ? money(c.amountOff, data.currency)
                        : '—'}
                  </td>
                  <td>{c.grades.join(', ')}</td>
                  <td>
                    <form
                      className="inline-fields"
                      aria-label={`${t('codes.maxUses')} ${c.code}`}
                      onSubmit={(event) => {
                        event.preventDefault();
                        setUses(c.code, Number(new FormData(event.currentTarget).get('maxUses')));
                      }}
                    >
                      <input
                        name="maxUses"
                        type="number"
                        min={0}
                        max={1_000_000}
                        defaultValue={c.maxUses}
                        aria-label={`${t('codes.maxUses')} ${c.code}`}
                        required
                      />
                      <button type="submit" className="secondary" disabled={busy}>
                        {t('codes.setUses')}
                      </button>
                      {c.maxUses > 0 && (
                        <button
                          type="button"
                          className="danger"
                          disabled={busy}
                          onClick={() => setUses(c.code, 0)}
                        >
                          {t('codes.stop')}
                        </button>
                      )}
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

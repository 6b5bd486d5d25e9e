import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Field, Loading } from '../../ui';

const FILTERS = ['actor', 'action', 'target'] as const;

/** The audit log, newest first, filtered by who, what and on which record; the filters live in the address. */
export default function AuditPage() {
  const { t, dateTime } = useI18n();
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page') ?? '1') || 1;
  const filters = Object.fromEntries(FILTERS.flatMap((f) => (params.get(f) ? [[f, params.get(f)!]] : [])));
  const key = params.toString();
  const { data, error, reload } = useLoad(
    (signal) => client.teams.audit({ ...filters, page }, signal),
    [key],
  );
  const [draft, setDraft] = useState<Record<string, string>>(filters);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== '')));
  };
  const go = (to: number) => setParams({ ...filters, page: String(to) });
  const labels = {
    actor: 'audit.filterActor',
    action: 'audit.filterAction',
    target: 'audit.filterTarget',
  } as const;

  return (
    <section>
      <h1>{t('audit.title')}</h1>
      <form onSubmit={apply} className="audit-filters">
        {FILTERS.map((f) => (
          <Field key={f} label={t(labels[f])}>
            <input value={draft[f] ?? ''} onChange={(e) => setDraft({ ...draft, [f]: e.target.value })} />
          </Field>
        ))}
        <button type="submit">{t('audit.filter')}</button>
      </form>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {data?.entries.length === 0 && <p className="muted">{t('audit.empty')}</p>}
      {data && data.entries.length > 0 && (
        <table className="audit-log">
          <thead>
            <tr>
              <th>{t('audit.at')}</th>
              <th>{t('audit.actor')}</th>
              <th>{t('audit.action')}</th>
              <th>{t('audit.target')}</th>
              <th>{t('audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            {data.entries.map((e) => (
              <tr key={e.id} data-testid="audit-entry">
                <td>{dateTime(e.at)}</td>
                <td>{e.actor.email}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.target.type}
                  {e.target.id ? ` ${e.target.id}` : ''}
                </td>
                <td>
                  <details>
                    <summary>{t('audit.details')}</summary>
                    <pre className="mail-body">{JSON.stringify(e.summary, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="row-buttons">
        {page > 1 && (
          <button type="button" className="secondary" onClick={() => go(page - 1)}>
            {t('audit.newer')}
          </button>
        )}
        {data?.more && (
          <button type="button" className="secondary" onClick={() => go(page + 1)}>
            {t('audit.older')}
          </button>
        )}
      </p>
    </section>
  );
}

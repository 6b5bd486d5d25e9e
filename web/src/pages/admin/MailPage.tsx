import { useSearchParams } from 'react-router';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Loading } from '../../ui';

/** Recent email: what was sent, waits or failed — or, without an SMTP server, what would have been. */
export default function MailPage() {
  const { t, dateTime } = useI18n();
  // `?to=` shows one address's mail: what an organizer looks up when a buyer says nothing arrived.
  const [params] = useSearchParams();
  const to = params.get('to') ?? '';
  const { data, error, reload } = useLoad((signal) => client.mail.list(to, signal), [to]);
  return (
    <section>
      <h1>{t('mail.title')}</h1>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {data && !data.delivering && <p className="note">{t('mail.kept')}</p>}
      {data?.messages.length === 0 && <p className="muted">{t('mail.empty')}</p>}
      <ul className="mail-list">
        {data?.messages.map((m) => (
          <li key={m.id} className="card" data-testid="mail-message">
            <h3>{m.subject ?? m.kind}</h3>
            <p className="muted">
              {t('mail.to')}: {m.recipient} · {dateTime(m.createdAt)} ·{' '}
              <strong>{t(`mail.state.${m.state}`)}</strong>
            </p>
            {m.lastError && <p className="muted">{t('mail.lastError', { error: m.lastError })}</p>}
            {m.text && (
              <details>
                <summary>{m.kind}</summary>
                <pre className="mail-body">{m.text}</pre>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

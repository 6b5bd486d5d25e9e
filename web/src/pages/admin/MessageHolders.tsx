import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import type { BroadcastBody } from '@tmomi/contract/mail';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Field } from '../../ui';

type Preview = Awaited<ReturnType<typeof client.mail.preview>>;

/** An organizer writes to every ticket holder of a performance, in both languages: preview, count, send. */
export default function MessageHolders() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const [body, setBody] = useState<BroadcastBody>({ subject: { en: '', ko: '' }, body: { en: '', ko: '' } });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [queued, setQueued] = useState<number | null>(null);
  const history = useLoad((signal) => client.mail.sent(id, signal), [id, queued]);

  const edit = (part: 'subject' | 'body', lang: 'en' | 'ko', value: string) => {
    setBody((b) => ({ ...b, [part]: { ...b[part], [lang]: value } }));
    setPreview(null);
  };
  const ask = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      setPreview(await client.mail.preview(id, body));
    } catch (err) {
      setError(err);
    }
  };
  const send = async () => {
    setError(null);
    try {
      const sent = await client.mail.send(id, body);
      setQueued(sent.recipients);
      setPreview(null);
    } catch (err) {
      setError(err);
    }
  };
  const input = (part: 'subject' | 'body', lang: 'en' | 'ko') =>
    part === 'subject' ? (
      <input
        required
        maxLength={200}
        value={body.subject[lang]}
        onChange={(e) => edit(part, lang, e.target.value)}
      />
    ) : (
      <textarea
        required
        rows={5}
        maxLength={20000}
        value={body.body[lang]}
        onChange={(e) => edit(part, lang, e.target.value)}
      />
    );

  return (
    <section>
      <h1>{t('mail.broadcastTitle')}</h1>
      <form className="stack" onSubmit={(e) => void ask(e)}>
        <Field label={t('mail.subjectKo')}>{input('subject', 'ko')}</Field>
        <Field label={t('mail.bodyKo')}>{input('body', 'ko')}</Field>
        <Field label={t('mail.subjectEn')}>{input('subject', 'en')}</Field>
        <Field label={t('mail.bodyEn')}>{input('body', 'en')}</Field>
        <button type="submit" className="secondary">
          {t('mail.preview')}
        </button>
      </form>
      <ErrorNote error={error} />
      {preview && (
        <div className="card" data-testid="mail-preview">
          <p>{t('mail.recipients', { n: preview.recipients })}</p>
          {(['ko', 'en'] as const).map((lang) => (
            <div key={lang}>
              <h3>{preview[lang].subject}</h3>
              <pre className="mail-body">{preview[lang].text}</pre>
            </div>
          ))}
          <button type="button" onClick={() => void send()}>
            {t('mail.send', { n: preview.recipients })}
          </button>
        </div>
      )}
      {queued !== null && <p role="status">{t('mail.sent', { n: queued })}</p>}
      <h2>{t('mail.history')}</h2>
      <ul>
        {history.data?.broadcasts.map((b) => (
          <li key={b.id} data-testid="broadcast">
            {t('mail.progress', { sent: b.sent, total: b.recipients, pending: b.pending, failed: b.failed })}
          </li>
        ))}
      </ul>
    </section>
  );
}

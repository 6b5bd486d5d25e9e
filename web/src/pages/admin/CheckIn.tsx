import { useRef, useState, type FormEvent } from 'react';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import { ErrorNote, Field } from '../../ui';

/** Door staff type (or a hand scanner "types") the ticket code; the field is ready again at once. */
export default function CheckIn() {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [result, setResult] = useState<{ ok: true } | { ok: false; error: unknown } | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = input.current?.value.trim() ?? '';
    if (!code) return;
    try {
      await client.checkIn({ code });
      setResult({ ok: true });
    } catch (error) {
      setResult({ ok: false, error });
    }
    if (input.current) {
      input.current.value = '';
      input.current.focus();
    }
  };

  return (
    <section className="narrow">
      <h1>{t('admin.checkin')}</h1>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <Field label={t('admin.code')}>
          <input ref={input} name="code" required autoFocus autoComplete="off" />
        </Field>
        <button type="submit">{t('admin.checkinButton')}</button>
      </form>
      {result?.ok && (
        <p className="note note-ok" role="status">
          {t('admin.checkedIn')}
        </p>
      )}
      {result && !result.ok && <ErrorNote error={result.error} />}
    </section>
  );
}

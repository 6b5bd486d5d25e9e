import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import { ErrorNote, Field } from '../../ui';

/** Without a token: ask for a reset link by email. With one (the mailed link): choose the new password. */
export function ResetPasswordPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (form.get('value') as string | null) ?? '';
    setError(null);
    try {
      if (token) await client.auth.confirmReset(token, value);
      else await client.auth.requestReset(value);
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="narrow">
      <h1>{t('mail.resetTitle')}</h1>
      {done ? (
        <p role="status">
          {t(token ? 'mail.resetDone' : 'mail.resetAsked')}{' '}
          {token && <Link to="/login">{t('nav.login')}</Link>}
        </p>
      ) : (
        <form className="stack" onSubmit={(e) => void submit(e)}>
          {token ? (
            <Field label={t('mail.resetNew')} hint={t('auth.passwordHint')}>
              <input name="value" type="password" required minLength={12} autoComplete="new-password" />
            </Field>
          ) : (
            <Field label={t('auth.email')}>
              <input name="value" type="email" required autoComplete="email" />
            </Field>
          )}
          <button type="submit">{t(token ? 'mail.resetSave' : 'mail.resetAsk')}</button>
        </form>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

/** The link mailed at signup: proves the address as soon as it opens. */
export function VerifyEmailPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<{ done: boolean; error: unknown }>({ done: false, error: null });
  useEffect(() => {
    client.auth.verifyEmail(token).then(
      () => setState({ done: true, error: null }),
      (error: unknown) => setState({ done: false, error }),
    );
  }, [token]);
  return (
    <section className="narrow">
      <h1>{t('mail.verifyTitle')}</h1>
      {state.done ? <p role="status">{t('mail.verified')}</p> : !state.error && <p>{t('mail.verifying')}</p>}
      <ErrorNote error={state.error} />
    </section>
  );
}

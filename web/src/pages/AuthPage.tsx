import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { MIN_PASSWORD_LENGTH } from '@tmomi/contract/passwords';
import { ApiError, client } from '../api';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { ErrorNote, Field } from '../ui';

/** Only paths inside the app: `next` comes from the address bar and must not send people elsewhere. */
const safeNext = (next: string | null) => (next?.startsWith('/') && !next.startsWith('//') ? next : '/');

export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const { t, lang } = useI18n();
  const { signedIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // The account has two-factor login: the next attempt sends a code too.
  const [needsCode, setNeedsCode] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => (form.get(name) as string | null) ?? '';
    const credentials = { email: text('email'), password: text('password') };
    const code = text('code').trim();
    const secondFactor = !code ? {} : /^[0-9]{6}$/.test(code) ? { otp: code } : { recoveryCode: code };
    setBusy(true);
    setError(null);
    try {
      const session = await (mode === 'login'
        ? client.auth.login({ ...credentials, ...secondFactor })
        : client.auth.signup({ ...credentials, name: text('name'), locale: lang }));
      signedIn(session.user);
      await navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'TOTP_REQUIRED') setNeedsCode(true);
      else setError(err);
      setBusy(false);
    }
  };

  const other = `${mode === 'login' ? '/signup' : '/login'}${params.get('next') ? `?next=${encodeURIComponent(next)}` : ''}`;
  return (
    <section className="narrow">
      <h1>{t(mode === 'login' ? 'auth.loginTitle' : 'auth.signupTitle')}</h1>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        {mode === 'signup' && (
          <Field label={t('auth.name')}>
            <input name="name" required maxLength={100} autoComplete="name" />
          </Field>
        )}
        <Field label={t('auth.email')}>
          <input name="email" type="email" required autoComplete="email" />
        </Field>
        <Field label={t('auth.password')} hint={mode === 'signup' ? t('auth.passwordHint') : undefined}>
          <input
            name="password"
            type="password"
            required
            minLength={mode === 'signup' ? MIN_PASSWORD_LENGTH : 1}
            autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
          />
        </Field>
        {needsCode && (
          <Field label={t('auth.code')} hint={t('auth.codeHint')}>
            <input
              name="code"
              required
              autoComplete="one-time-code"
              inputMode="text"
              maxLength={11}
              autoFocus
            />
          </Field>
        )}
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {t(mode === 'login' ? 'auth.login' : 'auth.signup')}
        </button>
      </form>
      <p className="muted">
        {t(mode === 'login' ? 'auth.noAccount' : 'auth.haveAccount')}{' '}
        <Link to={other}>{t(mode === 'login' ? 'nav.signup' : 'nav.login')}</Link>
      </p>
      {mode === 'login' && (
        <p className="muted">
          <Link to="/reset-password">{t('mail.forgot')}</Link>
        </p>
      )}
    </section>
  );
}

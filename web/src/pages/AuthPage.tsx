import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { MIN_PASSWORD_LENGTH } from '@tmomi/contract/passwords';
import { client } from '../api';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { ErrorNote, Field } from '../ui';

/** Only paths inside the app: `next` comes from the address bar and must not send people elsewhere. */
const safeNext = (next: string | null) => (next?.startsWith('/') && !next.startsWith('//') ? next : '/');

export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const { t } = useI18n();
  const { signedIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => (form.get(name) as string | null) ?? '';
    const credentials = { email: text('email'), password: text('password') };
    setBusy(true);
    setError(null);
    try {
      const session = await (mode === 'login'
        ? client.auth.login(credentials)
        : client.auth.signup({ ...credentials, name: text('name') }));
      signedIn(session.user);
      await navigate(next, { replace: true });
    } catch (err) {
      setError(err);
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
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {t(mode === 'login' ? 'auth.login' : 'auth.signup')}
        </button>
      </form>
      <p className="muted">
        {t(mode === 'login' ? 'auth.noAccount' : 'auth.haveAccount')}{' '}
        <Link to={other}>{t(mode === 'login' ? 'nav.signup' : 'nav.login')}</Link>
      </p>
    </section>
  );
}

import { useState, type FormEvent } from 'react';
import { MIN_PASSWORD_LENGTH } from '@tmomi/contract/passwords';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { ErrorNote, Field } from '../../ui';
import { TwoFactor } from './TwoFactor';

/** The account: who is logged in, and a password change (which logs every other device out). */
export function AccountPage() {
  const { t } = useI18n();
  const { user, signedIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [changed, setChanged] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => (form.get(name) as string | null) ?? '';
    setBusy(true);
    setError(null);
    setChanged(false);
    try {
      // The answer is this device's new session (its cookie set by the server).
      const session = await client.auth.changePassword({
        currentPassword: text('currentPassword'),
        newPassword: text('newPassword'),
      });
      signedIn(session.user);
      formElement.reset();
      setChanged(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t('account.title')}</h1>
      <p className="muted">
        {user?.name} · {user?.email}
      </p>
      <h2>{t('account.passwordTitle')}</h2>
      <p className="muted">{t('account.passwordNote')}</p>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <Field label={t('account.currentPassword')}>
          <input name="currentPassword" type="password" required autoComplete="current-password" />
        </Field>
        <Field label={t('account.newPassword')} hint={t('auth.passwordHint')}>
          <input
            name="newPassword"
            type="password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            autoComplete="new-password"
          />
        </Field>
        <ErrorNote error={error} />
        {changed && <p role="status">{t('account.passwordChanged')}</p>}
        <button type="submit" disabled={busy}>
          {t('account.changePassword')}
        </button>
      </form>
      <h2>{t('account.totpTitle')}</h2>
      <TwoFactor />
    </section>
  );
}

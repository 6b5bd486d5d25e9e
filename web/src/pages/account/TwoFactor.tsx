import { useState, type FormEvent } from 'react';
import type { TotpSetup } from '@tmomi/contract/auth';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { ErrorNote, Field } from '../../ui';

type Step = { at: 'idle' } | { at: 'scan'; setup: TotpSetup } | { at: 'codes'; codes: string[] };

/**
 * Two-factor login: set up by password, then a QR code (or the secret typed by hand) for an
 * authenticator app, confirmed by its first code, which shows the recovery codes once; or turned off.
 */
export function TwoFactor() {
  const { t } = useI18n();
  const { user, signedIn } = useSession();
  const [step, setStep] = useState<Step>({ at: 'idle' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = (action: (form: FormData) => Promise<void>) => async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await action(form);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const text = (form: FormData, name: string) => (form.get(name) as string | null) ?? '';
  const refreshUser = async () => signedIn(await client.auth.me());
  const enabled = user?.totpEnabled ?? false;

  const setUpOrTurnOff = run(async (form) => {
    const password = text(form, 'password');
    if (enabled) {
      await client.totp.disable({ password });
      await refreshUser();
    } else setStep({ at: 'scan', setup: await client.totp.setUp({ password }) });
  });
  const confirm = run(async (form) => {
    const { recoveryCodes } = await client.totp.confirm({ code: text(form, 'code') });
    await refreshUser();
    setStep({ at: 'codes', codes: recoveryCodes });
  });

  if (step.at === 'scan')
    return (
      <form className="stack" onSubmit={(e) => void confirm(e)}>
        <p>{t('account.totpScan')}</p>
        <img
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(step.setup.qrSvg)}`}
          alt={t('account.totpQr')}
          width={200}
          height={200}
        />
        <p className="muted">
          {t('account.totpSecret')} <code data-testid="totp-secret">{step.setup.secret}</code>
        </p>
        <Field label={t('auth.code')}>
          <input name="code" required pattern="[0-9]{6}" inputMode="numeric" autoComplete="one-time-code" />
        </Field>
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {t('account.totpConfirm')}
        </button>
      </form>
    );
  if (step.at === 'codes')
    return (
      <div className="stack">
        <p role="status">{t('account.totpOn')}</p>
        <p>{t('account.totpCodes')}</p>
        <ul data-testid="recovery-codes">
          {step.codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ul>
      </div>
    );
  return (
    <form className="stack" onSubmit={(e) => void setUpOrTurnOff(e)}>
      <p className="muted">{t(enabled ? 'account.totpEnabled' : 'account.totpNote')}</p>
      <Field label={t('auth.password')}>
        <input name="password" type="password" required autoComplete="current-password" />
      </Field>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {t(enabled ? 'account.totpDisable' : 'account.totpSetUp')}
      </button>
    </form>
  );
}

import { useState, type FormEvent } from 'react';
import type { OrgRole } from '@tmomi/contract/teams';
import { client } from '../../../api';
import { useLoad } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { ErrorNote, Field, Loading } from '../../../ui';
import { useAction } from './useAction';

const ROLES: OrgRole[] = ['owner', 'manager', 'staff'];

/** Invite an address with a role (a link is mailed), and the invitations still waiting to be accepted. */
export function Invitations({ organizationId }: { organizationId: string }) {
  const { t, lang } = useI18n();
  const { data, error, reload } = useLoad(
    (signal) => client.teams.invitations(organizationId, signal),
    [organizationId],
  );
  const { busy, act, notes } = useAction(reload);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('staff');
  const when = (iso: string) =>
    new Date(iso).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', {
      dateStyle: 'medium',
      timeStyle: 'short',
    });

  const invite = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const sent = await client.teams.invite(organizationId, { email: email.trim(), role });
      setEmail('');
      return t('team.invited', { email: sent.email, role: t(`role.${sent.role}`) });
    });
  };

  return (
    <>
      <h2>{t('team.invite')}</h2>
      <form onSubmit={invite} className="team-add">
        <Field label={t('team.email')} hint={t('team.inviteHint')}>
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label={t('team.role')}>
          <select value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={busy}>
          {t('team.inviteButton')}
        </button>
      </form>
      {notes}
      <h2>{t('team.pending')}</h2>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {data && data.invitations.length === 0 && <p className="muted">{t('team.pendingNone')}</p>}
      {data && data.invitations.length > 0 && (
        <table className="team-members">
          <thead>
            <tr>
              <th>{t('team.email')}</th>
              <th>{t('team.role')}</th>
              <th>{t('team.invitedBy')}</th>
              <th>{t('team.expires')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.invitations.map((i) => (
              <tr key={i.id} data-testid="team-invitation">
                <td>{i.email}</td>
                <td>{t(`role.${i.role}`)}</td>
                <td>{i.invitedBy ?? ''}</td>
                <td>{i.expired ? t('team.expired') : when(i.expiresAt)}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    disabled={busy}
                    aria-label={t('team.revokeOf', { email: i.email })}
                    onClick={() =>
                      void act(async () => {
                        await client.teams.revoke(organizationId, i.id);
                        return t('team.revoked', { email: i.email });
                      })
                    }
                  >
                    {t('team.revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

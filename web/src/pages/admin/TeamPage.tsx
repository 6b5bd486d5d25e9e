import { useState, type FormEvent } from 'react';
import type { OrgRole } from '@tmomi/contract/teams';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { ErrorNote, Field, Loading } from '../../ui';

const ROLES: OrgRole[] = ['owner', 'manager', 'staff'];

/** The owner's team: who is in the organization with which role; add existing accounts, change, remove. */
export default function TeamPage() {
  const { t } = useI18n();
  const { organizations, staffRole } = useSession();
  // A platform admin may manage every organization; an owner those they own.
  const owned = (organizations ?? []).filter((o) => staffRole === 'admin' || o.role === 'owner');
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const organizationId = chosen ?? owned[0]?.id;
  return (
    <section>
      <h1>{t('team.title')}</h1>
      <p className="muted">{t('role.ownerHint')}</p>
      {owned.length === 0 && <p>{t('team.none')}</p>}
      {owned.length > 1 && (
        <Field label={t('team.organization')}>
          <select value={organizationId} onChange={(e) => setChosen(e.target.value)}>
            {owned.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {organizationId && <Members key={organizationId} organizationId={organizationId} />}
    </section>
  );
}

function Members({ organizationId }: { organizationId: string }) {
  const { t } = useI18n();
  const { data, error, reload } = useLoad(
    (signal) => client.teams.members(organizationId, signal),
    [organizationId],
  );
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrgRole>('staff');
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    setNote(null);
    setFailure(null);
    try {
      setNote(await work());
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
      reload();
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const member = await client.teams.add(organizationId, { email: email.trim(), role });
      setEmail('');
      return t('team.added', { email: member.email, role: t(`role.${member.role}`) });
    });
  };

  return (
    <>
      <h2>{t('team.members')}</h2>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {note && (
        <p className="note" role="status">
          {note}
        </p>
      )}
      <ErrorNote error={failure} />
      {data && (
        <table className="team-members">
          <thead>
            <tr>
              <th>{t('team.name')}</th>
              <th>{t('team.email')}</th>
              <th>{t('team.role')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.members.map((m) => (
              <tr key={m.userId} data-testid="team-member">
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>
                  <select
                    aria-label={t('team.roleOf', { email: m.email })}
                    value={m.role}
                    disabled={busy}
                    onChange={(e) => {
                      const next = e.target.value as OrgRole;
                      void act(async () => {
                        await client.teams.setRole(organizationId, m.userId, next);
                        return t('team.saved', { email: m.email });
                      });
                    }}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`role.${r}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    disabled={busy}
                    aria-label={t('team.removeOf', { email: m.email })}
                    onClick={() =>
                      void act(async () => {
                        await client.teams.remove(organizationId, m.userId);
                        return t('team.removed', { email: m.email });
                      })
                    }
                  >
                    {t('team.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('team.add')}</h2>
      <form onSubmit={add} className="team-add">
        <Field label={t('team.email')} hint={t('team.addHint')}>
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
          {t('team.addButton')}
        </button>
      </form>
    </>
  );
}

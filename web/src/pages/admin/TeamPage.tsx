import { useState } from 'react';
import type { OrgRole } from '@tmomi/contract/teams';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { ErrorNote, Field, Loading } from '../../ui';
import { Invitations } from './team/Invitations';
import { OrganizationSettings } from './team/OrganizationSettings';
import { useAction } from './team/useAction';

const ROLES: OrgRole[] = ['owner', 'manager', 'staff'];

/**
 * The owner's team: the organization's name (rename, delete), who is in it with which role (change,
 * remove), and invitations by email (send, withdraw).
 */
export default function TeamPage() {
  const { t } = useI18n();
  const { organizations, staffRole } = useSession();
  // A platform admin may manage every organization; an owner those they own.
  const owned = (organizations ?? []).filter((o) => staffRole === 'admin' || o.role === 'owner');
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  // Told here: the deleted organization's own section is gone with it.
  const [deleted, setDeleted] = useState<string | null>(null);
  const organization = owned.find((o) => o.id === chosen) ?? owned[0];
  return (
    <section>
      <h1>{t('team.title')}</h1>
      <p className="muted">{t('role.ownerHint')}</p>
      {deleted && (
        <p className="note" role="status">
          {t('team.deleted', { name: deleted })}
        </p>
      )}
      {owned.length === 0 && <p>{t('team.none')}</p>}
      {owned.length > 1 && (
        <Field label={t('team.organization')}>
          <select value={organization?.id} onChange={(e) => setChosen(e.target.value)}>
            {owned.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      {organization && (
        <div key={organization.id}>
          <Members organizationId={organization.id} />
          <Invitations organizationId={organization.id} />
          <OrganizationSettings organization={organization} onDeleted={setDeleted} />
        </div>
      )}
    </section>
  );
}

function Members({ organizationId }: { organizationId: string }) {
  const { t } = useI18n();
  const { data, error, reload } = useLoad(
    (signal) => client.teams.members(organizationId, signal),
    [organizationId],
  );
  const { busy, act, notes } = useAction(reload);

  return (
    <>
      <h2>{t('team.members')}</h2>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {notes}
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
    </>
  );
}

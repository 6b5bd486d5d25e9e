import { useState, type FormEvent } from 'react';
import type { Organization } from '@tmomi/contract/teams';
import { client } from '../../../api';
import { useI18n } from '../../../i18n';
import { useSession } from '../../../session';
import { Field } from '../../../ui';
import { useAction } from './useAction';

/** The organization's name, and deleting it (only once it owns no venue or event; asked twice). */
export function OrganizationSettings({
  organization,
  onDeleted,
}: {
  organization: Organization;
  onDeleted: (name: string) => void;
}) {
  const { t } = useI18n();
  const { refreshOrganizations } = useSession();
  const { busy, act, notes } = useAction(refreshOrganizations);
  const [name, setName] = useState(organization.name);
  const [confirming, setConfirming] = useState(false);

  const rename = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const renamed = await client.teams.rename(organization.id, name.trim());
      return t('team.renamed', { name: renamed.name });
    });
  };
  const remove = () =>
    void act(async () => {
      setConfirming(false);
      await client.teams.deleteOrganization(organization.id);
      onDeleted(organization.name);
      return '';
    });

  return (
    <>
      <h2>{t('team.settings')}</h2>
      <form onSubmit={rename} className="team-add">
        <Field label={t('team.rename')}>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <button type="submit" disabled={busy || name.trim() === '' || name.trim() === organization.name}>
          {t('team.renameButton')}
        </button>
      </form>
      <p className="muted">{t('team.deleteHint')}</p>
      {confirming ? (
        <button type="button" className="danger" disabled={busy} onClick={remove}>
          {t('team.deleteConfirm', { name: organization.name })}
        </button>
      ) : (
        <button type="button" className="secondary" disabled={busy} onClick={() => setConfirming(true)}>
          {t('team.delete')}
        </button>
      )}
      {notes}
    </>
  );
}

import type { Organization } from '@tmomi/contract/teams';
import { useI18n } from '../i18n';
import { Field } from '../ui';

/**
 * A new venue's name, address and (for someone managing several) organization: the same fields on
 * the form of stacked sections and in the editor.
 */
export function VenueFields(props: {
  name: string;
  address: string;
  organizationId: string | undefined;
  managed: Organization[];
  onName: (name: string) => void;
  onAddress: (address: string) => void;
  onOrganization: (id: string) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <Field label={t('admin.venueName')}>
        <input required maxLength={200} value={props.name} onChange={(e) => props.onName(e.target.value)} />
      </Field>
      <Field label={t('admin.address')}>
        <input maxLength={500} value={props.address} onChange={(e) => props.onAddress(e.target.value)} />
      </Field>
      {props.managed.length > 1 && (
        <Field label={t('team.organization')}>
          <select value={props.organizationId} onChange={(e) => props.onOrganization(e.target.value)}>
            {props.managed.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
      )}
    </>
  );
}

import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { InvitationAccepted, OrgRole } from '@tmomi/contract/teams';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { ErrorNote, Loading } from '../../ui';

/**
 * The page of a mailed invitation link: what it offers, then — logged in with the invited address —
 * accepting it. A visitor without that login is sent to log in or sign up and brought back here.
 */
export default function AcceptInvitation() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { user, signedIn, refreshOrganizations } = useSession();
  const offer = useLoad((signal) => client.teams.offer(token, signal), [token]);
  const [accepted, setAccepted] = useState<InvitationAccepted | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const here = encodeURIComponent(`/invitations/accept?token=${token}`);

  const accept = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const result = await client.teams.accept(token);
      // Joining ended the old session; the answer's new one is already the cookie.
      signedIn(result.session.user);
      refreshOrganizations();
      setAccepted(result);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const data = offer.data;
  const role = (r: OrgRole) => t(`role.${r}`);
  return (
    <section className="narrow">
      <h1>{t('invite.title')}</h1>
      <ErrorNote error={offer.error ?? failure} />
      {!data && !offer.error && <Loading />}
      {accepted ? (
        <>
          <p role="status">
            {t('invite.accepted', { organization: accepted.organization.name, role: role(accepted.role) })}
          </p>
          <Link className="button" to={accepted.role === 'staff' ? '/admin/checkin' : '/admin'}>
            {t('invite.open')}
          </Link>
        </>
      ) : (
        data && (
          <>
            <p>{t('invite.offer', { organization: data.organization.name, role: role(data.role) })}</p>
            <p className="muted">{t('invite.for', { email: data.email })}</p>
            {!user ? (
              <>
                <p>{t('invite.needAccount')}</p>
                <p>
                  <Link to={`/login?next=${here}`}>{t('nav.login')}</Link>{' '}
                  <Link className="button small" to={`/signup?next=${here}`}>
                    {t('nav.signup')}
                  </Link>
                </p>
              </>
            ) : user.email !== data.email ? (
              <p role="alert">{t('invite.otherAccount', { email: data.email })}</p>
            ) : (
              <button type="button" disabled={busy} onClick={() => void accept()}>
                {t('invite.accept')}
              </button>
            )}
          </>
        )
      )}
    </section>
  );
}

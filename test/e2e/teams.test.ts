import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/booking/payments.js';
import { adminHeaders, buyer, uniqueEmail, waitForJob } from '../harness.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

const PASSWORD = 'plum-cactus-orbit-42';

/**
 * Issue 18's teams in the browser: an owner invites door staff by email, the invitee signs up from the
 * link and accepts, then sees the door and nothing else; the owner renames the organization.
 */
describe.skipIf(!hasChromium)('teams and roles in the browser', () => {
  const env = serverAndBrowser();

  it('an owner invites door staff by email on the Team page; the invitee signs up from the link and accepts; the staff member sees only the door, and admits a ticket of their organization', async () => {
    const t = env.server;
    const ownerEmail = uniqueEmail('owner-team');
    const staffEmail = uniqueEmail('staff-team');
    await t.auth.signup({ email: ownerEmail, password: PASSWORD, name: 'Olivia Owner' });
    // The steward has no account yet: the invitation's link brings them to sign up.
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/organizations',
      headers: await adminHeaders(t),
      payload: { name: 'Blue Note Live', ownerEmail },
    });
    expect(created.statusCode).toBe(201);
    // The owner's sale, with a paid ticket for the door.
    const { accessToken } = await t.auth.login({ email: ownerEmail, password: PASSWORD });
    const owner = { authorization: `Bearer ${accessToken}` };
    const post = async (url: string, payload: object, headers = owner) => {
      const res = await t.app.inject({ method: 'POST', url, payload, headers });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<Record<string, string>>();
    };
    const venue = await post('/api/admin/venues', {
      name: 'Blue Hall',
      sections: [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 4 }],
    });
    const event = await post('/api/admin/events', {
      title: 'Blue Night',
      category: 'concert',
      venueId: venue.id!,
      prices: [{ grade: 'R', amount: 30_000 }],
    });
    const now = Date.now();
    const perf = await post(`/api/admin/events/${event.id!}/performances`, {
      startsAt: new Date(now + 3600_000).toISOString(),
      salesOpenAt: new Date(now - 3600_000).toISOString(),
      salesCloseAt: new Date(now + 1800_000).toISOString(),
      queue: { enabled: false },
    });
    await waitForJob(t, perf.jobId!);
    const fan = await buyer(t);
    const hold = await post(`/api/performances/${perf.id!}/holds`, { seatNos: [0] }, fan.headers);
    const paid = await t.app.inject({
      method: 'POST',
      url: `/api/holds/${hold.holdId!}/checkout`,
      headers: { ...fan.headers, 'idempotency-key': `team-${hold.holdId!}` },
      payload: { payment: { card: TEST_CARDS.succeeds } },
    });
    const code = paid.json<{ tickets: { code: string }[] }>().tickets[0]!.code;

    const ownerPage = await openPage(env.browser, t.url, { allow: ['status of 409'] });
    // 403: the organizations of a new account; 409: the used link, read again.
    const staffPage = await openPage(env.browser, t.url, { allow: ['status of 403', 'status of 409'] });
    try {
      const { page } = ownerPage;
      await logIn(page, ownerEmail, PASSWORD);
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('link', { name: 'Team' }).click();
      await page.getByRole('heading', { name: 'Team', exact: true }).waitFor();
      await expect.poll(() => page.getByTestId('team-member').count()).toBe(1);

      // A member is not invited again: the sentence says so.
      await page.getByLabel('Email').fill(ownerEmail);
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByText('This account is already a member.').waitFor();

      await page.getByLabel('Email').fill(staffEmail);
      await page.locator('.team-add select').selectOption('staff');
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByText(`An invitation was sent to ${staffEmail} as Door staff.`).waitFor();
      await expect.poll(() => page.getByTestId('team-invitation').count()).toBe(1);
      await ownerPage.shot('team-invited');

      // The mailed link (read from the outbox: this server delivers no mail).
      const { rows } = await t.db.query<{ token: string }>(
        `SELECT data->>'token' AS token FROM mail_messages WHERE recipient = $1 AND kind = 'invitation'`,
        [staffEmail.toLowerCase()],
      );
      const link = `/invitations/accept?token=${rows[0]!.token}`;
      const staff = staffPage.page;
      await staff.goto(link);
      await staff.getByText('Blue Note Live invites you to join as Door staff.').waitFor();
      await staff.getByRole('main').getByRole('link', { name: 'Sign up' }).click();
      await staff.getByLabel('Name').fill('Sam Steward');
      await staff.getByLabel('Email').fill(staffEmail);
      await staff.getByLabel('Password').fill(PASSWORD);
      await staff.getByRole('button', { name: 'Sign up' }).click();
      await staff.getByRole('button', { name: 'Accept invitation' }).click();
      await staff.getByText('Welcome to Blue Note Live: you are now Door staff.').waitFor();
      await staff.getByRole('link', { name: 'Door' }).waitFor();
      await staffPage.shot('invitation-accepted');
      // The link works once.
      await staff.goto(link);
      await staff.getByText('This invitation has been accepted already.').waitFor();

      await page.reload();
      await expect.poll(() => page.getByTestId('team-member').count()).toBe(2);
      await expect
        .poll(() => page.getByLabel(`Role of ${staffEmail.toLowerCase()}`).inputValue())
        .toBe('staff');
      await expect.poll(() => page.getByTestId('team-invitation').count()).toBe(0);
      // Renamed: the page and the organization list say the new name.
      await page.getByLabel('Name', { exact: true }).fill('Blue Note Club');
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByText('The organization is now called Blue Note Club.').waitFor();
      await ownerPage.shot('team-page');

      await page.goto('/admin/audit');
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByText('invitation.accept').first().waitFor();
      await page.getByText('organization.rename').first().waitFor();
      await page.getByText('organization.create').first().waitFor();
      await ownerPage.shot('audit-log');

      // The staff member: the door in the navigation, no organizer pages.
      expect(await staff.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      await staff.goto('/admin');
      await staff.waitForURL('**/admin/checkin');
      // The door's list is the organization's own performances.
      await staff.getByRole('heading', { name: 'Blue Night' }).waitFor();
      await staff.goto('/admin/team');
      await staff.getByText('Your role in your organization does not include this page.').waitFor();
      await staffPage.shot('staff-team-refused');

      await staff.goto(`/admin/checkin?performance=${perf.id!}`);
      await staff.getByLabel('Ticket code').fill(code);
      await staff.getByRole('button', { name: 'Check in' }).click();
      await expect.poll(() => staff.getByTestId('door-result').textContent()).toContain('Admitted');
      await expect.poll(() => staff.getByTestId('door-count').textContent()).toBe('Checked in: 1 of 1 sold');
      await staffPage.shot('staff-door');

      expect(ownerPage.errors()).toEqual([]);
      expect(staffPage.errors()).toEqual([]);
    } finally {
      await ownerPage.close();
      await staffPage.close();
    }
  }, 90_000);
});

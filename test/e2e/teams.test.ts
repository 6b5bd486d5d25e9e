import { describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/booking/payments.js';
import { adminHeaders, buyer, uniqueEmail, waitForJob } from '../harness.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

const PASSWORD = 'plum-cactus-orbit-42';

/** Issue 18's teams in the browser: an owner builds the team, door staff see the door and nothing else. */
describe.skipIf(!hasChromium)('teams and roles in the browser', () => {
  const env = serverAndBrowser();

  it('an owner adds door staff on the Team page and finds it in the audit log; the staff member sees only the door, and admits a ticket of their organization', async () => {
    const t = env.server;
    const ownerEmail = uniqueEmail('owner-team');
    const staffEmail = uniqueEmail('staff-team');
    await t.auth.signup({ email: ownerEmail, password: PASSWORD, name: 'Olivia Owner' });
    await t.auth.signup({ email: staffEmail, password: PASSWORD, name: 'Sam Steward' });
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

    const ownerPage = await openPage(env.browser, t.url, { allow: ['status of 404'] });
    const staffPage = await openPage(env.browser, t.url, { allow: ['status of 403'] });
    try {
      const { page } = ownerPage;
      await logIn(page, ownerEmail, PASSWORD);
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('link', { name: 'Team' }).click();
      await page.getByRole('heading', { name: 'Team', exact: true }).waitFor();
      await expect.poll(() => page.getByTestId('team-member').count()).toBe(1);

      // An address without an account is refused with a sentence that says what to do.
      await page.getByLabel('Email').fill(uniqueEmail('stranger'));
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByText('No account uses this email').waitFor();

      await page.getByLabel('Email').fill(staffEmail);
      await page.locator('.team-add select').selectOption('staff');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByText(`${staffEmail} was added as Door staff.`).waitFor();
      await expect.poll(() => page.getByTestId('team-member').count()).toBe(2);
      await expect.poll(() => page.getByLabel(`Role of ${staffEmail}`).inputValue()).toBe('staff');
      await ownerPage.shot('team-page');

      await page.goto('/admin/audit');
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByText('member.add').first().waitFor();
      await page.getByText('organization.create').first().waitFor();
      await ownerPage.shot('audit-log');

      // The staff member: the door in the navigation, no organizer pages.
      const staff = staffPage.page;
      await logIn(staff, staffEmail, PASSWORD);
      await staff.getByRole('link', { name: 'Door' }).waitFor();
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

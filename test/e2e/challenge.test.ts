import { describe, expect, it } from 'vitest';
import { buyer, onSalePerformance, uniqueEmail } from '../harness.js';
import { hasChromium, logIn, openPage, SKIP_NOTE, serverAndBrowser } from './browser.js';

if (!hasChromium) console.warn(SKIP_NOTE);

/** The production default (TMOMI_CHALLENGE_DIFFICULTY): what a buyer's browser solves at the door. */
const DIFFICULTY = 50_000;
/** Where web/src/pages/queue/door.ts leaves each solve's duration. */
const SOLVE_MEASURE = 'tmomi:challenge-solve';

describe.skipIf(!hasChromium)('the proof of work at the door, solved in the page', () => {
  const env = serverAndBrowser();

  it('when a buyer joins a queue whose door asks for proof of work, then the page solves it and the buyer gets a place; each solve is timed', async () => {
    const t = env.server;
    // One pass, kept by its holder: the buyer stays in line, where the page shows the place.
    const { performanceId } = await onSalePerformance(t, {
      queue: { enabled: true, prequeueMinutes: 0, admitPerSecond: 50, maxActive: 1, passTtlSeconds: 600 },
    });
    const holder = await buyer(t);
    const url = `/api/performances/${performanceId}/queue`;
    await t.app.inject({ method: 'POST', url, headers: holder.headers });
    await expect
      .poll(async () => (await t.app.inject({ method: 'POST', url, headers: holder.headers })).json().state)
      .toBe('admitted');
    // Now the door asks for the default proof of work: a join without it is refused.
    await t.catalog.live.update(performanceId, { queue: { challengeDifficulty: DIFFICULTY } });
    const refused = await t.app.inject({ method: 'POST', url, headers: (await buyer(t)).headers });
    expect(refused.json().error.code).toBe('CHALLENGE_REQUIRED');

    const email = uniqueEmail('door');
    await t.auth.signup({ email, password: 'plum-cactus-orbit-42', name: 'Door Buyer' });
    const { page, shot, errors, close } = await openPage(env.browser, t.url);
    try {
      await logIn(page, email, 'plum-cactus-orbit-42');
      const solves: number[] = [];
      // The first join, then reloads: each load of the page joins again (idempotent), through the door.
      for (let load = 0; load < 6; load++) {
        if (load === 0) await page.goto(`/performances/${performanceId}/queue`);
        else await page.reload();
        await page.getByTestId('queue-position').waitFor({ timeout: 20_000 });
        expect(await page.getByTestId('queue-position').textContent()).toBe('1');
        const measured = await page.evaluate(
          (name) => performance.getEntriesByName(name).map((e) => e.duration),
          SOLVE_MEASURE,
        );
        expect(measured).toHaveLength(1);
        solves.push(measured[0]!);
        if (load === 0) await shot('queue-door-solved');
      }
      const sorted = [...solves].sort((a, b) => a - b);
      const median = (sorted[2]! + sorted[3]!) / 2;
      console.log(
        `[challenge] Chromium solve at difficulty ${DIFFICULTY.toLocaleString()}: ` +
          `${solves.map((ms) => `${Math.round(ms)} ms`).join(', ')}; median ${Math.round(median)} ms, ` +
          `max ${Math.round(sorted.at(-1)!)} ms`,
      );
      // The goal on this machine is under a second (met alone: docs/benchmarks.md); the bound here is
      // loose, as two cores shared with other test files can stretch a solve a few times over.
      if (median >= 1_000) console.log('[challenge] median above the 1 s goal: was the machine busy?');
      expect(median).toBeLessThan(5_000);
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  });
});

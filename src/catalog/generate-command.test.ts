import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  modes,
  startTestApp,
  TEST_SECRET,
  waitForJob,
  type TestApp,
} from '../../test/harness.js';

const embedded = modes()[0]!;

/** Runs the real CLI against the embedded test database. */
function run(args: string[], logLevel = 'fatal'): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: embedded.databaseUrl,
        TMOMI_SECRET: TEST_SECRET,
        LOG_LEVEL: logLevel,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (c: Buffer) => (output += c.toString()));
    cli.stderr.on('data', (c: Buffer) => (output += c.toString()));
    cli.once('exit', (code) => resolve({ code, output }));
  });
}

describe('tmomi tickets generate', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(embedded);
  });
  afterAll(() => t.close());

  it('when tickets are missing, then the command fills them in with a progress bar and reports the count', async () => {
    const admin = await adminHeaders(t);
    const post = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, payload, headers: admin });
    const venue = (
      await post('/api/admin/venues', {
        name: 'CLI Hall',
        sections: [{ name: 'A', grade: 'R', rows: 30, seatsPerRow: 40 }],
      })
    ).json();
    const event = (
      await post('/api/admin/events', {
        title: 'CLI',
        category: 'test',
        venueId: venue.id,
        prices: [{ grade: 'R', amount: 1 }],
      })
    ).json();
    const now = Date.now();
    const perf = (
      await post(`/api/admin/events/${event.id}/performances`, {
        startsAt: new Date(now + 7200_000).toISOString(),
        salesOpenAt: new Date(now).toISOString(),
        salesCloseAt: new Date(now + 3600_000).toISOString(),
      })
    ).json();
    await waitForJob(t, perf.jobId);
    // As after a crash that lost part of the work:
    await t.db.query('DELETE FROM tickets WHERE performance_id = $1 AND seat_no >= 700', [perf.id]);

    const { code, output } = await run(['tickets', 'generate', '--performance', perf.id], 'warn');
    expect(code, output).toBe(0);
    expect(output).toContain(`performance ${perf.id}: 1200 tickets`);
    const { rows } = await t.db.query(
      'SELECT count(DISTINCT seat_no)::int AS n FROM tickets WHERE performance_id = $1',
      [perf.id],
    );
    expect(rows[0].n).toBe(1200);
  });

  it('when the performance does not exist or the arguments are wrong, then it exits non-zero and says why', async () => {
    const usage = await run(['tickets', 'generate', '--performance', 'abc']);
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('Usage: tmomi');
    const missing = await run(['tickets', 'generate', '--performance', '999999999']);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('PERFORMANCE_NOT_FOUND');
  });
});

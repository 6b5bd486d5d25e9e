import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, modes, startTestApp, uniqueEmail, type TestApp } from './harness.js';

// Text PostgreSQL cannot store (a NUL, half of a character) used to reach the database and come back
// as a 500 from signup, search, venues and events: it is refused at the schema, naming the field.

describe.each(modes())('text the database cannot store ($name)', (mode) => {
  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const refusal = (res: { statusCode: number; json: () => unknown }) => {
    const { code, details } = (res.json() as { error: { code: string; details?: { field?: string } } }).error;
    return [res.statusCode, code, details?.field];
  };

  it.each([
    ['a NUL', 'Ann\u0000'],
    ['a lone surrogate', 'Ann\ud800'],
  ])(
    'when %s is in a free-text field, then 400 VALIDATION_FAILED naming the field, and nothing is written',
    async (_, bad) => {
      const email = uniqueEmail();
      const signup = await t.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email, password: 'plum-cactus-orbit-42', name: bad },
      });
      expect(refusal(signup)).toEqual([400, 'VALIDATION_FAILED', 'name']);
      const { rows } = await t.db.query('SELECT 1 FROM users WHERE email = $1', [email]);
      expect(rows).toEqual([]);

      // A URL cannot carry a lone surrogate (percent-decoding makes it U+FFFD): only the NUL gets there.
      if (bad.includes('\u0000')) {
        const search = await t.app.inject({ method: 'GET', url: `/api/events?q=${encodeURIComponent(bad)}` });
        expect(refusal(search)).toEqual([400, 'VALIDATION_FAILED', 'q']);
      }

      const venue = await t.app.inject({
        method: 'POST',
        url: '/api/admin/venues',
        headers: admin,
        payload: { name: 'Hall', sections: [{ name: bad, grade: 'R', rows: 1, seatsPerRow: 2 }] },
      });
      expect(refusal(venue)).toEqual([400, 'VALIDATION_FAILED', 'sections.0.name']);
      for (const [payload, field] of [
        [{ name: bad, sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 2 }] }, 'name'],
        [
          { name: 'Hall', address: bad, sections: [{ name: 'A', grade: 'R', rows: 1, seatsPerRow: 2 }] },
          'address',
        ],
      ] as const) {
        const res = await t.app.inject({ method: 'POST', url: '/api/admin/venues', headers: admin, payload });
        expect(refusal(res)).toEqual([400, 'VALIDATION_FAILED', field]);
      }

      for (const field of ['description', 'title', 'artist']) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/admin/events',
          headers: admin,
          payload: {
            title: 'Show',
            category: 'test',
            venueId: '1',
            prices: [{ grade: 'R', amount: 1 }],
            [field]: bad,
          },
        });
        expect(refusal(res)).toEqual([400, 'VALIDATION_FAILED', field]);
      }
    },
  );

  it('when a name has characters beyond the basic plane, then it is kept whole', async () => {
    const name = 'Ann 🎫 𠜎';
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: uniqueEmail(), password: 'plum-cactus-orbit-42', name },
    });
    expect(signup.statusCode).toBe(201);
    expect(signup.json().user.name).toBe(name);
  });
});

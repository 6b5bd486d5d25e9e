import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, modes, onSalePerformance, startTestApp, type TestApp } from '../../test/harness.js';

type Headers = Record<string, string>;

describe.each(modes())('editing and deleting events and venues ($name)', (mode) => {
  let t: TestApp;
  let admin: Headers;
  beforeAll(async () => {
    t = await startTestApp(mode);
    admin = await adminHeaders(t);
  });
  afterAll(() => t.close());

  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: admin,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const codeOf = (res: { statusCode: number; body: string }) =>
    `${res.statusCode} ${res.statusCode >= 400 ? JSON.parse(res.body).error.code : ''}`.trim();
  const sections = [{ name: 'A', grade: 'R', rows: 2, seatsPerRow: 5 }];

  it('when a venue no event uses is edited, then its seats, name and seat map change; once deleted it is gone', async () => {
    const venue = (await send('POST', '/api/admin/venues', { name: 'Empty Hall', sections })).json();
    const map = await send('GET', `/api/venues/${venue.id}/seats`);
    const edited = await send('PATCH', `/api/admin/venues/${venue.id}`, {
      name: 'Bigger Hall',
      sections: [{ name: 'A', grade: 'VIP', rows: 3, seatsPerRow: 10 }],
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ name: 'Bigger Hall', seatCount: 30, grades: ['VIP'] });
    const after = await send('GET', `/api/venues/${venue.id}/seats`);
    expect(after.json().seatCount).toBe(30);
    expect(after.headers.etag).not.toBe(map.headers.etag);
    const seats = await t.db.query('SELECT count(*)::int AS n FROM seats WHERE venue_id = $1', [venue.id]);
    expect(seats.rows[0].n).toBe(30);
    expect((await send('DELETE', `/api/admin/venues/${venue.id}`)).statusCode).toBe(204);
    expect(codeOf(await send('GET', `/api/venues/${venue.id}`))).toBe('404 VENUE_NOT_FOUND');
  });

  it('when a venue or event is in use, then its seats cannot change and neither can be deleted; names can', async () => {
    const { venueId, eventId } = await onSalePerformance(t, {}, { rows: 2, seatsPerRow: 5 });
    expect(codeOf(await send('PATCH', `/api/admin/venues/${venueId}`, { sections }))).toBe(
      '409 VENUE_IN_USE',
    );
    expect(codeOf(await send('DELETE', `/api/admin/venues/${venueId}`))).toBe('409 VENUE_IN_USE');
    expect(codeOf(await send('DELETE', `/api/admin/events/${eventId}`))).toBe('409 EVENT_HAS_PERFORMANCES');
    const renamed = await send('PATCH', `/api/admin/venues/${venueId}`, {
      name: 'Renamed Hall',
      address: 'Busan',
    });
    expect(renamed.json()).toMatchObject({ name: 'Renamed Hall', address: 'Busan', seatCount: 10 });
    const seats = await t.db.query('SELECT count(*)::int AS n FROM seats WHERE venue_id = $1', [venueId]);
    expect(seats.rows[0].n).toBe(10);
  });

  it('when an event has no performances, then it can be deleted with its prices; bad requests get their codes', async () => {
    const venue = (await send('POST', '/api/admin/venues', { name: 'Hall', sections })).json();
    const event = (
      await send('POST', '/api/admin/events', {
        title: 'Gone Soon',
        category: 'test',
        venueId: venue.id,
        prices: [{ grade: 'R', amount: 1000 }],
      })
    ).json();
    expect(codeOf(await send('DELETE', `/api/admin/venues/${venue.id}`))).toBe('409 VENUE_IN_USE');
    expect((await send('DELETE', `/api/admin/events/${event.id}`)).statusCode).toBe(204);
    expect(codeOf(await send('GET', `/api/events/${event.id}`))).toBe('404 EVENT_NOT_FOUND');
    const prices = await t.db.query('SELECT count(*)::int AS n FROM event_prices WHERE event_id = $1', [
      event.id,
    ]);
    expect(prices.rows[0].n).toBe(0);
    expect({
      eventAgain: codeOf(await send('DELETE', `/api/admin/events/${event.id}`)),
      unknownVenue: codeOf(await send('PATCH', '/api/admin/venues/999999999', { name: 'X' })),
      unknownVenueDelete: codeOf(await send('DELETE', '/api/admin/venues/999999999')),
      empty: codeOf(await send('PATCH', `/api/admin/venues/${venue.id}`, {})),
      extra: codeOf(await send('PATCH', `/api/admin/venues/${venue.id}`, { seatCount: 5 })),
      noSections: codeOf(await send('PATCH', `/api/admin/venues/${venue.id}`, { sections: [] })),
      twoNames: codeOf(
        await send('PATCH', `/api/admin/venues/${venue.id}`, { sections: [sections[0], sections[0]] }),
      ),
    }).toEqual({
      eventAgain: '404 EVENT_NOT_FOUND',
      unknownVenue: '404 VENUE_NOT_FOUND',
      unknownVenueDelete: '404 VENUE_NOT_FOUND',
      empty: '400 VALIDATION_FAILED',
      extra: '400 VALIDATION_FAILED',
      noSections: '400 VALIDATION_FAILED',
      twoNames: '422 DUPLICATE_SECTION',
    });
    expect((await send('DELETE', `/api/admin/venues/${venue.id}`)).statusCode).toBe(204);
  });
});

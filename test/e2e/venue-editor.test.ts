import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seatPositions, type Point } from '../../src/contract/geometry.js';
import type { SeatPlan } from '../../src/contract/layout.js';
import { MAX_LAYOUT_BYTES } from '../../src/contract/venues.js';
import { uniqueEmail } from '../harness.js';
import { centresOf } from '../seat-path.js';
import { hasChromium, logIn, openPage, serverAndBrowser } from './browser.js';

// Issue 20, the venue editor: an organizer builds a venue on the plan (a curved section, a second
// one dragged and turned, a standing area, seats marked by selection), sees the shared checks name
// what is wrong, saves it, and the saved geometry puts every seat where the editor drew it; the saved
// layout exported and imported again is the same body.

/** Every seat the editor drew, by seat number: the centres its sections' paths give. */
async function drawn(page: Page): Promise<Map<number, Point>> {
  const paths = await page
    .locator('svg.editor-canvas path[data-section]')
    .evaluateAll((els) =>
      els.map((e) => ({ first: Number(e.dataset.firstSeat), d: e.getAttribute('d') ?? '' })),
    );
  const seats = new Map<number, Point>();
  for (const { first, d } of paths) centresOf(d).forEach((c, i) => seats.set(first + i, c));
  return seats;
}

/** Where a point of the plan is on the screen. */
const onScreen = (page: Page, [x, y]: Point) =>
  page.evaluate<[number, number]>(`(() => {
    const p = new DOMPoint(${x}, ${y}).matrixTransform(document.querySelector('svg.editor-canvas').getScreenCTM());
    return [p.x, p.y];
  })()`);

async function dragOnPlan(page: Page, from: Point, to: Point) {
  await page.locator('svg.editor-canvas').scrollIntoViewIfNeeded();
  const [a, b] = [await onScreen(page, from), await onScreen(page, to)];
  await page.mouse.move(a[0], a[1]);
  await page.mouse.down();
  await page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, { steps: 4 });
  await page.mouse.move(b[0], b[1], { steps: 4 });
  await page.mouse.up();
}

const problemField = (page: Page) => page.locator('[data-field]').first().getAttribute('data-field');

describe.skipIf(!hasChromium)('the venue editor in the browser', () => {
  const env = serverAndBrowser();

  it('builds a venue with a curved section and a standing area, saves it, and the saved seats are where the editor drew them', async () => {
    const email = uniqueEmail('editor');
    await env.server.auth.ensureAdmin({ email, password: 'admin-password', name: 'Editor' });
    // Tall enough that the whole plan is on the screen: the mouse drags on what it can reach.
    const { page, shot, errors, close } = await openPage(env.browser, env.server.url, {
      viewport: { width: 1400, height: 1400 },
    });
    try {
      await logIn(page, email, 'admin-password');
      await page.goto('/admin/venues/new');
      await page.getByRole('link', { name: 'Draw the venue on a plan (editor)' }).click();
      await page.getByRole('heading', { name: 'Venue editor' }).waitFor();
      const venueName = `Editor Arena ${Date.now()}`;
      await page.getByLabel('Venue name').fill(venueName);

      // Section A (selected at the start): curved rows, by radius.
      await page.getByLabel('Row shape').selectOption('radius');
      await page.getByLabel('Radius of the front row (seat widths)').fill('20');
      // Section B: added below, dragged down and to the right, turned by the keyboard.
      await page.getByRole('button', { name: 'Section', exact: true }).click();
      await page.getByRole('group', { name: 'Section B' }).waitFor();
      const b = (await drawn(page)).get(60)!;
      await dragOnPlan(page, b, [b[0] + 6, b[1] + 2]);
      const x = Number(await page.getByLabel('Across (x)').inputValue());
      expect(x).toBeGreaterThan(3);
      await page.locator('svg.editor-canvas').focus();
      for (const key of [']', ']', ']', 'ArrowRight']) await page.keyboard.press(key);
      expect(await page.getByLabel('Turn (degrees)').inputValue()).toBe('15');
      expect(Number(await page.getByLabel('Across (x)').inputValue())).toBeCloseTo(x + 1, 5);
      // A standing floor of 150.
      await page.getByRole('button', { name: 'Standing area' }).click();
      await page.getByLabel('Capacity').fill('150');
      await expect
        .poll(() => page.locator('.editor-count').textContent())
        .toContain('110 seats · 150 standing · 260 places');

      // Bad input, each named by its field as the server would name it, then put right.
      await page.getByRole('group', { name: 'Standing area Floor' }).waitFor();
      await page.locator('svg.editor-canvas').focus();
      await page.keyboard.press('Escape');
      const floor = (await page.locator('[data-part="standing.0"] text').boundingBox())!;
      await page.mouse.click(floor.x + floor.width / 2, floor.y + floor.height / 2);
      await page.getByLabel('Name', { exact: true }).fill('b');
      await expect.poll(() => problemField(page)).toBe('standing.0');
      await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('same name');
      await page.getByLabel('Name', { exact: true }).fill('Floor');
      const floorY = await page.getByLabel('Down (y)').inputValue();
      await page.getByLabel('Down (y)').fill('1');
      await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/[AB] overlaps Floor\./);
      await shot('venue-editor-overlap');
      await page.getByLabel('Down (y)').fill(floorY);
      await expect.poll(() => problemField(page)).toBe('');

      // Seats marked: a rectangle round some of A's seats made wheelchair places, one of B's blocked.
      await page.getByRole('button', { name: 'Select seats' }).click();
      const before = await drawn(page);
      const corner: [Point, Point] = [
        [-6.5, -1.5],
        [-3, 1.5],
      ];
      const boxed = [...before]
        .filter(([, [px, py]]) => px >= -6.5 && px <= -3 && py >= -1.5 && py <= 1.5)
        .map(([seat]) => seat);
      expect(boxed.length).toBeGreaterThan(2);
      await dragOnPlan(page, ...corner);
      await page.getByRole('group', { name: `${boxed.length} seats selected` }).waitFor();
      await page.getByRole('button', { name: 'Wheelchair places' }).click();
      await page.getByRole('button', { name: 'Clear the selection' }).click();
      const [bx, by] = await onScreen(page, before.get(69)!);
      await page.mouse.click(bx, by);
      await page.getByRole('group', { name: '1 seats selected' }).waitFor();
      await page.getByRole('button', { name: 'Blocked (never sold)' }).click();
      await shot('venue-editor-built');

      const shown = await drawn(page);
      await page.getByRole('button', { name: 'Create venue' }).click();
      const created = page.locator('[data-venue-id]');
      await created.waitFor();
      expect(await created.textContent()).toContain('Venue created with 260 seats.');
      const venueId = (await created.getAttribute('data-venue-id'))!;

      // The saved geometry, placed by the shared seatPositions, is where the editor drew every seat.
      const map = (await env.server.app.inject({ method: 'GET', url: `/api/venues/${venueId}/seats` })).json<
        SeatPlan & { version: 2 }
      >();
      expect([map.version, map.seatCount, map.sections[0]!.curve, map.standing![0]!.capacity]).toEqual([
        2,
        260,
        { radius: 20 },
        150,
      ]);
      const saved = seatPositions(map);
      expect(shown.size).toBe(110);
      for (const [seat, [px, py]] of shown) {
        expect(Math.abs(saved[2 * seat]! - px), `seat ${seat}`).toBeLessThan(1e-3);
        expect(Math.abs(saved[2 * seat + 1]! - py), `seat ${seat}`).toBeLessThan(1e-3);
      }
      const marked = (key: 'accessible' | 'blocked') =>
        map.sections.flatMap((s) => s.rows.flatMap((r) => (r[key] ?? []).map((n) => r.firstSeatNo + n - 1)));
      expect(marked('accessible')).toEqual(boxed);
      expect(marked('blocked')).toEqual([69]);

      // Export, then import into a fresh editor: the draft it downloads is the same body.
      const [exported] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Export the saved layout' }).click(),
      ]);
      const file = await readFile(await exported.path());
      const layout = JSON.parse(file.toString('utf8')) as { name: string; sections: unknown[] };
      expect(layout.name).toBe(venueName);
      await page.goto('/admin/venues/editor');
      await page.getByLabel('Import a layout file (JSON)').setInputFiles({
        name: 'layout.json',
        mimeType: 'application/json',
        buffer: file,
      });
      await page.getByText(`Imported “${venueName}”.`).waitFor();
      expect(await drawn(page)).toEqual(shown);
      const [again] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download this layout (JSON)' }).click(),
      ]);
      expect(JSON.parse(await readFile(await again.path(), 'utf8'))).toEqual(layout);
      await shot('venue-editor-imported');

      // A file over the API's limit is refused before anything is read or sent.
      await page.getByLabel('Import a layout file (JSON)').setInputFiles({
        name: 'huge.json',
        mimeType: 'application/json',
        buffer: Buffer.alloc(MAX_LAYOUT_BYTES + 1, 32),
      });
      await expect
        .poll(() => page.locator('[data-file-problem="too-large"]').textContent())
        .toContain('a layout file may be at most 2 MB');
      expect(errors()).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { seatPositions } from '../../src/contract/geometry.js';
import type { SeatPlan } from '../../src/contract/layout-model.js';
import type { WebServer } from './browser.js';

const AXE = resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');

/** Every seat's centre on the venue's plane, from the geometry the server serves (as the map draws it). */
export async function venuePositions(server: WebServer, performanceId: string): Promise<Float64Array> {
  const perf = await server.app.inject({ url: `/api/performances/${performanceId}` });
  const map = await server.app.inject({
    url: `/api/venues/${perf.json<{ venueId: string }>().venueId}/seats`,
  });
  return seatPositions(map.json<SeatPlan>());
}

/** The map's box on the page and its view (seat units to canvas CSS px), as its last frame drew it. */
async function mapView(page: Page) {
  const canvas = page.locator('canvas[data-ready="true"]').first();
  const box = (await canvas.boundingBox())!;
  const [scale, tx, ty] = (await canvas.getAttribute('data-view'))!.split(',').map(Number) as [
    number,
    number,
    number,
  ];
  return { box, scale, tx, ty };
}

/** Where on the page (CSS px) the map draws the point (x, y) of the plane, from its current view. */
export async function onPage(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const { box, scale, tx, ty } = await mapView(page);
  return { x: box.x + x * scale + tx, y: box.y + y * scale + ty };
}

/** A seat's width in CSS px at the map's current zoom. */
export const seatPx = async (page: Page): Promise<number> => (await mapView(page)).scale;

export const seatOnPage = (page: Page, pos: Float64Array, seat: number) =>
  onPage(page, pos[2 * seat]!, pos[2 * seat + 1]!);

/** axe-core's serious and critical violations on the page as it is now, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated, not a script tag: the app's Content-Security-Policy (script-src 'self') refuses inline scripts.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const found = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`);
  return found as string[];
}

/** The app's own measure from navigation to the map being interactive (SeatsPage's onReady), in ms. */
export async function interactiveMs(page: Page): Promise<number> {
  await page.locator('canvas[data-ready="true"]').waitFor();
  return page.evaluate<number>(
    `performance.getEntriesByName('seatmap-navigation-to-interactive', 'measure')[0].duration`,
  );
}

/** What the page waited for before the map was interactive: each resource's start and end, after navigation (ms). */
export async function timeline(page: Page): Promise<string> {
  return page.evaluate<string>(`performance.getEntriesByType('resource')
    .map((e) => e.name.replace(location.origin, '').replace(/\\?.*/, '') + ' ' + Math.round(e.startTime) + '-' + Math.round(e.responseEnd))
    .concat('domContentLoaded ' + Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd))
    .concat(performance.getEntriesByType('mark').map((m) => m.name + ' ' + Math.round(m.startTime)))
    .join(', ')`);
}

/** The seat of `first … end − 1` drawn nearest the middle of the map as it is now. */
export async function seatInView(page: Page, pos: Float64Array, first: number, end: number): Promise<number> {
  const { box, scale, tx, ty } = await mapView(page);
  const [cx, cy] = [(box.width / 2 - tx) / scale, (box.height / 2 - ty) / scale];
  let best = first;
  for (let s = first; s < end; s++)
    if (
      (pos[2 * s]! - cx) ** 2 + (pos[2 * s + 1]! - cy) ** 2 <
      (pos[2 * best]! - cx) ** 2 + (pos[2 * best + 1]! - cy) ** 2
    )
      best = s;
  return best;
}

/** Scrolls the map to the top of the screen (on a phone it is below the legend, and the bar is below it). */
export async function mapToTop(page: Page): Promise<void> {
  await page.locator('canvas[data-ready="true"]').waitFor();
  await page.evaluate(
    `document.querySelector('canvas[data-ready="true"]').scrollIntoView({ block: 'start' })`,
  );
}

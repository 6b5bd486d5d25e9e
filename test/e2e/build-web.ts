import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CHROMIUM } from './browser.js';

const ROOT = resolve(import.meta.dirname, '../..');
// Everything the bundle is made of: the app, and the contract it shares with the server.
const SOURCES = ['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts', 'src/contract'];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * Once per `npm test`, before the browser tests: builds web/dist if any of its sources is newer, so the
 * tests drive the production bundle the server really serves. Without Chromium there is nothing to drive.
 */
export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM)) return;
  const index = join(ROOT, 'web/dist/index.html');
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (Math.max(...SOURCES.map((s) => newest(join(ROOT, s)))) <= builtAt) return;
  // NODE_ENV is vitest's 'test' here, and Vite would build React's development bundle with it (StrictMode
  // ran every effect twice: the seat page fetched its data twice, slower): the tests drive what ships.
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

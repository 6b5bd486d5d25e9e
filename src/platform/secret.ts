import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * The embedded mode's signing key: generated on first start and kept in the data folder, so that
 * tokens and ticket codes survive a restart. (The scaled mode requires TMOMI_SECRET instead.)
 */
export async function loadOrCreateSecret(dataDir: string): Promise<string> {
  const file = resolve(dataDir, 'secret');
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing.length >= 32) return existing;
  await mkdir(resolve(dataDir), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, secret + '\n', { mode: 0o600 });
  return secret;
}

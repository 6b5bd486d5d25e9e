import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs the repository's scripts/verify-draw.ts as a reader of the published values would (a child
 * process, its own code only); returns its exit code and the JSON it printed.
 */
export async function verifyDraw(args: string[]): Promise<{ code: number; out: Record<string, unknown> }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/verify-draw.ts', ...args]);
    return { code: 0, out: JSON.parse(stdout) as Record<string, unknown> };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, out: JSON.parse(failed.stdout || '{}') as Record<string, unknown> };
  }
}

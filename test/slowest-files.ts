import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints, after the summary, the test files that took longest (their tests and hooks), so that whoever
 * adds a slow file sees what CI's time is spent on: CI must stay well under 30 minutes, and a file's
 * cost does not show in the default output once it passes.
 */
export default class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const timed = modules
      .map((m) => ({ file: relative(process.cwd(), m.moduleId), ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms);
    if (timed.length < 2) return;
    const total = timed.reduce((sum, t) => sum + t.ms, 0);
    const lines = timed
      .slice(0, 15)
      .map((t) => `[tmomi]   ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.file}`);
    // The files run side by side, so their times add up to more than the run's.
    console.log(
      `[tmomi] slowest test files (of ${timed.length}, ${(total / 1000).toFixed(0)} s summed):\n${lines.join('\n')}`,
    );
  }
}

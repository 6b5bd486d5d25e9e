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
      .map((m) => ({
        file: relative(process.cwd(), m.moduleId),
        project: m.project.name,
        ms: m.diagnostic().duration,
      }))
      .sort((a, b) => b.ms - a.ms);
    if (timed.length < 2) return;
    const seconds = (ms: number) => (ms / 1000).toFixed(0);
    const summed = (project?: string) =>
      timed.filter((t) => project === undefined || t.project === project).reduce((sum, t) => sum + t.ms, 0);
    const lines = timed
      .slice(0, 15)
      .map(
        (t) =>
          `[tmomi]   ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.file}${t.project ? ` (${t.project})` : ''}`,
      );
    // Most files run two at a time (vitest.config.ts), so their times add up to more than the run's;
    // a file that runs alone costs the run all of its time.
    const alone = timed.some((t) => t.project === 'alone')
      ? `, ${seconds(summed('alone'))} s of them alone`
      : '';
    console.log(
      `[tmomi] slowest test files (of ${timed.length}, ${seconds(summed())} s summed${alone}):\n${lines.join('\n')}`,
    );
  }
}

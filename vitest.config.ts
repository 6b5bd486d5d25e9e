import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@tmomi/contract': fileURLToPath(new URL('./src/contract', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/e2e/build-web.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll's default of 1 s is shorter than a browser page's answer on a loaded 2-core CI
    // machine (the order desk's search took longer, and the test read the unfiltered count still shown).
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './test/slowest-files.ts'],
  },
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from './haproxy-config.js';

const run = promisify(execFile);
const haproxy = await run('haproxy', ['-v']).then(
  () => true,
  () => false,
);

describe('deploy/haproxy.cfg as the template of tmomi cluster', () => {
  const layout = {
    listen: '127.0.0.1:9080',
    stats: '127.0.0.1:9404',
    nodes: [
      { name: 'tmomi-1', address: '127.0.0.1:4001' },
      { name: 'tmomi-2', address: '127.0.0.1:4002' },
    ],
  };

  it('when rendered for two nodes, then each backend lists exactly those nodes and the binds move', async () => {
    const text = renderHaproxyConfig(await readFile('deploy/haproxy.cfg', 'utf8'), layout);
    const servers = text.split('\n').filter((l) => /^\s*server /.test(l));
    expect(servers.map((l) => l.trim())).toEqual([
      'server tmomi-1 127.0.0.1:4001',
      'server tmomi-2 127.0.0.1:4002',
      'server tmomi-1 127.0.0.1:4001 track tmomi_nodes/tmomi-1',
      'server tmomi-2 127.0.0.1:4002 track tmomi_nodes/tmomi-2',
    ]);
    expect(text).toMatch(/^\s*bind 127\.0\.0\.1:9080$/m);
    expect(text).toMatch(/^\s*bind 127\.0\.0\.1:9404$/m);
    const settings = text.split('\n').filter((l) => !/^\s*#/.test(l));
    expect(settings.filter((l) => /:8080|:8404|:300[123]/.test(l))).toEqual([]);
  });

  it('when HAProxy checks the template and the rendered file, then both are valid', async (ctx) => {
    if (!haproxy) return ctx.skip('haproxy is not installed (apt-get install haproxy); .ci/run installs it');
    const dir = await mkdtemp(join(tmpdir(), 'tmomi-haproxy-'));
    try {
      const file = join(dir, 'haproxy.cfg');
      await writeFile(file, renderHaproxyConfig(await readFile('deploy/haproxy.cfg', 'utf8'), layout));
      for (const config of ['deploy/haproxy.cfg', file]) {
        expect((await run('haproxy', ['-c', '-f', config])).stdout).toContain('Configuration file is valid');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

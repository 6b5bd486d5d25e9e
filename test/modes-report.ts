import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterMode } from './redis-cluster-mode.js';
import { pgbouncerLeftOut } from './pgbouncer.js';

/**
 * Which runtime configurations a test run covers, said at its start and again after the summary. A
 * plain `npm test` runs only the embedded one: without this, the real-PostgreSQL and Redis suites
 * (every Lua script) would be left out in silence, and a green run would look like a full one.
 */
export function modesReport(
  env: {
    DATABASE_URL?: string;
    REDIS_URL?: string;
    TMOMI_TEST_REDIS_CLUSTER?: string;
    STRYKER_MUTATOR_WORKER?: string;
  },
  when: 'start' | 'end',
): string {
  const unset = (names: ('DATABASE_URL' | 'REDIS_URL')[]) => {
    const missing = names.filter((name) => !env[name]);
    return `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`;
  };
  const scaled = Boolean(env.DATABASE_URL && env.REDIS_URL);
  const redis = Boolean(env.REDIS_URL);
  const cluster = clusterMode(env);
  const modes = [
    { name: 'embedded (embedded PostgreSQL + memory engine)', runs: true, why: '' },
    {
      name: 'scaled (DATABASE_URL + REDIS_URL: real PostgreSQL and Redis)',
      runs: scaled,
      why: unset(['DATABASE_URL', 'REDIS_URL']),
    },
    {
      name: 'Redis engine contracts (REDIS_URL: every Lua script)',
      runs: redis,
      why: unset(['REDIS_URL']),
    },
    {
      name: 'cluster (a Redis Cluster of 3 primaries + 3 replicas: engine contracts, waiting-room and booking HTTP suites)',
      runs: cluster.runs,
      why: cluster.why,
    },
    {
      name: `through PgBouncer in transaction mode (the booking suites; ${scaled ? 'scaled' : 'embedded'} database)`,
      runs: pgbouncerLeftOut(env) === undefined,
      why: pgbouncerLeftOut(env) ?? '',
    },
  ];
  const verb = when === 'start' ? 'running' : 'ran';
  const lines = [
    `modes ${verb}: ${modes
      .filter((m) => m.runs)
      .map((m) => m.name)
      .join('; ')}`,
  ];
  for (const m of modes.filter((m) => !m.runs)) lines.push(`  left out: ${m.name}: ${m.why}`);
  if (!scaled) {
    lines.push(`  skipped whole without scaled: ${scaledOnlySuites().join(', ')}`);
    lines.push(
      '  set DATABASE_URL and REDIS_URL to run the real PostgreSQL and Redis suites (all Lua scripts)',
    );
  }
  return lines.map((line) => `[tmomi] ${line}`).join('\n');
}

/** The suites under test/ that skip themselves unless the scaled mode is available. */
function scaledOnlySuites(): string[] {
  const dir = import.meta.dirname;
  return readdirSync(dir)
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => /skipIf\(\s*!scaled\b/.test(readFileSync(join(dir, file), 'utf8')))
    .sort()
    .map((file) => `test/${file}`);
}

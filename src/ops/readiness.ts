import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../platform/db.js';
import type { EngineConnection } from '../engine/index.js';

const CHECK_TIMEOUT_MS = 2000;

export interface ReadinessReport {
  ready: boolean;
  /** 'ok', or what went wrong. */
  checks: Record<string, string>;
}

/** Whether this node should receive traffic: its dependencies answer and it is not shutting down. */
export class Readiness {
  private draining = false;

  constructor(private readonly deps: { db: Db; engine: Pick<EngineConnection, 'ping'> }) {}

  /** From now on the load balancer is told to send traffic elsewhere. */
  drain(): void {
    this.draining = true;
  }

  async check(): Promise<ReadinessReport> {
    const [database, engine] = await Promise.all([
      probe(() => this.deps.db.query('SELECT 1')),
      probe(() => this.deps.engine.ping()),
    ]);
    const checks = { database, engine, draining: this.draining ? 'draining' : 'ok' };
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }
}

async function probe(fn: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer in ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn().then(() => 'ok'), timeout]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The readiness checks as metrics, probed at each scrape (each check is bounded by its timeout), so
 * that an alert can say which dependency is down rather than only that a node is not ready.
 */
export function registerReadinessMetrics(registry: Registry, readiness: Readiness): void {
  new Gauge({
    name: 'tmomi_dependency_up',
    help: '1 when this node reaches the dependency (database: PostgreSQL, engine: Redis or memory), 0 when not.',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const { checks } = await readiness.check();
      this.set({ dependency: 'database' }, checks.database === 'ok' ? 1 : 0);
      this.set({ dependency: 'engine' }, checks.engine === 'ok' ? 1 : 0);
      draining.set(checks.draining === 'ok' ? 0 : 1);
    },
  });
  const draining = new Gauge({
    name: 'tmomi_draining',
    help: '1 while this node is shutting down (out of rotation, finishing in-flight requests).',
    registers: [registry],
  });
}

import type { Db } from '../platform/db.js';
import type { Engine } from '../platform/engine/index.js';

const CHECK_TIMEOUT_MS = 2000;

export interface ReadinessReport {
  ready: boolean;
  /** 'ok', or what went wrong. */
  checks: Record<string, string>;
}

/** Whether this node should receive traffic: its dependencies answer and it is not shutting down. */
export class Readiness {
  private draining = false;

  constructor(private readonly deps: { db: Db; engine: Engine }) {}

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

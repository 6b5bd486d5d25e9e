/**
 * The door's proof of work in bench/queue (`--challenge-difficulty N`): what a join costs the server
 * when it brings a solved challenge, against the same joins without one.
 *
 * A verify does not depend on the difficulty (two HMACs: the challenge's parameters and the solved key,
 * then one SET NX PX in the engine); only the buyer's solve does. So the bench's buyers use a small
 * difficulty and solve a pool of challenges before the load, one per join: each is single-use.
 */
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Challenge, ChallengePayload } from '../src/contract/queue.js';
import { createMemoryCoordination } from '../src/engine/coordination/memory.js';
import type { PerformanceRow } from '../src/inventory/performance.js';
import { systemClock } from '../src/platform/clock.js';
import { ChallengeService } from '../src/queue/challenge.js';
import type { CpuPerRequest } from './join-load.js';

/** `count` challenges of the performance's door, fetched `concurrency` at a time and solved here. */
export async function solvedPool(
  base: string,
  performanceId: string,
  count: number,
  concurrency = 50,
): Promise<ChallengePayload[]> {
  const pool: ChallengePayload[] = [];
  const worker = async () => {
    while (pool.length < count) {
      const res = await fetch(`${base}/api/performances/${performanceId}/challenge`);
      const { challenge } = (await res.json()) as { challenge: Challenge };
      const solution = await solveChallenge({ challenge, deriveKey });
      if (!solution) throw new Error('a bench challenge was not solved');
      pool.push({ challenge, solution });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return pool.slice(0, count);
}

/**
 * The service's own cost, in this process (CPU µs per call): making a challenge, and checking and spending
 * a solved one — the part of a join the door adds, without HTTP or Redis.
 */
export async function serviceCost(
  difficulty: number,
  n = 5_000,
): Promise<{ issueUs: number; spendUs: number }> {
  const perf = { challengeDifficulty: difficulty } as PerformanceRow;
  const service = new ChallengeService({
    performances: { get: async () => perf },
    engine: createMemoryCoordination(systemClock).ops,
    secret: 'bench-secret-that-is-long-enough-for-hmac-keys',
    clock: systemClock,
  });
  // CPU time, not wall time: on a shared machine the wall clock measures the neighbours too. (Web
  // Crypto's HMACs, which altcha-lib uses, run on libuv's pool: their CPU counts in this process.)
  const cpuUs = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const issued: Challenge[] = [];
  let started = cpuUs();
  for (let i = 0; i < n; i++) issued.push((await service.issue('1')).challenge!);
  const issueUs = (cpuUs() - started) / n;
  const payloads: ChallengePayload[] = [];
  for (const challenge of issued)
    payloads.push({ challenge, solution: (await solveChallenge({ challenge, deriveKey }))! });
  started = cpuUs();
  for (const payload of payloads) await service.spend('1', payload);
  const spendUs = (cpuUs() - started) / n;
  return { issueUs, spendUs };
}

interface Run {
  result: {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  cpu: CpuPerRequest;
}

/** The joins through the door against the same joins without one. */
export function reportDoor(
  difficulty: number,
  off: Run,
  on: Run,
  cost: { issueUs: number; spendUs: number },
) {
  const { result, cpu } = on;
  console.log(
    `tmomi join + challenge (difficulty ${difficulty}): ${Math.round(result.requests.average).toLocaleString()} req/s  ` +
      `p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  CPU µs/req: server ${Math.round(cpu.server)}, ` +
      `Redis ${Math.round(cpu.redis)}  non-2xx ${result.non2xx}`,
  );
  console.log(
    `ratio with / without the challenge: ${(result.requests.average / off.result.requests.average).toFixed(2)}× req/s; ` +
      `server CPU +${Math.round(cpu.server - off.cpu.server)} µs/join, Redis +${Math.round(cpu.redis - off.cpu.redis)} µs/join`,
  );
  console.log(
    `challenge service in-process (CPU): issue ${cost.issueUs.toFixed(1)} µs, verify + spend ${cost.spendUs.toFixed(1)} µs per call`,
  );
}

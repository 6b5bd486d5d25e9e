import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { keptLogger } from '../../../test/logs.js';
import type { GateSnapshot, HoldGate } from '../../engine/hold-gate/port.js';
import { createBookingMetrics } from '../metrics.js';
import type { GateRepository } from './repository.js';
import { BookingGate } from './service.js';

/**
 * The gate's rebuild from PostgreSQL (BookingGate.rebuild), with the engine and the repository faked:
 * how many rebuilds run, and what each leaves counted and logged. The HTTP tests only see that a cold
 * gate gets rebuilt once; not that a burst of cold requests shares one rebuild, nor that a later one
 * (after a Redis wipe) can run again, nor what a failed one says.
 */
function rig(loads: (version: number) => boolean) {
  const registry = new Registry();
  const logged: { msg: string; performanceId?: string; err?: { message: string } }[] = [];
  const snapshots: { perf: string; answer: (snapshot: GateSnapshot | Error) => void }[] = [];
  const repository = {
    snapshot: (perf: string) =>
      new Promise<GateSnapshot>((resolve, reject) =>
        snapshots.push({ perf, answer: (s) => (s instanceof Error ? reject(s) : resolve(s)) }),
      ),
  } as unknown as GateRepository;
  let version = 0;
  const engine = {
    gateVersion: async () => ++version,
    gateLoad: async (_perf: string, _snapshot: GateSnapshot, read: number) => loads(read),
  } as unknown as HoldGate;
  const gate = new BookingGate({
    engine,
    repository,
    metrics: createBookingMetrics(registry),
    clock: { now: () => 1_000 },
    logger: keptLogger('warn', logged),
  });
  const counted = async () =>
    Object.fromEntries(
      (await registry.getSingleMetric('tmomi_hold_gate_rebuilds_total')!.get()).values.map((v) => [
        v.labels.outcome,
        v.value,
      ]),
    );
  /** Waits until `n` snapshots in all have been asked for. */
  const asked = async (n: number) => {
    for (let i = 0; i < 100 && snapshots.length < n; i++) await new Promise((r) => setTimeout(r, 1));
    expect(snapshots).toHaveLength(n);
  };
  return { gate, snapshots, logged, counted, asked };
}

const EMPTY: GateSnapshot = { holds: [], sold: [] };

describe('the hold gate’s rebuild', () => {
  it('when many requests find the gate cold at once, then one rebuild runs for them all; once it is done, a later cold request starts another', async () => {
    const { gate, snapshots, counted, asked } = rig(() => true);
    for (let i = 0; i < 5; i++) gate.rebuild('p1');
    gate.rebuild('p2'); // another performance's is its own
    await asked(2);
    expect(snapshots.map((s) => s.perf)).toEqual(['p1', 'p2']);
    snapshots.forEach((s) => s.answer(EMPTY));
    await gate.settled();
    expect(await counted()).toEqual({ stored: 2 });
    // The gate lost again (a Redis wipe): the next request that finds it so rebuilds it again.
    gate.rebuild('p1');
    await asked(3);
    snapshots[2]!.answer(EMPTY);
    await gate.settled();
    expect(await counted()).toEqual({ stored: 3 });
  });

  it('when a release ran while the gate was read, then the rebuild is counted as raced, not stored', async () => {
    const { gate, snapshots, counted, asked } = rig(() => false);
    gate.rebuild('p1');
    await asked(1);
    snapshots[0]!.answer(EMPTY);
    await gate.settled();
    expect(await counted()).toEqual({ raced: 1 });
  });

  it('when PostgreSQL fails the rebuild, then it is logged with the performance, and the next cold request tries again', async () => {
    const { gate, snapshots, logged, counted, asked } = rig(() => true);
    gate.rebuild('p1');
    await asked(1);
    snapshots[0]!.answer(new Error('connection terminated'));
    await gate.settled();
    expect(logged.map((l) => [l.msg, l.performanceId, l.err?.message])).toEqual([
      ['hold gate rebuild failed', 'p1', 'connection terminated'],
    ]);
    expect(await counted()).toEqual({});
    gate.rebuild('p1');
    await asked(2);
    snapshots[1]!.answer(EMPTY);
    await gate.settled();
    expect(await counted()).toEqual({ stored: 1 });
  });
});

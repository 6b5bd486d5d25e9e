import { queueJoinWindowKey, queueKey, type QueueKeyName } from '../keys.js';
import { defineScripts, loadScripts } from '../redis-client.js';
import type { RedisConnection } from '../redis-target.js';
import type { AdmitResult, JoinResult, QueueEntry, QueueStats, RecordedEntry, WaitingRoom } from './port.js';
import { encodeRecorded, keptAfterRestore, RESTORE_RUN } from './record.js';
import { decodeState } from './state.js';

/**
 * The Redis waiting room: one Lua script per operation, all seven keys of a queue passed in KEYS and
 * sharing the `{perf:ID}` hash tag, so a queue lives on one Cluster shard and every change is atomic.
 *
 * KEYS: 1 seq (INCR) · 2 state (HASH user → encoded state) · 3 order (ZSET waiting, by position)
 *       4 pre (ZSET pre-queue, by arrival) · 5 seen (HASH user → ms) · 6 active (ZSET user → pass expiry)
 *       7 meta (HASH opened — the pre-queue sealed —, drawn, admitted, version, closed, paused, and the
 *       funnel's prequeued, left, passesExpired); the join also has 8…, each caller's join-rate window.
 * Every script that changes the queue (join, seal, draw, admit, close) moves all seven keys' expiry to
 * the caller's `until`, in the same step; the others only change fields of keys that exist, whose
 * expiry Redis keeps.
 */
const KEY_NAMES: readonly QueueKeyName[] = ['seq', 'state', 'order', 'pre', 'seen', 'active', 'meta'];
const keysOf = (perf: string) => KEY_NAMES.map((name) => queueKey(perf, name));

// The join takes one window key per user besides the seven: no fixed key count, so each call passes its
// count first. Every other script takes the seven.
const JOIN = loadScripts(import.meta.url, {
  queueJoinScript: ['keep.lib.lua', 'seal.lib.lua', '../coordination/hit-window.lib.lua', 'join.lua'],
});
const SCRIPTS = loadScripts(
  import.meta.url,
  {
    queueSealScript: ['keep.lib.lua', 'seal.lib.lua', 'seal.lua'],
    queueDrawScript: ['keep.lib.lua', 'seal.lib.lua', 'draw.lua'],
    queueStatusScript: ['status.lua'],
    queueObserveScript: ['observe.lua'],
    queueTouchScript: ['touch.lua'],
    queueLeaveScript: ['leave.lua'],
    queueAdmitScript: ['keep.lib.lua', 'admit.lua'],
    queueCloseScript: ['keep.lib.lua', 'close.lua'],
    queuePauseScript: ['keep.lib.lua', 'pause.lua'],
    queuePassScript: ['pass.lua'],
    queueStatsScript: ['stats.lua'],
    queueRestoreScript: ['keep.lib.lua', 'restore.lua'],
  },
  KEY_NAMES.length,
);

/**
 * The scripts whose first argument is their key count rather than a key. ioredis's auto-pipelining on a
 * Cluster groups a command by its first argument's slot, and would put these with whichever shard holds
 * the slot of "7", then refuse the mixed pipeline; on a cluster they are sent on their own (each is
 * already a batch: of joins, of hold requests).
 */
export const COUNTED_KEY_SCRIPTS = Object.keys(JOIN);

/** Users per call of the draw's script: well within what a call can spread, a few ms of Redis each. */
const DRAW_RUN = 5_000;

type Run = (...args: (string | number)[]) => Promise<unknown>;

/**
 * `joinWaitMs` > 0: each batch of joins is followed, on the same connection, by `WAIT 1 joinWaitMs`, and
 * answered once a replica has it (or that long has passed: a replica that is down slows joins, it does
 * not stop them). A failover then promotes a replica that knows every place a buyer was told of
 * (docs/decisions/037).
 */
export function createRedisWaitingRoom(
  redis: RedisConnection,
  opts: { joinWaitMs: number } = { joinWaitMs: 0 },
): WaitingRoom {
  defineScripts(redis, { ...JOIN, ...SCRIPTS });
  type Name = keyof typeof SCRIPTS | keyof typeof JOIN;
  const call = (name: Name, ...keysAndArgs: (string | number)[]) =>
    (redis as unknown as Record<string, Run>)[name]!(...keysAndArgs);
  const callAcknowledged = async (name: Name, ...keysAndArgs: (string | number)[]) => {
    if (opts.joinWaitMs <= 0) return call(name, ...keysAndArgs);
    // One pipeline, so that the WAIT goes to the shard that ran the script (it has no key to route by).
    const pipeline = redis.pipeline() as unknown as Record<string, Run> & { wait: Run; exec: Run };
    void pipeline[name]!(...keysAndArgs);
    void pipeline.wait(1, opts.joinWaitMs);
    const [[err, reply]] = (await pipeline.exec()) as [[Error | null, unknown]];
    if (err) throw err;
    return reply;
  };
  const run = (name: keyof typeof SCRIPTS, perf: string, ...args: (string | number)[]) =>
    call(name, ...keysOf(perf), ...args);
  const toEntry = (reply: unknown, now: number): QueueEntry | null => {
    const [raw, rank, closed, paused] = reply as [
      string | null,
      number | null,
      string | null | undefined,
      string | number | null | undefined,
    ];
    if (raw === null) return null;
    const decoded = decodeState(raw, now);
    return {
      ...decoded,
      position: decoded.state === 'waiting' && rank !== null ? rank + 1 : null,
      closed: closed ?? null,
      paused: paused === '1' || paused === 1,
    };
  };
  const joinMany: WaitingRoom['queueJoinMany'] = async (perf, userIds, { now, open, limit, until }) => {
    if (userIds.length === 0) return [];
    const windows = userIds.map((userId) => queueJoinWindowKey(perf, userId));
    const reply = (await callAcknowledged(
      'queueJoinScript',
      KEY_NAMES.length + userIds.length,
      ...keysOf(perf),
      ...windows,
      now,
      open ? 1 : 0,
      limit?.max ?? 0,
      limit?.windowMs ?? 0,
      until,
      ...userIds,
    )) as (string | number | null)[];
    const paused = reply[0];
    return userIds.map((_, i): JoinResult => {
      const [tag, a, b] = [reply[3 * i + 1], reply[3 * i + 2], reply[3 * i + 3]];
      if (tag === 'l') return { outcome: 'limited', retryAfterMs: Math.max(0, Number(a)) };
      if (tag === 'c') return { outcome: 'closed', reason: String(a) };
      return { outcome: 'joined', entry: toEntry([a ?? null, b ?? null, null, paused], now)! };
    });
  };

  return {
    queueJoin: async (perf, userId, opts) => (await joinMany(perf, [userId], opts))[0]!,
    queueJoinMany: joinMany,
    queueSeal: async (perf, until) => ((await run('queueSealScript', perf, until)) as string[]).map(String),
    queueDraw: async (perf, userIds, now, until, absent = 'enter') => {
      // In runs: a whole draw of 100,000 users is more arguments than one call can spread.
      const n = userIds.length;
      let placed = 0;
      for (let from = 0; from === 0 || from < n; from += DRAW_RUN) {
        const run_ = userIds.slice(from, from + DRAW_RUN);
        const last = from + DRAW_RUN >= n ? 1 : 0;
        const reply = Number(
          await run(
            'queueDrawScript',
            perf,
            now,
            until,
            from - n - 1,
            last,
            absent === 'enter' ? 1 : 0,
            ...run_,
          ),
        );
        if (reply < 0) return from === 0 ? null : placed;
        placed += reply;
      }
      return placed;
    },
    queueStatus: async (perf, userId, now) => toEntry(await run('queueStatusScript', perf, userId), now),
    queueObserve: async (perf, userIds, now) => {
      if (userIds.length === 0) return [];
      const reply = (await run('queueObserveScript', perf, now, ...userIds)) as (string | number | null)[];
      const [closed, paused] = [reply[0] ?? null, reply[1]];
      return userIds.map((_, i) =>
        toEntry([reply[2 * i + 2] ?? null, reply[2 * i + 3] ?? null, closed, paused], now),
      );
    },
    queueTouch: async (perf, userId, now) => (await run('queueTouchScript', perf, userId, now)) === 1,
    queueLeave: async (perf, userId, now) => (await run('queueLeaveScript', perf, userId, now)) === 1,
    queueAdmit: async (perf, opts): Promise<AdmitResult> => {
      const reply = (await run(
        'queueAdmitScript',
        perf,
        opts.max,
        opts.maxActive,
        opts.now,
        opts.staleBefore,
        opts.passTtlMs,
        opts.until,
      )) as (string | number)[];
      const admitted: AdmitResult['admitted'] = [];
      for (let i = 1; i + 2 < reply.length; i += 3) {
        admitted.push({
          userId: String(reply[i]),
          passId: Number(reply[i + 1]),
          expiresAt: Number(reply[i + 2]),
        });
      }
      return { admitted, skipped: Number(reply[0]) };
    },
    queueClose: async (perf, reason, until) =>
      (await run('queueCloseScript', perf, reason ?? '', until)) === 1,
    queuePause: async (perf, paused, until, onlyIfUnset = false) =>
      (await run('queuePauseScript', perf, paused ? 1 : 0, until, onlyIfUnset ? 1 : 0)) === 1,
    queuePassActive: async (perf, userId, passId, now) =>
      (await run('queuePassScript', perf, userId, passId, now, 0)) === 1,
    queueConsumePass: async (perf, userId, passId, now) =>
      (await run('queuePassScript', perf, userId, passId, now, 1)) === 1,
    queueRestore: async (perf, record, now, until, opts = {}) => {
      const { entries } = record;
      const flags = [record.opened ? 1 : 0, record.drawn ? 1 : 0, record.admittedTotal];
      const runs = Math.max(1, Math.ceil(entries.length / RESTORE_RUN));
      let kept: RecordedEntry[] = [];
      // In runs, as the draw: the first decides (and renumbers, or resumes one cut short); the last
      // ends the restore, which admission waits for.
      for (let run_ = 0; run_ < Math.min(runs, opts.runs ?? runs); run_++) {
        const args = entries
          .slice(run_ * RESTORE_RUN, (run_ + 1) * RESTORE_RUN)
          .flatMap((e) => [e.userId, encodeRecorded(e), e.place]);
        const reply = await run(
          'queueRestoreScript',
          perf,
          record.seq,
          run_ === 0 ? 1 : 0,
          now,
          until,
          ...flags,
          run_ === runs - 1 ? 1 : 0,
          opts.seenAt ?? now,
          ...args,
        );
        if (reply === -1 || reply === -2) return null;
        if (run_ === 0) kept = keptAfterRestore(record, reply as string[], now);
      }
      return kept;
    },
    queueStats: async (perf, now): Promise<QueueStats> => {
      const reply = (await run('queueStatsScript', perf, now)) as (number | string | null | undefined)[];
      const [waiting, active, admittedTotal, version, opened, closed, paused] = reply;
      const [joined, prequeued, left, passesExpired, restoring] = reply.slice(7).map(Number);
      return {
        waiting: Number(waiting ?? 0),
        active: Number(active ?? 0),
        admittedTotal: Number(admittedTotal ?? 0),
        joined: joined ?? 0,
        prequeued: prequeued ?? 0,
        left: left ?? 0,
        passesExpired: passesExpired ?? 0,
        version: Number(version ?? 0),
        opened: opened === 1,
        closed: closed === null || closed === undefined ? null : String(closed),
        paused: paused === 1,
        restoring: restoring === 1,
      };
    },
  };
}

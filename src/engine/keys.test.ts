import { describe, expect, it } from 'vitest';
import {
  availabilityKey,
  challengeSpentKey,
  gateKey,
  CHANNELS,
  holdWindowKey,
  LEASES,
  loginThrottleKey,
  perfTag,
  queueAdmittedInKey,
  queueJoinWindowKey,
  queueKey,
  rateLimitKey,
  waitlistKey,
  type QueueKeyName,
} from './keys.js';

const QUEUE_KEY_NAMES: QueueKeyName[] = ['seq', 'state', 'order', 'pre', 'seen', 'active', 'meta'];

/** Every key of one performance. */
const keysOf = (perf: string) => [
  ...QUEUE_KEY_NAMES.map((name) => queueKey(perf, name)),
  queueJoinWindowKey(perf, 'user-1'),
  queueAdmittedInKey(perf, 1_767_225_600),
  gateKey(perf, 'seats'),
  gateKey(perf, 'buyers'),
  gateKey(perf, 'ready'),
  gateKey(perf, 'ver'),
  holdWindowKey(perf, 'user-1'),
  availabilityKey(perf, 'bits'),
  availabilityKey(perf, 'ver'),
  challengeSpentKey(perf, 'ab12'),
  waitlistKey(perf, 'user-1'),
];

/** What Redis Cluster hashes: the part between the first `{` and the next `}`, if not empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('engine keys', () => {
  it('when keys are spelled, then they are the strings running nodes and the data in Redis use', () => {
    expect(keysOf('7f3a')).toEqual([
      '{perf:7f3a}:q:seq',
      '{perf:7f3a}:q:state',
      '{perf:7f3a}:q:order',
      '{perf:7f3a}:q:pre',
      '{perf:7f3a}:q:seen',
      '{perf:7f3a}:q:active',
      '{perf:7f3a}:q:meta',
      '{perf:7f3a}:q:rl:user-1',
      '{perf:7f3a}:q:admitted-in:1767225600',
      '{perf:7f3a}:gate:seats',
      '{perf:7f3a}:gate:buyers',
      '{perf:7f3a}:gate:ready',
      '{perf:7f3a}:gate:ver',
      '{perf:7f3a}:gate:rl:user-1',
      '{perf:7f3a}:av:bits',
      '{perf:7f3a}:av:ver',
      '{perf:7f3a}:pow:ab12',
      '{perf:7f3a}:wl:user-1',
    ]);
    expect(perfTag('7f3a')).toBe('{perf:7f3a}');
    expect(rateLimitKey('auth', '203.0.113.9')).toBe('ratelimit:auth:203.0.113.9');
    expect(loginThrottleKey('failures', 'aBc')).toBe('login:failures:aBc');
    expect(loginThrottleKey('wait', 'aBc')).toBe('login:wait:aBc');
    expect(LEASES).toEqual({ admission: 'leader:admission', bookingSweeper: 'leader:booking-sweeper' });
    expect(CHANNELS).toEqual({ sessions: 'sessions', catalog: 'catalog', waitlist: 'waitlist' });
  });

  it("when keys belong to one performance, then all carry that performance's hash tag and no other's", () => {
    const perf = '0194c1e2-5b7a-7c3d-9e8f-a1b2c3d4e5f6';
    expect(new Set(keysOf(perf).map(hashTag))).toEqual(new Set([`perf:${perf}`]));
    expect(new Set(keysOf('other').map(hashTag))).toEqual(new Set(['perf:other']));
  });
});

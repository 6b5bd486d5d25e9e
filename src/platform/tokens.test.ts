import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/harness.js';
import { TokenError, TokenKind } from './tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const reason = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof TokenError ? err.reason : err;
  }
  return 'accepted';
};

describe('TokenKind', () => {
  it('when a token is checked again, then it is still accepted until it expires, and then refused', () => {
    const clock = new TestClock();
    const kind = new TokenKind<{ sub: string }>(SECRET, 'access', clock);
    const { token } = kind.issue({ sub: 'u1' }, 60);
    expect(kind.check(token).sub).toBe('u1');
    expect(kind.check(token).sub).toBe('u1'); // remembered: the same answer
    clock.advance(61_000);
    expect(reason(() => kind.check(token))).toBe('expired');
  });

  it('when a token is forged or of another kind, then it is refused every time', () => {
    const clock = new TestClock();
    const kind = new TokenKind<{ sub: string }>(SECRET, 'access', clock);
    const other = new TokenKind<{ sub: string }>(SECRET, 'queue-pass', clock).issue({ sub: 'u1' }, 60).token;
    const genuine = kind.issue({ sub: 'u1' }, 60).token;
    const tampered = `${genuine.slice(0, -2)}${genuine.endsWith('AA') ? 'BB' : 'AA'}`;
    for (let i = 0; i < 3; i++) {
      expect(reason(() => kind.check(other))).toBe('invalid');
      expect(reason(() => kind.check(tampered))).toBe('invalid');
    }
    expect(kind.check(genuine).sub).toBe('u1');
  });

  it('when far more tokens are checked than it remembers, then each still gets its own claims', () => {
    const clock = new TestClock();
    const kind = new TokenKind<{ sub: string }>(SECRET, 'access', clock, 1_000);
    const tokens = Array.from({ length: 2_500 }, (_, i) => kind.issue({ sub: `u${i}` }, 60).token);
    for (const [i, token] of tokens.entries()) expect(kind.check(token).sub).toBe(`u${i}`);
    for (const i of [0, 999, 1_000, 2_499]) expect(kind.check(tokens[i]!).sub).toBe(`u${i}`);
  });
});

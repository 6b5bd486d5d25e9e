import { describe, expect, it } from 'vitest';
import { allows } from '../auth/access-rule.js';
import { auditSummary } from './summary.js';

describe('audit summaries and role needs', () => {
  it('when a summary holds a ticket code or a password, then it is removed; a large part is left out', () => {
    const summary = auditSummary({
      request: { code: 'T123.abc', performanceId: '4' },
      after: { tickets: [{ code: 'T9', seat: 3 }], password: 'x' },
      before: { layout: 'x'.repeat(5_000) },
      none: undefined,
    });
    expect(summary).toEqual({
      request: { code: '[removed]', performanceId: '4' },
      after: { tickets: [{ code: '[removed]', seat: 3 }], password: '[removed]' },
      before: { omitted: '5013 characters' },
    });
  });

  it('when a role is asked for a need, then staff only check in, managers also manage, owners do all', () => {
    const table = (['staff', 'manager', 'owner'] as const).map((role) =>
      (['checkin', 'manage', 'owner'] as const).map((need) => allows(role, need)),
    );
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });
});

import { Type, type Static } from 'typebox';
import { Id } from './common.js';

// Access codes (issue 22, decision 027): what an organizer creates for a performance, and what a
// buyer types beside a hold.

/** The most random codes one request makes. */
export const MAX_CODE_BATCH = 5000;

/** A code as typed: 4 to 32 letters, digits, `-` or `_`; case does not matter (kept in upper case). */
export const CodeText = Type.String({
  minLength: 4,
  maxLength: 32,
  pattern: '^[A-Za-z0-9_-]+$',
  description: '4 to 32 letters, digits, - or _; case-insensitive',
});

const Grade = Type.String({ minLength: 1, maxLength: 20 });

export const CreateCodesBody = Type.Object(
  {
    code: Type.Optional(CodeText),
    count: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_CODE_BATCH, description: 'random codes to make (or `code`)' }),
    ),
    maxUses: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'purchases each code allows' }),
    percentOff: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'per ticket' })),
    amountOff: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'per ticket' })),
    grades: Type.Optional(
      Type.Array(Grade, { maxItems: 50, uniqueItems: true, description: 'code-only grades it unlocks' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateCodesBody = Static<typeof CreateCodesBody>;

/** A code of a performance, as the organizer's routes name it. */
export const CodeParams = Type.Object({
  id: Id,
  code: CodeText,
});
export type CodeParams = Static<typeof CodeParams>;

/** A code's uses changed after it was made: 0 stops it (a code that leaked); the holds and orders it made stand. */
export const UpdateCodeBody = Type.Object(
  {
    maxUses: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: 'purchases the code allows in all; 0, or fewer than it has made, stops it',
    }),
  },
  { additionalProperties: false },
);
export type UpdateCodeBody = Static<typeof UpdateCodeBody>;

export const AccessCodeSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  maxUses: Type.Integer(),
  /** Live holds and paid orders with the code. */
  used: Type.Integer(),
  percentOff: Type.Union([Type.Integer(), Type.Null()]),
  amountOff: Type.Union([Type.Integer(), Type.Null()]),
  grades: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type AccessCode = Static<typeof AccessCodeSchema>;

export const AccessCodeListSchema = Type.Object({
  codes: Type.Array(AccessCodeSchema),
  /** Grades sold only with a code that unlocks them. */
  codeOnlyGrades: Type.Array(Type.String()),
});
export type AccessCodeList = Static<typeof AccessCodeListSchema>;

export const CodeOnlyGradesBody = Type.Object(
  { grades: Type.Array(Grade, { maxItems: 50, uniqueItems: true }) },
  { additionalProperties: false },
);
export type CodeOnlyGradesBody = Static<typeof CodeOnlyGradesBody>;

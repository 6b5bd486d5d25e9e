import { Type, type Static } from 'typebox';
import { ERRORS, type ErrorCode } from './errors.js';

/** The one error shape every endpoint answers with (DESIGN.md). */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Enum(Object.keys(ERRORS) as ErrorCode[]),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Ids of rows numbered by PostgreSQL (venues, events, performances, orders, tickets, jobs). */
export const Id = Type.String({ pattern: '^[1-9][0-9]{0,17}$' });
export const IdParams = Type.Object({ id: Id });

/** Ids made by the server as UUIDs (holds). */
export const Uuid = Type.String({ format: 'uuid' });
export const UuidParams = Type.Object({ id: Uuid });

/**
 * Text PostgreSQL can store: no NUL (it refuses it in text) and no half of a character (a lone UTF-16
 * surrogate, which cannot be encoded as UTF-8). Refused here, with the field named, rather than by the
 * database as a 500. Patterns are matched per code point (Ajv's `u` flag), so whole characters outside
 * the basic plane pass.
 */
const STORABLE = '[^\\u0000\\uD800-\\uDFFF]*';
export const Text = (maxLength: number) => Type.String({ maxLength, pattern: `^${STORABLE}$` });
/** Storable text with something in it besides spaces. */
export const Name = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: `^(?=${STORABLE}\\S)${STORABLE}$` });

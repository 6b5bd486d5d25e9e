import { Type } from 'typebox';
import { ERRORS, type ErrorCode } from '../contract/errors.js';

/** The one error shape every endpoint answers with (DESIGN.md). */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Enum(Object.keys(ERRORS) as ErrorCode[]),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

import { Type } from 'typebox';
import { ERRORS } from './errors.js';

/** The one error shape every endpoint answers with (DESIGN.md). */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ERRORS).map((code) => Type.Literal(code))),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

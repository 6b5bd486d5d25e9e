import { Type } from 'typebox';

/** GET /healthz: the process is up. (Readiness answers its report, or 503 in the error shape.) */
export const HealthSchema = Type.Object({ status: Type.Literal('ok') });

import { Type } from 'typebox';
import { on } from '../auth/access-rule.js';
import {
  AccessCodeListSchema,
  AccessCodeSchema,
  CodeOnlyGradesBody,
  CodeParams,
  CreateCodesBody,
  MAX_CODE_BATCH,
  UpdateCodeBody,
} from '../contract/codes.js';
import { IdParams } from '../contract/common.js';
import type { App } from '../platform/http.js';
import type { AccessCodeService } from './access/service.js';
import { errors, security } from './route-schemas.js';

/** The organizer's access codes (decision 027); their CSV is with the other exports (desk-routes). */
export function accessCodeRoutes(app: App, deps: { accessCodes: AccessCodeService }) {
  const { accessCodes } = deps;

  app.post(
    '/api/admin/performances/:id/codes',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Create one named access code, or a batch of random ones',
        description:
          `\`code\` (4-32 letters, digits, - or _; kept in upper case) or \`count\` (1-${MAX_CODE_BATCH} random ` +
          'codes), each allowing `maxUses` purchases, with `percentOff` or `amountOff` per ticket and the ' +
          'code-only `grades` it unlocks. 409 CODE_TAKEN when the performance already has the named code.',
        params: IdParams,
        body: CreateCodesBody,
        response: { 201: Type.Object({ codes: Type.Array(AccessCodeSchema) }), ...errors },
      },
    },
    async (req, reply) => reply.code(201).send({ codes: await accessCodes.create(req.params.id, req.body) }),
  );

  app.get(
    '/api/admin/performances/:id/codes',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: "The performance's access codes with their uses, and its code-only grades",
        params: IdParams,
        response: { 200: AccessCodeListSchema, ...errors },
      },
    },
    async (req) => accessCodes.list(req.params.id),
  );

  app.patch(
    '/api/admin/performances/:id/codes/:code',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: "Change a code's uses in all (0 stops a code that leaked)",
        description:
          'The holds and paid orders the code made stand; from now on a hold with it is placed only while ' +
          'its live holds and paid orders number fewer than `maxUses`. 404 CODE_NOT_FOUND.',
        params: CodeParams,
        body: UpdateCodeBody,
        response: { 200: AccessCodeSchema, ...errors },
      },
    },
    async (req) => accessCodes.setMaxUses(req.params.id, req.params.code, req.body.maxUses),
  );

  app.put(
    '/api/admin/performances/:id/code-only-grades',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: 'The grades sold only with an access code that unlocks them (still shown on the seat map)',
        params: IdParams,
        body: CodeOnlyGradesBody,
        response: { 200: AccessCodeListSchema, ...errors },
      },
    },
    async (req) => accessCodes.setCodeOnlyGrades(req.params.id, req.body.grades),
  );
}

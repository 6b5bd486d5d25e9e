import { callerOf, type Guard } from '../auth/guard.js';
import { on, platformOnly } from '../auth/access-rule.js';
import type { App } from '../platform/http.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import {
  BroadcastBody,
  BroadcastListSchema,
  BroadcastPreviewSchema,
  BroadcastProgressSchema,
  MailPageSchema,
  MailQuery,
} from '../contract/mail.js';
import type { MailService } from './service.js';

export function mailRoutes(app: App, deps: { mail: MailService; guard: Guard }) {
  const { mail } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

  app.post(
    '/api/admin/performances/:id/messages/preview',
    {
      config: { access: on('performance', 'manage', { audit: 'none' }) },
      schema: {
        tags: ['mail'],
        summary: 'Preview a message to every ticket holder of the performance, and count its recipients',
        security: [{ bearer: [] }],
        params: IdParams,
        body: BroadcastBody,
        response: { 200: BroadcastPreviewSchema, ...errors },
      },
    },
    async (req) => mail.preview(req.params.id, req.body),
  );

  app.post(
    '/api/admin/performances/:id/messages',
    {
      config: { access: on('performance', 'manage', { action: 'message.send' }) },
      schema: {
        tags: ['mail'],
        summary:
          'Message every ticket holder of the performance (each in their language); 202 with its progress',
        security: [{ bearer: [] }],
        params: IdParams,
        body: BroadcastBody,
        response: { 202: BroadcastProgressSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await mail.send(req.params.id, req.body, callerOf(req).userId)),
  );

  app.get(
    '/api/admin/performances/:id/messages',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['mail'],
        summary: 'The performance’s messages to its ticket holders, newest first, with their progress',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: BroadcastListSchema, ...errors },
      },
    },
    async (req) => mail.broadcasts(req.params.id),
  );

  app.get(
    '/api/admin/messages/:id',
    {
      config: { access: on('broadcast', 'manage') },
      schema: {
        tags: ['mail'],
        summary: 'One message to ticket holders: how many were sent, wait, failed',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: BroadcastProgressSchema, ...errors },
      },
    },
    async (req) => mail.progress(req.params.id),
  );

  app.get(
    '/api/admin/mail',
    {
      config: { access: platformOnly() },
      schema: {
        tags: ['mail'],
        summary:
          'Recent email, newest first: what was sent, waits, failed — or, with no SMTP server, what would be',
        security: [{ bearer: [] }],
        querystring: MailQuery,
        response: { 200: MailPageSchema, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => mail.messages(req.query),
  );
}

import type { FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import {
  allows,
  platformOnly,
  type Access,
  type AccessRule,
  type ResourceKind,
} from '../auth/access-rule.js';
import { callerOf, type Guard } from '../auth/guard.js';
import type { Caller } from '../auth/service.js';
import { AppError, type ErrorCode } from '../contract/errors.js';
import { DEFAULT_ORGANIZATION_ID } from '../contract/teams.js';
import type { Logger } from '../platform/logger.js';
import type { AuditRepository } from './audit-repository.js';
import type { MembershipRow, TeamRepository } from './repository.js';
import { auditSummary } from './summary.js';

/** The 404 another organization's record answers: the same as a record that does not exist. */
const NOT_FOUND: Record<ResourceKind, { code: ErrorCode; key: string }> = {
  organization: { code: 'ORGANIZATION_NOT_FOUND', key: 'id' },
  venue: { code: 'VENUE_NOT_FOUND', key: 'id' },
  event: { code: 'EVENT_NOT_FOUND', key: 'id' },
  performance: { code: 'PERFORMANCE_NOT_FOUND', key: 'id' },
  order: { code: 'ORDER_NOT_FOUND', key: 'orderId' },
  job: { code: 'JOB_NOT_FOUND', key: 'id' },
  broadcast: { code: 'MESSAGE_NOT_FOUND', key: 'broadcastId' },
};

/** Users whose memberships a node keeps. */
const MAX_KNOWN = 10_000;

export const ADMIN_PREFIX = '/api/admin';

/**
 * A caller's memberships, read once per session version and node. Every change of a membership moves
 * the member's session version on (decision 016), so a version's list never goes stale: the old
 * tokens are refused everywhere at once, and the new ones read again.
 */
export class Memberships {
  private readonly known = new Map<string, { version: number; list: readonly MembershipRow[] }>();

  constructor(private readonly deps: { teams: Pick<TeamRepository, 'membershipsOf'> }) {}

  async of(caller: Caller): Promise<readonly MembershipRow[]> {
    const entry = this.known.get(caller.userId);
    if (entry && entry.version === caller.sessionVersion) return entry.list;
    const list = await this.deps.teams.membershipsOf(caller.userId);
    this.known.delete(caller.userId);
    this.known.set(caller.userId, { version: caller.sessionVersion, list });
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.keys().next().value!);
    return list;
  }
}

export interface AccessControlOptions {
  guard: Guard;
  memberships: Memberships;
  teams: Pick<TeamRepository, 'ownerOf'>;
  audit: AuditRepository;
  logger: Logger;
}

/**
 * The one place that says who may call an admin route (decision 023). `install` hooks every route
 * under /api/admin as it is declared: the caller must be logged in and be a platform admin or a member
 * of some organization (buyers: 403 before the body is read); then the route's rule is checked
 * against the organization of the record it names (another organization's record: the record's 404;
 * a role without the right: 403 FORBIDDEN); then each change that succeeded writes its audit row.
 */
export class AccessControl {
  /** What each change's audit row needs from its check: the record before, and its organization. */
  private readonly before = new WeakMap<FastifyRequest, { targetId?: string; summary?: unknown }>();

  /** Every admin route as it was declared, with its rule (none: a platform admin's only). */
  readonly routes: { method: string; url: string; rule: AccessRule | undefined }[] = [];

  constructor(private readonly deps: AccessControlOptions) {}

  install(app: { addHook(name: 'onRoute', hook: (route: RouteOptions) => void): unknown }): void {
    app.addHook('onRoute', (route) => {
      if (route.url !== ADMIN_PREFIX && !route.url.startsWith(`${ADMIN_PREFIX}/`)) return;
      const declared = route.config?.access;
      for (const method of [route.method].flat())
        this.routes.push({ method, url: route.url, rule: declared });
      const rule = declared ?? platformOnly();
      route.onRequest = [this.deps.guard.user, this.admitStaff, ...list(route.onRequest)];
      route.preHandler = [this.checker(rule), ...list(route.preHandler)];
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.some((m) => m !== 'GET' && m !== 'HEAD') && rule.audit === undefined) {
        route.onSend = [...list(route.onSend), this.auditor(rule, route)];
      }
    });
  }

  /** onRequest: a platform admin, or a member of some organization; anyone else (a buyer) 403. */
  private readonly admitStaff: onRequestHookHandler = async (req) => {
    const caller = callerOf(req);
    if (caller.role === 'admin') {
      req.access = { platformAdmin: true, memberships: [] };
      return;
    }
    const memberships = await this.deps.memberships.of(caller);
    if (memberships.length === 0) throw new AppError('FORBIDDEN');
    req.access = { platformAdmin: false, memberships };
  };

  private checker(rule: AccessRule) {
    return async (req: FastifyRequest) => {
      const access = req.access!;
      switch (rule.kind) {
        case 'platform':
          if (!access.platformAdmin) throw new AppError('FORBIDDEN');
          return;
        case 'member':
          if (!access.platformAdmin && !access.memberships.some((m) => allows(m.role, rule.need)))
            throw new AppError('FORBIDDEN');
          return;
        case 'create':
          access.organizationId = await this.creationTarget(req, access, rule.need);
          return;
        case 'resource':
          return this.checkResource(req, access, rule);
      }
    };
  }

  /** The organization a new record goes into: the one named, else the caller's only fitting one. */
  private async creationTarget(req: FastifyRequest, access: Access, need: 'checkin' | 'manage' | 'owner') {
    const named = fieldOf(req, 'body.organizationId');
    if (named !== undefined) {
      const own = access.memberships.find((m) => m.organizationId === named);
      if (access.platformAdmin) {
        if (!(await this.deps.teams.ownerOf('organization', named)))
          throw new AppError('ORGANIZATION_NOT_FOUND', undefined, { id: named });
      } else if (!own) throw new AppError('ORGANIZATION_NOT_FOUND', undefined, { id: named });
      else if (!allows(own.role, need)) throw new AppError('FORBIDDEN');
      return named;
    }
    if (access.platformAdmin) return DEFAULT_ORGANIZATION_ID;
    const fitting = access.memberships.filter((m) => allows(m.role, need));
    if (fitting.length === 0) throw new AppError('FORBIDDEN');
    if (fitting.length > 1) throw new AppError('ORGANIZATION_REQUIRED');
    return fitting[0]!.organizationId;
  }

  private async checkResource(req: FastifyRequest, access: Access, rule: AccessRule & { kind: 'resource' }) {
    const id = fieldOf(req, rule.from);
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    // A platform admin's reads need no look: the route answers an unknown id itself.
    if (id === undefined || (access.platformAdmin && !changes)) {
      if (!access.platformAdmin) throw new AppError('FORBIDDEN');
      return;
    }
    const owner = await this.deps.teams.ownerOf(rule.resource, id);
    const notFound = NOT_FOUND[rule.resource];
    if (!access.platformAdmin) {
      const membership = owner && access.memberships.find((m) => m.organizationId === owner.org);
      if (!membership) throw new AppError(notFound.code, undefined, { [notFound.key]: id });
      if (!allows(membership.role, rule.need)) throw new AppError('FORBIDDEN');
    }
    access.organizationId = owner?.org;
    if (changes) this.before.set(req, { targetId: id, summary: owner?.summary });
  }

  private auditor(rule: AccessRule, route: RouteOptions) {
    // A route that names no action is logged by its path: `post.performances.queue.pause`.
    const path = route.url
      .slice(ADMIN_PREFIX.length + 1)
      .replace(/\/:[^/]+/g, '')
      .replaceAll('/', '.');
    const action = rule.action ?? `${String(route.method).toLowerCase()}.${path}`;
    return async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (reply.statusCode >= 400) return payload;
      const before = this.before.get(req);
      const after = typeof payload === 'string' ? parseJson(payload) : undefined;
      const created = rule.kind === 'create' || (rule.kind === 'resource' && rule.creates !== undefined);
      const targetType =
        rule.kind === 'create'
          ? rule.creates
          : rule.kind === 'resource'
            ? (rule.creates ?? rule.resource)
            : 'platform';
      const targetId = created ? idOf(after) : (before?.targetId ?? null);
      try {
        await this.deps.audit.insert({
          actorId: callerOf(req).userId,
          action,
          targetType,
          targetId,
          organizationId: req.access?.organizationId ?? null,
          summary: auditSummary({ before: before?.summary, after, request: req.body }),
        });
      } catch (err) {
        // The change has committed; the caller is told of it even when its row could not be written.
        this.deps.logger.error({ err, action, targetType, targetId }, 'could not write the audit log');
      }
      return payload;
    };
  }
}

function list<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** `params.id` or `body.performanceId` of a validated request, as a string id. */
function fieldOf(req: FastifyRequest, path: string): string | undefined {
  const [where, name] = path.split('.') as ['params' | 'body', string];
  const source = (where === 'params' ? req.params : req.body) as Record<string, unknown> | null | undefined;
  const value = source?.[name];
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function idOf(body: unknown): string | null {
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : null;
}

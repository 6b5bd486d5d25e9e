import type { Guard } from '../auth/guard.js';
import type { Clock } from '../platform/clock.js';
import type { Sessions } from '../auth/sessions.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { AccessControl, Memberships } from './access.js';
import { AuditRepository } from './audit-repository.js';
import { InvitationRepository } from './invitation-repository.js';
import { InvitationService, type InvitationMailer } from './invitations.js';
import { TeamRepository } from './repository.js';
import { TeamService } from './service.js';

export interface Teams {
  /** Who may call each admin route, and the audit row of each change (install before the routes). */
  access: AccessControl;
  memberships: Memberships;
  service: TeamService;
  invitations: InvitationService;
}

/** Organizations, roles and the audit log wired together. */
export function createTeams(deps: {
  db: Db;
  guard: Guard;
  sessions: Sessions;
  logger: Logger;
  mailer: InvitationMailer;
  clock: Clock;
}): Teams {
  const teams = new TeamRepository(deps.db);
  const audit = new AuditRepository(deps.db);
  const memberships = new Memberships({ teams });
  return {
    access: new AccessControl({ guard: deps.guard, memberships, teams, audit, logger: deps.logger }),
    memberships,
    service: new TeamService({ db: deps.db, teams, audit, sessions: deps.sessions }),
    invitations: new InvitationService({
      db: deps.db,
      teams,
      invitations: new InvitationRepository(deps.db),
      audit,
      sessions: deps.sessions,
      mailer: deps.mailer,
      clock: deps.clock,
    }),
  };
}

// The words of teams and roles: the Team page, the audit log, and the navigation a role sees.
// A part of en.ts, kept apart for its length.

export const teamsEn = {
  'nav.door': 'Door',
  'admin.forbiddenRole': 'Your role in your organization does not include this page.',
  'team.open': 'Team',
  'team.title': 'Team',
  'team.organization': 'Organization',
  'team.none': 'You do not own an organization.',
  'team.members': 'Members',
  'team.email': 'Email',
  'team.name': 'Name',
  'team.role': 'Role',
  'team.roleOf': 'Role of {email}',
  'team.remove': 'Remove',
  'team.removeOf': 'Remove {email}',
  'team.add': 'Add a member',
  'team.addButton': 'Add',
  'team.addHint':
    'They need a Tmomi account first: ask them to sign up, then add their email here. A change of role logs them out, so they sign in again with it.',
  'team.added': '{email} was added as {role}.',
  'team.saved': 'Saved. {email} has been logged out and signs in again with the new role.',
  'team.removed': '{email} was removed.',
  'role.owner': 'Owner',
  'role.manager': 'Manager',
  'role.staff': 'Door staff',
  'role.ownerHint':
    'Owners run sales and manage the team; managers run sales; door staff only check tickets in.',
  'audit.open': 'Audit log',
  'audit.title': 'Audit log',
  'audit.at': 'When',
  'audit.actor': 'Who',
  'audit.action': 'What',
  'audit.target': 'On',
  'audit.details': 'Before and after',
  'audit.filterActor': 'Who (email)',
  'audit.filterAction': 'Action (e.g. performance.pause)',
  'audit.filterTarget': 'Record (e.g. performance:12)',
  'audit.filter': 'Filter',
  'audit.empty': 'Nothing recorded yet.',
  'audit.older': 'Older',
  'audit.newer': 'Newer',
};

/** The sentences of the teams' error codes, spread into `errors`. */
export const teamsErrorsEn = {
  ORGANIZATION_NOT_FOUND: 'There is no such organization.',
  ORGANIZATION_REQUIRED: 'You belong to several organizations; choose the one this belongs to.',
  ACCOUNT_NOT_FOUND: 'No account uses this email. Ask them to sign up first, then add them again.',
  ALREADY_MEMBER: 'This account is already a member.',
  MEMBER_NOT_FOUND: 'This account is not a member of the organization.',
  LAST_OWNER: 'An organization needs an owner. Make someone else owner first.',
};

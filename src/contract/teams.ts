import { Type, type Static } from 'typebox';
import { SessionSchema } from './auth.js';
import { Id, Name } from './common.js';

// Teams and roles (issue 18): organizations, their members, and the audit log of admin actions.

/** Where rows from before organizations, and a platform admin's creations that name none, belong. */
export const DEFAULT_ORGANIZATION_ID = '1';

/** What a member of an organization may do: owner and manager run its sales, staff only the door. */
export const OrgRole = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('staff')]);
export type OrgRole = Static<typeof OrgRole>;

export const OrganizationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** The caller's role in it; absent for a platform admin who is not a member. */
  role: Type.Optional(OrgRole),
});
export type Organization = Static<typeof OrganizationSchema>;
export const OrganizationListSchema = Type.Object({ organizations: Type.Array(OrganizationSchema) });
export type OrganizationList = Static<typeof OrganizationListSchema>;

export const OrganizationBody = Type.Object(
  {
    name: Name(200),
    /** An existing account made the organization's first owner. */
    ownerEmail: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  },
  { additionalProperties: false },
);
export type OrganizationBody = Static<typeof OrganizationBody>;

export const MemberSchema = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: OrgRole,
  since: Type.String({ format: 'date-time' }),
});
export type Member = Static<typeof MemberSchema>;
export const MemberListSchema = Type.Object({ members: Type.Array(MemberSchema) });
export type MemberList = Static<typeof MemberListSchema>;

/** Adds an existing account at once (decision 023); an invitation (below) reaches any address. */
export const MemberBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: OrgRole },
  { additionalProperties: false },
);
export type MemberBody = Static<typeof MemberBody>;
export const MemberRoleBody = Type.Object({ role: OrgRole }, { additionalProperties: false });
export type MemberRoleBody = Static<typeof MemberRoleBody>;
export const MemberParams = Type.Object({ id: Id, userId: Id });

/** Filters of the audit log; every one optional. `target` is `type` or `type:id` (e.g. `performance:12`). */
export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^\\u0000\\uD800-\\uDFFF]*$' })),
    target: Type.Optional(Type.String({ maxLength: 80, pattern: '^[a-z]+(:[1-9][0-9]{0,17})?$' })),
    action: Type.Optional(Type.String({ maxLength: 80, pattern: '^[a-z0-9._-]+$' })),
    organizationId: Type.Optional(Id),
    page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ id: Type.Union([Type.String(), Type.Null()]), email: Type.String() }),
  action: Type.String(),
  target: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  organizationId: Type.Union([Type.String(), Type.Null()]),
  summary: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntrySchema>;
export const AuditPageSchema = Type.Object({
  entries: Type.Array(AuditEntrySchema),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  /** Whether a next page has entries. */
  more: Type.Boolean(),
});
export type AuditPage = Static<typeof AuditPageSchema>;

/** The organization a new venue or event goes into; the caller's only one when left out. */
export const OrganizationChoice = { organizationId: Type.Optional(Id) };

/** A new name for an organization. */
export const OrganizationRenameBody = Type.Object({ name: Name(200) }, { additionalProperties: false });
export type OrganizationRenameBody = Static<typeof OrganizationRenameBody>;

/** An owner invites an address with a role (decision 025); the mailed link is used once, within 7 days. */
export const InvitationBody = MemberBody;
export type InvitationBody = Static<typeof InvitationBody>;
export const InvitationParams = Type.Object({ id: Id, invitationId: Id });

/** A pending invitation as its organization's owners see it (never its token). */
export const InvitationSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: OrgRole,
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  /** Past its expiry: the link no longer works; inviting again sends a new one. */
  expired: Type.Boolean(),
});
export type Invitation = Static<typeof InvitationSchema>;
export const InvitationListSchema = Type.Object({ invitations: Type.Array(InvitationSchema) });
export type InvitationList = Static<typeof InvitationListSchema>;

/** The token of a mailed invitation link (43 base64url characters). */
export const InvitationTokenBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

/** What an invitation link offers, shown before it is accepted. */
export const InvitationOfferSchema = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  email: Type.String(),
  role: OrgRole,
  expiresAt: Type.String({ format: 'date-time' }),
});
export type InvitationOffer = Static<typeof InvitationOfferSchema>;

/** An accepted invitation: the membership, and a new session (the change ended the old one). */
export const InvitationAcceptedSchema = Type.Object({
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  role: OrgRole,
  session: SessionSchema,
});
export type InvitationAccepted = Static<typeof InvitationAcceptedSchema>;

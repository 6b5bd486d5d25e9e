import type { Order } from '@tmomi/contract/booking';
import type { AccessCode, AccessCodeList, CreateCodesBody } from '@tmomi/contract/codes';
import type { DeskOrderDetail, DeskOrderPage, SaleReport } from '@tmomi/contract/desk';
import type { BroadcastBody, BroadcastProgress, MailMessage } from '@tmomi/contract/mail';
import type {
  AuditPage,
  Invitation,
  InvitationAccepted,
  InvitationBody,
  InvitationList,
  InvitationOffer,
  Member,
  MemberBody,
  MemberList,
  Organization,
  OrganizationList,
  OrgRole,
} from '@tmomi/contract/teams';

import { call, post, query } from './api-core';

// The admin's endpoints (mail, teams, the order desk): a part of the client in api.ts.
export const adminClient = {
  mail: {
    list: (to: string, signal?: AbortSignal) =>
      call<{ delivering: boolean; messages: MailMessage[]; next: string | null }>(
        `/api/admin/mail?${query(to ? { limit: 100, to } : { limit: 100 })}`,
        { signal },
      ),
    preview: (performanceId: string, body: BroadcastBody) =>
      post<{
        recipients: number;
        en: { subject: string; text: string };
        ko: { subject: string; text: string };
      }>(`/api/admin/performances/${performanceId}/messages/preview`, body),
    send: (performanceId: string, body: BroadcastBody) =>
      post<BroadcastProgress>(`/api/admin/performances/${performanceId}/messages`, body),
    sent: (performanceId: string, signal?: AbortSignal) =>
      call<{ broadcasts: BroadcastProgress[] }>(`/api/admin/performances/${performanceId}/messages`, {
        signal,
      }),
  },
  teams: {
    /** The caller's organizations and roles (none for a buyer): what the admin pages may show. */
    mine: (signal?: AbortSignal) => call<OrganizationList>('/api/me/organizations', { signal }),
    members: (organizationId: string, signal?: AbortSignal) =>
      call<MemberList>(`/api/admin/organizations/${organizationId}/members`, { signal }),
    add: (organizationId: string, body: MemberBody) =>
      post<Member>(`/api/admin/organizations/${organizationId}/members`, body),
    setRole: (organizationId: string, userId: string, role: OrgRole) =>
      call<Member>(`/api/admin/organizations/${organizationId}/members/${userId}`, {
        method: 'PUT',
        body: { role },
      }),
    remove: (organizationId: string, userId: string) =>
      call<void>(`/api/admin/organizations/${organizationId}/members/${userId}`, { method: 'DELETE' }),
    rename: (organizationId: string, name: string) =>
      call<Organization>(`/api/admin/organizations/${organizationId}`, { method: 'PATCH', body: { name } }),
    deleteOrganization: (organizationId: string) =>
      call<void>(`/api/admin/organizations/${organizationId}`, { method: 'DELETE' }),
    invitations: (organizationId: string, signal?: AbortSignal) =>
      call<InvitationList>(`/api/admin/organizations/${organizationId}/invitations`, { signal }),
    invite: (organizationId: string, body: InvitationBody) =>
      post<Invitation>(`/api/admin/organizations/${organizationId}/invitations`, body),
    revoke: (organizationId: string, invitationId: string) =>
      call<void>(`/api/admin/organizations/${organizationId}/invitations/${invitationId}`, {
        method: 'DELETE',
      }),
    /** What an invitation link offers; no login needed. */
    offer: (token: string, signal?: AbortSignal) =>
      call<InvitationOffer>('/api/invitations/lookup', { method: 'POST', body: { token }, signal }),
    accept: (token: string) => post<InvitationAccepted>('/api/invitations/accept', { token }),
    audit: (params: Record<string, string | number>, signal?: AbortSignal) =>
      call<AuditPage>(`/api/admin/audit?${query(params)}`, { signal }),
  },
  desk: {
    search: (params: Record<string, string | number>, signal?: AbortSignal) =>
      call<DeskOrderPage>(`/api/admin/orders?${query(params)}`, { signal }),
    get: (id: string, signal?: AbortSignal) => call<DeskOrderDetail>(`/api/admin/orders/${id}`, { signal }),
    refund: (id: string, body: { reason: string; ticketIds?: string[] }, idempotencyKey: string) =>
      post<Order>(`/api/admin/orders/${id}/refund`, body, { 'idempotency-key': idempotencyKey }),
    report: (performanceId: string, signal?: AbortSignal) =>
      call<SaleReport>(`/api/admin/performances/${performanceId}/report`, { signal }),
    /** Links, not fetches: the browser downloads the file with the session cookie. */
    csvUrl: (performanceId: string, kind: 'attendees' | 'orders' | 'codes') =>
      `/api/admin/performances/${performanceId}/${kind}.csv`,
  },
  codes: {
    list: (performanceId: string, signal?: AbortSignal) =>
      call<AccessCodeList>(`/api/admin/performances/${performanceId}/codes`, { signal }),
    create: (performanceId: string, body: CreateCodesBody) =>
      post<{ codes: AccessCode[] }>(`/api/admin/performances/${performanceId}/codes`, body),
    /** A code's uses in all; 0 stops it. */
    setMaxUses: (performanceId: string, code: string, maxUses: number) =>
      call<AccessCode>(`/api/admin/performances/${performanceId}/codes/${encodeURIComponent(code)}`, {
        method: 'PATCH',
        body: { maxUses },
      }),
    codeOnlyGrades: (performanceId: string, grades: string[]) =>
      call<AccessCodeList>(`/api/admin/performances/${performanceId}/code-only-grades`, {
        method: 'PUT',
        body: { grades },
      }),
  },
};

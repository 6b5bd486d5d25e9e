import type {
  LoginBody,
  PasswordChangeBody,
  PublicUser,
  Session,
  SignupBody,
  TotpSetup,
} from '@tmomi/contract/auth';
import type {
  CancelBody,
  CheckinBody,
  CheckoutBody,
  DoorCount,
  Hold,
  HoldBody,
  Order,
  SaleStats,
  Ticket,
} from '@tmomi/contract/booking';
import type { WaitlistBody, WaitlistEntry } from '@tmomi/contract/waitlist';
import type {
  Availability,
  EventBody,
  EventDetail,
  Job,
  PerformanceCreated,
  PerformanceDetail,
  PerformanceInput,
  PerformancePatch,
  Performance,
  SearchQuery,
  SearchResult,
  SeatMap,
  TmEvent,
  Venue,
  VenueBody,
} from '@tmomi/contract/catalog';
import type { ChallengePayload, ChallengeView, QueueView } from '@tmomi/contract/queue';
import type { FairnessView, MyFairnessView, RegistrationView } from '@tmomi/contract/lottery';

import { adminClient } from './api-admin';
import {
  ADMIN_PAGE,
  bookingHeaders,
  call,
  MAX_ADMIN_PAGES,
  post,
  query,
  type BookingHeaders,
} from './api-core';

export { ApiError, isAbort, NETWORK_ERROR, newIdempotencyKey, type BookingHeaders } from './api-core';

// The web app's one way to the API: a function per endpoint, typed with the contract the server
// validates and documents with (src/contract). Only types are imported, so no schema reaches the bundle.

export const client = {
  ...adminClient,
  auth: {
    login: (body: LoginBody) => post<Session>('/api/auth/login', body),
    signup: (body: SignupBody) => post<Session>('/api/auth/signup', body),
    logout: () => post<void>('/api/auth/logout'),
    changePassword: (body: PasswordChangeBody) => post<Session>('/api/me/password', body),
    me: (signal?: AbortSignal) => call<PublicUser>('/api/me', { signal }),
    requestReset: (email: string) => post<void>('/api/auth/password-reset', { email }),
    confirmReset: (token: string, password: string) =>
      post<void>('/api/auth/password-reset/confirm', { token, password }),
    verifyEmail: (token: string) => post<void>('/api/auth/verify-email', { token }),
  },
  totp: {
    setUp: (body: { password: string }) => post<TotpSetup>('/api/me/totp', body),
    confirm: (body: { code: string }) => post<{ recoveryCodes: string[] }>('/api/me/totp/confirm', body),
    disable: (body: { password: string }) => post<void>('/api/me/totp/disable', body),
  },
  venues: {
    list: (params: { page?: number; pageSize?: number }, signal?: AbortSignal) =>
      call<Venue[]>(`/api/venues?${query(params)}`, { signal }),
    /** Every venue, page by page: an organizer picks from all of them, not from the first hundred. */
    all: async (signal?: AbortSignal) => {
      const venues: Venue[] = [];
      for (let page = 1; page <= MAX_ADMIN_PAGES; page++) {
        const batch = await client.venues.list({ page, pageSize: ADMIN_PAGE }, signal);
        venues.push(...batch);
        if (batch.length < ADMIN_PAGE) break;
      }
      return venues;
    },
    create: (body: VenueBody) => post<Venue>('/api/admin/venues', body),
    seats: (venueId: string, signal?: AbortSignal) =>
      call<SeatMap>(`/api/venues/${venueId}/seats`, { signal }),
  },
  events: {
    /** Every given parameter is sent as given, an empty `q` too. */
    search: (params: Partial<Record<keyof SearchQuery, string | number>>, signal?: AbortSignal) =>
      call<SearchResult>(`/api/events?${query(params)}`, { signal }),
    /** Every event the search finds, page by page (the admin's lists and the door's picker). */
    all: async (params: { from?: string }, signal?: AbortSignal) => {
      const events: TmEvent[] = [];
      for (let page = 1; page <= MAX_ADMIN_PAGES; page++) {
        const batch = await client.events.search({ ...params, page, pageSize: ADMIN_PAGE }, signal);
        events.push(...batch.events);
        if (events.length >= batch.total || batch.events.length < ADMIN_PAGE) break;
      }
      return events;
    },
    get: (id: string, signal?: AbortSignal) => call<EventDetail>(`/api/events/${id}`, { signal }),
    create: (body: EventBody) => post<TmEvent>('/api/admin/events', body),
  },
  performances: {
    get: (id: string, signal?: AbortSignal) => call<PerformanceDetail>(`/api/performances/${id}`, { signal }),
    create: (eventId: string, body: PerformanceInput) =>
      post<PerformanceCreated>(`/api/admin/events/${eventId}/performances`, body),
    stats: (id: string, signal?: AbortSignal) =>
      call<SaleStats>(`/api/admin/performances/${id}/stats`, { signal }),
    /** Live sale controls: the edit, and pausing or resuming admission. */
    update: (id: string, body: PerformancePatch) =>
      call<Performance>(`/api/admin/performances/${id}`, { method: 'PATCH', body }),
    pause: (id: string) => post<Performance>(`/api/admin/performances/${id}/queue/pause`),
    resume: (id: string) => post<Performance>(`/api/admin/performances/${id}/queue/resume`),
    /** Ends the sale, refunds every paid order and tells every ticket holder why. */
    cancel: (id: string, reason: string) =>
      post<Performance>(`/api/admin/performances/${id}/cancel`, { reason }),
    checkins: (id: string, signal?: AbortSignal) =>
      call<DoorCount>(`/api/admin/performances/${id}/checkins`, { signal }),
    /**
     * The availability bitset, or null when it is unchanged since `etag` (304) or could not be read.
     * The browser's own cache would turn our 304 into a 200 with the old body; the caller keeps the copy.
     */
    availability: async (
      id: string,
      etag: string | null,
      signal?: AbortSignal,
    ): Promise<{ etag: string | null; availability: Availability } | null> => {
      const res = await fetch(`/api/performances/${id}/availability`, {
        cache: 'no-store',
        headers: etag ? { 'if-none-match': etag } : {},
        signal: signal ?? null,
      });
      if (res.status !== 200) return null;
      const availability = (await res.json()) as Availability;
      return { etag: res.headers.get('etag'), availability };
    },
  },
  jobs: {
    get: (id: string, signal?: AbortSignal) => call<Job>(`/api/admin/jobs/${id}`, { signal }),
  },
  queue: {
    /** A fresh proof-of-work challenge of the performance's door (never cached: each is single-use). */
    challenge: (performanceId: string, signal?: AbortSignal) =>
      call<ChallengeView>(`/api/performances/${performanceId}/challenge`, { signal }),
    join: (performanceId: string, signal?: AbortSignal, challenge?: ChallengePayload) =>
      call<QueueView>(`/api/performances/${performanceId}/queue`, {
        method: 'POST',
        signal,
        ...(challenge ? { body: { challenge } } : {}),
      }),
    me: (performanceId: string, signal?: AbortSignal) =>
      call<QueueView>(`/api/performances/${performanceId}/queue/me`, { signal }),
    leave: (performanceId: string) =>
      call<void>(`/api/performances/${performanceId}/queue`, { method: 'DELETE' }),
    /** The Server-Sent Events stream; EventSource authenticates with the session cookie. */
    eventsUrl: (performanceId: string) => `/api/performances/${performanceId}/queue/events`,
  },
  lottery: {
    register: (performanceId: string, challenge?: ChallengePayload) =>
      call<RegistrationView>(`/api/performances/${performanceId}/registrations`, {
        method: 'POST',
        ...(challenge ? { body: { challenge } } : {}),
      }),
    /** Without the list of hashes (one line of 64 characters per buyer drawn): the page shows the values. */
    fairness: (performanceId: string, signal?: AbortSignal) =>
      call<FairnessView>(`/api/performances/${performanceId}/fairness?entries=false`, { signal }),
    mine: (performanceId: string, signal?: AbortSignal) =>
      call<MyFairnessView>(`/api/performances/${performanceId}/fairness/me`, { signal }),
  },
  holds: {
    create: (performanceId: string, body: HoldBody, headers: BookingHeaders) =>
      post<Hold>(`/api/performances/${performanceId}/holds`, body, bookingHeaders(headers)),
    release: (holdId: string) => call<void>(`/api/holds/${holdId}`, { method: 'DELETE' }),
    checkout: (holdId: string, body: CheckoutBody, headers: BookingHeaders) =>
      post<Order>(`/api/holds/${holdId}/checkout`, body, bookingHeaders(headers)),
  },
  orders: {
    list: (signal?: AbortSignal) => call<Order[]>('/api/orders', { signal }),
    get: (id: string, signal?: AbortSignal) => call<Order>(`/api/orders/${id}`, { signal }),
    /** Refunds the given tickets (a partial refund), or every valid one when `ticketIds` is left out. */
    cancel: (id: string, body: CancelBody, idempotencyKey: string) =>
      post<Order>(`/api/orders/${id}/cancel`, body, { 'idempotency-key': idempotencyKey }),
    /** A link, not a fetch: the browser downloads the attachment with the session cookie. */
    pdfUrl: (id: string, lang: string) => `/api/orders/${id}/tickets.pdf?${query({ lang })}`,
  },
  tickets: {
    get: (id: string, signal?: AbortSignal) => call<Ticket>(`/api/tickets/${id}`, { signal }),
    qrUrl: (id: string) => `/api/tickets/${id}/qr.svg`,
  },
  checkIn: (body: CheckinBody) => post<Ticket>('/api/admin/checkin', body),
  /** The waiting list of a sold-out performance (decision 028). */
  waitlist: {
    join: (performanceId: string, body: WaitlistBody) =>
      post<WaitlistEntry>(`/api/performances/${performanceId}/waitlist`, body),
    me: (performanceId: string, signal?: AbortSignal) =>
      call<WaitlistEntry>(`/api/performances/${performanceId}/waitlist/me`, { signal }),
    leave: (performanceId: string) =>
      call<void>(`/api/performances/${performanceId}/waitlist`, { method: 'DELETE' }),
  },
};

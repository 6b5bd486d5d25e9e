// The API's payloads as the web app reads them (DESIGN.md, src/*/schemas.ts). The booking shapes are
// read defensively where the contract leaves room (lists may come bare or wrapped).

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
}

export interface Session {
  user: User;
}

export interface Price {
  grade: string;
  amount: number;
}

export interface Venue {
  id: string;
  name: string;
  address: string;
  seatCount: number;
  grades: string[];
}

export type SaleState = 'scheduled' | 'prequeue' | 'onsale' | 'soldout' | 'closed';

export interface QueueSettings {
  enabled: boolean;
  prequeueMinutes: number;
  admitPerSecond: number;
  maxActive: number;
  passTtlSeconds: number;
}

export interface Performance {
  id: string;
  eventId: string;
  venueId: string;
  startsAt: string;
  salesOpenAt: string;
  salesCloseAt: string;
  holdTtlSeconds: number;
  maxTicketsPerUser: number;
  queue: QueueSettings;
  seatCount: number;
  saleState: SaleState;
}

export interface PerformanceDetail extends Performance {
  counts: { available: number; held: number; sold: number };
  ticketsGenerated: number;
}

export interface TmEvent {
  id: string;
  venueId: string;
  title: string;
  artist: string;
  category: string;
  description: string;
  imageUrl: string | null;
  currency: string;
  prices: Price[];
}

export interface EventDetail extends TmEvent {
  venue: Venue;
  performances: Performance[];
}

export interface SearchResult {
  events: TmEvent[];
  page: number;
  pageSize: number;
  total: number;
}

export interface SeatRow {
  label: string;
  seats: number;
  firstSeatNo: number;
  x: number;
  y: number;
}

export interface SeatSection {
  sectionNo: number;
  name: string;
  grade: string;
  rows: SeatRow[];
}

export interface SeatMap {
  venueId: string;
  name: string;
  seatCount: number;
  sections: SeatSection[];
}

export interface Availability {
  version: number;
  seatCount: number;
  available: string;
}

export type QueueState = 'prequeue' | 'waiting' | 'admitted' | 'expired' | 'left' | 'consumed' | 'closed';

export interface QueueView {
  state: QueueState;
  position: number | null;
  etaSeconds: number | null;
  pass?: string;
  expiresAt?: string;
  opensAt?: string;
  /** Why the room closed: `sale-closed` or `sold-out`. */
  reason?: string;
}

export interface Job {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
  error: string | null;
}

export interface Hold {
  holdId: string;
  seatNos: number[];
  expiresAt: string;
}

export interface Ticket {
  id: string;
  seatNo: number;
  code?: string;
  status?: string;
  section?: string;
  row?: string;
  number?: number;
  grade?: string;
}

export interface Order {
  id: string;
  status: string;
  amount: number;
  currency: string;
  tickets?: Ticket[];
  performanceId?: string;
  createdAt?: string;
}

/** GET /api/admin/performances/:id/stats: one snapshot of a sale. */
export interface SaleStats {
  at: string;
  queue: { waiting: number; active: number; admittedTotal: number };
  tickets: { available: number; held: number; sold: number };
  revenue: { amount: number; currency: string };
  orders: { paid: number; refunded: number; cancelled: number };
}

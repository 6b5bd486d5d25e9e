/**
 * The error catalog: every error a client can see, with its stable code and HTTP status.
 * Codes are part of the public contract (DESIGN.md); add new ones, never rename one.
 * `docs/errors.md` is generated from this table and a test keeps the two in step.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  MALFORMED_URL: { status: 400, message: 'The address is not valid: it has a broken percent-encoding.' },
  MALFORMED_REQUEST: { status: 400, message: 'The request could not be read as HTTP.' },
  URL_TOO_LONG: { status: 414, message: 'A part of the address is too long.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time.' },
  UNAUTHENTICATED: { status: 401, message: 'Log in to continue.' },
  TOKEN_INVALID: { status: 401, message: 'Your session is not valid; log in again.' },
  TOKEN_EXPIRED: { status: 401, message: 'Your session has expired; log in again.' },
  SESSION_ENDED: {
    status: 401,
    message: 'This session has ended (logged out, or the account changed); log in again.',
  },
  INVALID_CREDENTIALS: { status: 401, message: 'The email or password is not correct.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  CROSS_SITE_REQUEST: {
    status: 403,
    message: 'This request came from another site; open Tmomi itself and try again.',
  },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'There is no such endpoint.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists.' },
  WEAK_PASSWORD: {
    status: 422,
    message: 'This password is too common or too easy to guess; choose a longer, less predictable one.',
  },
  WRONG_PASSWORD: { status: 403, message: 'The current password is not correct.' },
  TOTP_REQUIRED: { status: 401, message: 'Enter the code from your authenticator app, or a recovery code.' },
  TOTP_INVALID: { status: 403, message: 'This code is not correct, or has been used already.' },
  TOTP_NOT_SET_UP: { status: 409, message: 'Two-factor login is not being set up; start again.' },
  RATE_LIMITED: { status: 429, message: 'Too many attempts; try again later.' },
  QUEUE_NOT_OPEN: { status: 409, message: 'The waiting room for this performance is not open yet.' },
  REGISTRATION_CLOSED: {
    status: 409,
    message: 'Registration for this lottery is closed: it runs until the sale opens, when the draw is made.',
  },
  NOT_A_LOTTERY: {
    status: 409,
    message:
      'This performance admits buyers in order of arrival, not by lottery: there is nothing to register for.',
  },
  SALE_CLOSED: { status: 409, message: 'The sale for this performance has closed.' },
  SOLD_OUT: { status: 409, message: 'Every ticket for this performance is sold.' },
  NOT_IN_QUEUE: { status: 404, message: 'You are not in the waiting room for this performance.' },
  QUEUE_PASS_REQUIRED: { status: 403, message: 'Wait for your turn in the waiting room first.' },
  QUEUE_PASS_INVALID: { status: 403, message: 'This queue pass is not valid for you and this performance.' },
  QUEUE_PASS_EXPIRED: { status: 403, message: 'Your queue pass has expired; join the waiting room again.' },
  QUEUE_PASS_USED: { status: 403, message: 'This queue pass has already been used.' },
  CHALLENGE_REQUIRED: {
    status: 403,
    message:
      'Your browser must solve the check at the door first; it is missing, wrong, expired or for another performance.',
  },
  CHALLENGE_REUSED: {
    status: 403,
    message: 'This solved check has been used already; your browser solves a new one.',
  },
  VENUE_NOT_FOUND: { status: 404, message: 'There is no such venue.' },
  EVENT_NOT_FOUND: { status: 404, message: 'There is no such event.' },
  PERFORMANCE_NOT_FOUND: { status: 404, message: 'There is no such performance.' },
  JOB_NOT_FOUND: { status: 404, message: 'There is no such job.' },
  PAGE_OUT_OF_RANGE: { status: 404, message: 'There is no such page; the results end earlier.' },
  INVALID_LAYOUT: { status: 422, message: 'The venue layout is not valid.' },
  DUPLICATE_SECTION: { status: 422, message: 'Two sections have the same name.' },
  LAYOUT_TOO_LARGE: { status: 422, message: 'The venue has too many seats.' },
  SECTIONS_OVERLAP: {
    status: 422,
    message: 'Two parts of the venue overlap (sections, standing areas or the stage); move one of them.',
  },
  MISSING_GRADE_PRICE: { status: 422, message: 'Every seat grade of the venue needs a price.' },
  UNKNOWN_GRADE: { status: 422, message: 'A price names a grade the venue does not have.' },
  DUPLICATE_PRICE: { status: 422, message: 'A grade is priced twice.' },
  INVALID_SALE_WINDOW: { status: 422, message: 'Sales must open before they close, and close by the start.' },
  VENUE_LOCKED: { status: 409, message: 'The venue cannot change once the event has performances.' },
  PERFORMANCE_HAS_SALES: { status: 409, message: 'The performance has held or sold tickets, or orders.' },
  PERFORMANCE_CANCELLED: {
    status: 409,
    message: 'The performance is cancelled: it can no longer be changed, paused or cancelled again.',
  },
  SALE_ENDED: {
    status: 409,
    message: 'The sale of this performance has ended; its waiting room cannot be paused.',
  },
  QUEUE_ALREADY_OPEN: {
    status: 409,
    message:
      'The waiting room (or the sale) has opened: whether there is one, and how early it opens, can no longer change.',
  },
  NO_WAITING_ROOM: {
    status: 409,
    message: 'This performance sells without a waiting room; there is nothing to pause.',
  },
  EVENT_HAS_PERFORMANCES: { status: 409, message: 'The event has performances; delete them first.' },
  VENUE_IN_USE: {
    status: 409,
    message: 'An event uses this venue: its seats cannot change and it cannot be deleted.',
  },
  SALE_NOT_OPEN: { status: 409, message: 'Sales for this performance have not opened yet.' },
  SEAT_UNAVAILABLE: { status: 409, message: 'Some of these seats have just been taken; pick others.' },
  INVALID_SEAT: { status: 422, message: 'A seat number does not exist at this venue.' },
  UNKNOWN_GRADE_REQUESTED: { status: 422, message: 'This performance has no seats of that grade.' },
  UNKNOWN_AREA: { status: 422, message: 'This venue has no standing area of that name.' },
  OVER_CAPACITY: { status: 422, message: 'The standing area holds fewer people than that.' },
  SEATS_HELD_OR_SOLD: {
    status: 409,
    message: 'Some of these seats are held or sold; they can be blocked once they come back.',
  },
  SEATS_BLOCKED_IN_LAYOUT: {
    status: 409,
    message: "These seats are blocked in the venue's layout: no performance sells them.",
  },
  TICKETS_NOT_READY: {
    status: 409,
    message: "This performance's tickets are still being generated; try again when that is done.",
  },
  TICKET_LIMIT: { status: 422, message: 'That would exceed the number of tickets one buyer may have.' },
  CODE_INVALID: {
    status: 422,
    message:
      'This access code is not valid for these seats: unknown, used up, or for another performance or grade.',
  },
  CODE_TAKEN: { status: 409, message: 'This performance already has that access code.' },
  CODE_NOT_FOUND: { status: 404, message: 'This performance has no such access code.' },
  HOLD_NOT_FOUND: { status: 404, message: 'There is no such hold.' },
  HOLD_EXPIRED: { status: 410, message: 'Your hold has expired; the seats were released.' },
  HOLD_RELEASED: { status: 410, message: 'This hold was released.' },
  HOLD_ALREADY_PAID: { status: 409, message: 'This hold has already been paid for.' },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, message: 'Send an Idempotency-Key header with every checkout.' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was already used for another request.',
  },
  CHECKOUT_IN_PROGRESS: { status: 409, message: 'A payment for this hold is already in progress.' },
  PAYMENT_DECLINED: { status: 402, message: 'The card was declined; try another card.' },
  PAYMENT_TIMEOUT: {
    status: 504,
    message: 'The payment provider did not answer; you were not charged. Try again.',
  },
  ORDER_NOT_FOUND: { status: 404, message: 'There is no such order.' },
  ORDER_NOT_CANCELLABLE: { status: 409, message: 'This order can no longer be cancelled.' },
  TICKET_NOT_FOUND: { status: 404, message: 'There is no such ticket.' },
  ALREADY_CHECKED_IN: { status: 409, message: 'This ticket has already been used to enter.' },
  TICKET_VOID: { status: 409, message: 'This ticket was cancelled and is no longer valid.' },
  WRONG_PERFORMANCE: { status: 409, message: 'This ticket is for another performance.' },
  TICKET_USED: {
    status: 409,
    message: 'A ticket of this order has been used to enter; it cannot be refunded.',
  },
  REFUND_CLOSED: { status: 409, message: 'The refund deadline for this performance has passed.' },
  NOT_SOLD_OUT: {
    status: 409,
    message: 'Seats of this performance are still on sale: buy them instead of joining the waiting list.',
  },
  NOT_ON_WAITLIST: { status: 404, message: 'You are not on the waiting list for this performance.' },
  INVALID_REFUND_DEADLINE: { status: 422, message: 'Refunds must close by the start of the performance.' },
  NOT_READY: { status: 503, message: 'The service is not ready.' },
  UNAVAILABLE: {
    status: 503,
    message: 'A service Tmomi depends on cannot be reached right now; try again shortly.',
  },
  LINK_INVALID: {
    status: 400,
    message: 'This link is not valid, was used already, or has expired; ask for a new one.',
  },
  MESSAGE_NOT_FOUND: { status: 404, message: 'There is no such message.' },
  ORGANIZATION_NOT_FOUND: { status: 404, message: 'There is no such organization.' },
  ORGANIZATION_REQUIRED: {
    status: 422,
    message: 'You belong to several organizations; name the one this belongs to (organizationId).',
  },
  ACCOUNT_NOT_FOUND: {
    status: 404,
    message: 'No account uses this email; ask them to sign up first, then add them again.',
  },
  ALREADY_MEMBER: { status: 409, message: 'This account is already a member of the organization.' },
  MEMBER_NOT_FOUND: { status: 404, message: 'This account is not a member of the organization.' },
  LAST_OWNER: {
    status: 409,
    message:
      'An organization needs an owner; make someone else owner before this one leaves or changes role.',
  },
  ORGANIZATION_NOT_EMPTY: {
    status: 409,
    message: 'This organization still has venues or events; delete or move them first.',
  },
  ORGANIZATION_IS_DEFAULT: {
    status: 409,
    message: 'The default organization holds what is made without naming one; it cannot be deleted.',
  },
  INVITATION_NOT_FOUND: { status: 404, message: 'There is no such invitation; check the link.' },
  INVITATION_EXPIRED: {
    status: 410,
    message: 'This invitation has expired; ask the organization’s owner to invite you again.',
  },
  INVITATION_REVOKED: { status: 410, message: 'This invitation was withdrawn by the organization.' },
  INVITATION_USED: { status: 409, message: 'This invitation has been accepted already.' },
  INVITATION_WRONG_ACCOUNT: {
    status: 403,
    message:
      'This invitation is for another email address; log in or sign up with that address to accept it.',
  },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message?: string, details?: Record<string, unknown>): ErrorBody {
  return {
    error: { code, message: message ?? ERRORS[code].message, ...(details ? { details } : {}) },
  };
}

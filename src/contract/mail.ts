import { Type, type Static } from 'typebox';
import { Name, Text } from './common.js';

// Mail: what organizers send to a performance's ticket holders, and what admins see of the mail queue.

export const Locale = Type.Union([Type.Literal('ko'), Type.Literal('en')]);
export type Locale = Static<typeof Locale>;

export const MailStateSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('dead'),
  Type.Literal('skipped'),
  Type.Literal('kept'),
]);

/** A message to every ticket holder, in both languages: each holder gets theirs. Empty is a 400. */
export const BroadcastBody = Type.Object({
  subject: Type.Object({ en: Name(200), ko: Name(200) }),
  body: Type.Object({ en: Name(20_000), ko: Name(20_000) }),
});
export type BroadcastBody = Static<typeof BroadcastBody>;

export const BroadcastPreviewSchema = Type.Object({
  /** Who would receive it now: holders of a valid ticket whose address has not bounced. */
  recipients: Type.Integer(),
  en: Type.Object({ subject: Type.String(), text: Type.String(), html: Type.String() }),
  ko: Type.Object({ subject: Type.String(), text: Type.String(), html: Type.String() }),
});

export const BroadcastProgressSchema = Type.Object({
  id: Type.String(),
  performanceId: Type.String(),
  recipients: Type.Integer(),
  sent: Type.Integer(),
  pending: Type.Integer(),
  failed: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type BroadcastProgress = Static<typeof BroadcastProgressSchema>;

export const BroadcastListSchema = Type.Object({ broadcasts: Type.Array(BroadcastProgressSchema) });

export const MailMessageSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  recipient: Type.String(),
  locale: Locale,
  state: MailStateSchema,
  subject: Type.Union([Type.String(), Type.Null()]),
  text: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type MailMessage = Static<typeof MailMessageSchema>;

export const MailPageSchema = Type.Object({
  /** Whether an SMTP server is configured; when not, messages are kept here and never sent. */
  delivering: Type.Boolean(),
  messages: Type.Array(MailMessageSchema),
  next: Type.Union([Type.String(), Type.Null()]),
});

export const MailQuery = Type.Object({
  before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,17}$' })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  /** Only the messages to this address. */
  to: Type.Optional(Type.String({ ...Text(254), minLength: 1 })),
});

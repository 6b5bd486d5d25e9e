-- Up Migration

-- Buyers hear from Tmomi by email (issue 21) and prove their address or reset a forgotten password
-- (issue 16). docs/decisions/019-mail-delivery.md tells how messages are claimed and delivered.

-- The language of the account's mail, chosen in the app at signup (or read from Accept-Language);
-- when the address was proven; when a server refused it for good (SMTP 5xx), after which it is skipped.
ALTER TABLE users
  ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('ko', 'en')),
  ADD COLUMN email_verified_at timestamptz,
  ADD COLUMN mail_bounced_at timestamptz;

-- One email to one address. `source` names what made it (an outbox event, a broadcast and its
-- recipient, a token) and is unique, so making it twice makes it once. `message_id` is its SMTP
-- Message-ID, the same on every attempt, so a receiver can drop a copy sent again after a crash.
-- `kind` and `data` are what it says; subject and bodies are filled when it is first rendered.
-- States: pending → sending (claimed: `claim` and `lease_until` name the node's attempt) → sent |
-- pending again (backoff) | dead (after the last attempt, or refused for good) | skipped (a bounced
-- address) | kept (no SMTP server configured: made and shown in the admin's Mail page, never sent).
CREATE TABLE mail_messages (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source           text        NOT NULL UNIQUE,
  message_id       text        NOT NULL UNIQUE,
  kind             text        NOT NULL,
  user_id          bigint      REFERENCES users (id) ON DELETE SET NULL,
  recipient        text        NOT NULL,
  locale           text        NOT NULL CHECK (locale IN ('ko', 'en')),
  data             jsonb       NOT NULL DEFAULT '{}',
  -- Broadcasts wait for the mail rate; what a buyer waits for right now (a confirmation, a reset) does not.
  bulk             boolean     NOT NULL DEFAULT false,
  broadcast_id     bigint,
  subject          text,
  text_body        text,
  html_body        text,
  state            text        NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'skipped', 'kept')),
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  claim            uuid,
  lease_until      timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
-- The claim's scan: only what is waiting, in the order it is due; transactional mail ahead of bulk.
CREATE INDEX mail_messages_due ON mail_messages (bulk, next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_messages_sending ON mail_messages (lease_until) WHERE state = 'sending';
CREATE INDEX mail_messages_broadcast ON mail_messages (broadcast_id, state) WHERE broadcast_id IS NOT NULL;
CREATE INDEX mail_messages_recent ON mail_messages (id DESC);

-- "Message all ticket holders of a performance": the text in both languages; its messages are made in
-- one statement (one per holder) and their states are its progress.
CREATE TABLE mail_broadcasts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  performance_id bigint      NOT NULL REFERENCES performances (id) ON DELETE CASCADE,
  kind           text        NOT NULL DEFAULT 'message',
  subject_en     text        NOT NULL,
  body_en        text        NOT NULL,
  subject_ko     text        NOT NULL,
  body_ko        text        NOT NULL,
  created_by     bigint      REFERENCES users (id) ON DELETE SET NULL,
  recipients     integer     NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_broadcasts_performance ON mail_broadcasts (performance_id, id DESC);

-- Single-use tokens sent by mail: a password reset, an address to prove. Only their SHA-256 is kept,
-- so a copy of the database does not hold a usable token.
CREATE TABLE auth_tokens (
  token_hash  bytea       PRIMARY KEY,
  user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose     text        NOT NULL CHECK (purpose IN ('password-reset', 'verify-email')),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id, purpose);

-- The mail worker is the outbox's consumer (src/mail/worker.ts): events written before this migration are
-- history, and their buyers are not mailed on the upgrade.
UPDATE outbox SET published_at = now() WHERE published_at IS NULL;

-- Down Migration

DROP TABLE auth_tokens;
DROP TABLE mail_broadcasts;
DROP TABLE mail_messages;
ALTER TABLE users DROP COLUMN locale, DROP COLUMN email_verified_at, DROP COLUMN mail_bounced_at;

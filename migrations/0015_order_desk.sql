-- Up Migration

-- The order desk (issue 18) finds orders by a part of the buyer's email, in any case (emails are stored
-- lower-cased): a trigram index answers `email ILIKE '%part%'` without reading every user.
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);
-- … and lists a performance's orders, newest first, whatever their status.
CREATE INDEX orders_performance ON orders (performance_id, id);

-- The waiting room's funnel, kept past the engine's state (gone a day after the sale closes) for the
-- post-sale report: the admission ticker adds what each of its rounds admitted, and the entries it
-- skipped because nobody had seen them for a while (abandoned). One small upsert per round that
-- admitted anyone, by the one node that leads admission.
CREATE TABLE queue_funnel (
  performance_id bigint      PRIMARY KEY REFERENCES performances ON DELETE CASCADE,
  admitted       bigint      NOT NULL DEFAULT 0,
  abandoned      bigint      NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE queue_funnel;
DROP INDEX orders_performance;
DROP INDEX users_email_trgm;

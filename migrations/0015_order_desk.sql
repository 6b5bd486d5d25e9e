-- Up Migration

-- The order desk (issue 18) finds orders by a part of the buyer's email, in any case (emails are stored
-- lower-cased): a trigram index answers `email ILIKE '%part%'` without reading every user.
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);
-- … and lists a performance's orders, newest first, whatever their status.
CREATE INDEX orders_performance ON orders (performance_id, id);

-- Down Migration

DROP INDEX orders_performance;
DROP INDEX users_email_trgm;

-- Up Migration
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE venues (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text        NOT NULL,
  address    text        NOT NULL DEFAULT '',
  seat_count integer     NOT NULL CHECK (seat_count > 0),
  -- The compact layout as given (sections with rows), kept to serve the seat map without reading seats.
  layout     jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sections (
  venue_id   bigint  NOT NULL REFERENCES venues ON DELETE CASCADE,
  section_no integer NOT NULL,
  name       text    NOT NULL,
  grade      text    NOT NULL,
  PRIMARY KEY (venue_id, section_no),
  UNIQUE (venue_id, name)
);

-- One row per physical seat; seat_no is dense 0..n-1 in section, row, seat order.
CREATE TABLE seats (
  venue_id   bigint  NOT NULL REFERENCES venues ON DELETE CASCADE,
  seat_no    integer NOT NULL,
  section_no integer NOT NULL,
  row_label  text    NOT NULL,
  number     integer NOT NULL,
  x          real    NOT NULL,
  y          real    NOT NULL,
  PRIMARY KEY (venue_id, seat_no),
  FOREIGN KEY (venue_id, section_no) REFERENCES sections
);

CREATE TABLE events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  venue_id    bigint      NOT NULL REFERENCES venues,
  title       text        NOT NULL,
  artist      text        NOT NULL DEFAULT '',
  category    text        NOT NULL,
  description text        NOT NULL DEFAULT '',
  image_url   text,
  currency    text        NOT NULL DEFAULT 'KRW',
  -- What search matches against: lower-cased so that LIKE on it is case-insensitive in any locale.
  search_text text GENERATED ALWAYS AS (lower(title || ' ' || artist)) STORED,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_search_trgm ON events USING gin (search_text gin_trgm_ops);
CREATE INDEX events_category ON events (category, id);

CREATE TABLE event_prices (
  event_id bigint  NOT NULL REFERENCES events ON DELETE CASCADE,
  grade    text    NOT NULL,
  amount   integer NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (event_id, grade)
);

CREATE TABLE performances (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id             bigint      NOT NULL REFERENCES events,
  starts_at            timestamptz NOT NULL,
  sales_open_at        timestamptz NOT NULL,
  sales_close_at       timestamptz NOT NULL,
  hold_ttl_seconds     integer     NOT NULL,
  max_tickets_per_user integer     NOT NULL,
  queue_enabled        boolean     NOT NULL,
  prequeue_minutes     integer     NOT NULL,
  admit_per_second     integer     NOT NULL,
  max_active           integer     NOT NULL,
  pass_ttl_seconds     integer     NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (sales_open_at < sales_close_at AND sales_close_at <= starts_at)
);
CREATE INDEX performances_event ON performances (event_id, starts_at);
CREATE INDEX performances_starts ON performances (starts_at);

-- One row per seat per performance, generated in advance; buying only flips a row (DESIGN.md).
-- Kept narrow (status as a small integer: 0 available, 1 held, 2 sold): ten million rows is a normal day.
-- The key leads with performance_id so the table can be partitioned or distributed by it.
CREATE TABLE tickets (
  performance_id bigint   NOT NULL,
  seat_no        integer  NOT NULL,
  status         smallint NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),
  hold_id        bigint,
  held_until     timestamptz,
  order_id       bigint,
  PRIMARY KEY (performance_id, seat_no)
);

CREATE TABLE jobs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text        NOT NULL,
  state        text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  done         integer     NOT NULL DEFAULT 0,
  total        integer     NOT NULL,
  payload      jsonb       NOT NULL,
  error        text,
  -- A running job whose heartbeat is old was abandoned by a dead node and may be resumed by another.
  heartbeat_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_unfinished ON jobs (id) WHERE state IN ('queued', 'running');

-- Down Migration
DROP TABLE jobs;
DROP TABLE tickets;
DROP TABLE performances;
DROP TABLE event_prices;
DROP TABLE events;
DROP TABLE seats;
DROP TABLE sections;
DROP TABLE venues;

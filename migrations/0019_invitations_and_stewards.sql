-- Up Migration

-- Teams (issue 18, decision 025). An owner invites an email address into the organization with a role;
-- the invitation is mailed as a link whose token is used once before it expires. Only the token's
-- SHA-256 is kept, as for the account links of migration 0013. At most one invitation per address and
-- organization is pending (inviting again replaces it, so the latest link is the one that works).
CREATE TABLE invitations (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id bigint      NOT NULL REFERENCES organizations ON DELETE CASCADE,
  email           text        NOT NULL CHECK (email = lower(email)),
  role            text        NOT NULL CHECK (role IN ('owner', 'manager', 'staff')),
  token_hash      bytea       NOT NULL UNIQUE,
  invited_by      bigint      REFERENCES users ON DELETE SET NULL,
  expires_at      timestamptz NOT NULL,
  accepted_at     timestamptz,
  accepted_by     bigint      REFERENCES users ON DELETE SET NULL,
  revoked_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX invitations_pending ON invitations (organization_id, email)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Who admitted each ticket at the door (the staff member's or admin's account): the order desk's
-- timeline says who scanned it. Tickets checked in before this migration keep a null.
ALTER TABLE issued_tickets ADD COLUMN checked_in_by bigint REFERENCES users ON DELETE SET NULL;

-- Down Migration

ALTER TABLE issued_tickets DROP COLUMN checked_in_by;
DROP TABLE invitations;

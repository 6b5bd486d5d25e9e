-- Up Migration

-- Two-factor login with TOTP (issue 16, defect 11), for any account and meant for admins and
-- organizers. The secret is kept encrypted with a key derived from the installation's secret
-- (src/auth/totp.ts): a copy of the database alone does not give anyone the codes. `totp_pending`
-- holds a secret being set up until a first code confirms it; `totp_last_step` is the 30-second step of
-- the last code accepted, so a code is never accepted twice; `totp_recovery` holds the SHA-256 of each
-- unused recovery code.
ALTER TABLE users
  ADD COLUMN totp_secret text,
  ADD COLUMN totp_pending text,
  ADD COLUMN totp_last_step bigint,
  ADD COLUMN totp_recovery text[] NOT NULL DEFAULT '{}';

-- Down Migration

ALTER TABLE users
  DROP COLUMN totp_secret,
  DROP COLUMN totp_pending,
  DROP COLUMN totp_last_step,
  DROP COLUMN totp_recovery;

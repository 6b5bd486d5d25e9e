-- Up Migration

-- Sessions that can be revoked (issue 16, defect 1). Each user has a session version; an access token
-- carries the version it was issued under (`sv`), and is refused once the user's has moved on or the
-- user is gone. Logout moves it on (the account is signed out on every device); so does a change of
-- role or password, through the trigger, however the change is made. Tokens issued before this
-- migration have no `sv` and count as version 0, the version every user starts with.
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION tmomi_bump_session_version()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role IS DISTINCT FROM OLD.role OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    NEW.session_version := OLD.session_version + 1;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER users_session_version BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION tmomi_bump_session_version();

-- Down Migration

DROP TRIGGER users_session_version ON users;
DROP FUNCTION tmomi_bump_session_version();
ALTER TABLE users DROP COLUMN session_version;

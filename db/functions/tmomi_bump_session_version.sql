-- The trigger behind revocable sessions (issue 16): a change of a user's role or password, however it is
-- made — by Tmomi, by `tmomi admin create`, or by hand in SQL — ends every session the user has, by
-- moving the user's session version on. An access token carries the version it was issued under, and
-- one that is no longer the user's is refused (src/auth/sessions.ts). Logout moves it on explicitly.

CREATE OR REPLACE FUNCTION tmomi_bump_session_version()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role IS DISTINCT FROM OLD.role OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    NEW.session_version := OLD.session_version + 1;
  END IF;
  RETURN NEW;
END $$;

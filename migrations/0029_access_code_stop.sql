-- Up Migration

-- An access code that leaked is stopped by setting its uses in all to 0 (PATCH …/codes/:code): what it
-- already made stands, and tmomi_place_holds, which places a coded hold only while the code's live holds
-- and paid orders number fewer than max_uses, places no more.

ALTER TABLE access_codes DROP CONSTRAINT access_codes_max_uses_check;
ALTER TABLE access_codes ADD CONSTRAINT access_codes_max_uses_check CHECK (max_uses >= 0);

-- Down Migration

-- The old rule has no stop: a stopped code gets one use back.
UPDATE access_codes SET max_uses = 1 WHERE max_uses = 0;
ALTER TABLE access_codes DROP CONSTRAINT access_codes_max_uses_check;
ALTER TABLE access_codes ADD CONSTRAINT access_codes_max_uses_check CHECK (max_uses > 0);

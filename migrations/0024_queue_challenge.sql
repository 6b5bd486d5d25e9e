-- Up Migration

-- Proof of work at the queue's door (decision 030): how many hashes, about, a buyer's browser tries
-- before it may join this performance's queue (or register for its lottery); 0 turns it off. A new
-- performance takes the configured default (TMOMI_CHALLENGE_DIFFICULTY) unless its creator names one;
-- the performances that exist already keep their doors open, as they were announced.

ALTER TABLE performances ADD COLUMN challenge_difficulty integer NOT NULL DEFAULT 0
  CHECK (challenge_difficulty BETWEEN 0 AND 5000000);

-- Down Migration

ALTER TABLE performances DROP COLUMN challenge_difficulty;

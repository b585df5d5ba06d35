-- The daily AI budget is reserved before each model call (issue #14): the worst case of the call
-- (whole prompt plus every output token allowed, at the model's price) is held here, in one
-- conditional upsert that refuses when cost_usd + reserved_usd + the call's worst case would pass
-- the tenant's cap, so concurrent calls cannot all read the same spend and overshoot together.
-- Settlement moves the actual cost into cost_usd and releases the hold. double precision: holds
-- are added and taken back by the exact same amounts, and must come back to zero.
ALTER TABLE "usage_daily" ADD COLUMN IF NOT EXISTS "reserved_usd" double precision DEFAULT 0 NOT NULL;

-- Look-up limits shared by every replica (issue 11, item 4): one row per bucket, "a:<address>" for
-- the fixed window of a source address, "c:<sha256 of a dossier code>" for the code's growing
-- back-off. Times are epoch ms of the server's clock; stale rows are swept (lookup.ts).
CREATE TABLE rate_limits (
  bucket text PRIMARY KEY,
  count integer NOT NULL,
  window_start bigint NOT NULL,
  blocked_until bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX rate_limits_updated_at ON rate_limits (updated_at);

-- Blob ownership per branch. A scan's row in `blobs` is one per hash (the bytes are stored once);
-- every branch whose upload of those bytes verified owns it, and only owners see it by hash
-- (HEAD/GET /v1/blobs/sha256/…, POST /v1/blobs/known). A branch that never uploaded the bytes
-- still gets 404: no existence oracle across branches. Owners go with the blob's row.
CREATE TABLE blob_owners (
  sha256 text NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
  branch_code text NOT NULL REFERENCES branches (code),
  -- The device of the branch whose upload first verified, and when (server clock, epoch ms).
  device_id uuid NOT NULL,
  verified_at bigint NOT NULL,
  PRIMARY KEY (sha256, branch_code)
);
INSERT INTO blob_owners (sha256, branch_code, device_id, verified_at) SELECT sha256, branch_code, device_id, verified_at FROM blobs;

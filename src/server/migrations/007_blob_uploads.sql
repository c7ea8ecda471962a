-- Unfinished tus uploads, bounded and swept, and their locks shared by every server process
-- (issue 11, item 4; blobUploads.ts, blobLocker.ts).

-- One row per unfinished upload, from its creation until it is verified, terminated or swept.
-- The per-device quota counts these rows (declared sizes); the sweep deletes uploads whose
-- touched_at (creation, then every PATCH) is too old. Times are milliseconds from the server's
-- clock, like blobs.verified_at.
CREATE TABLE blob_uploads (
  upload_id text PRIMARY KEY,
  device_id uuid NOT NULL REFERENCES devices (device_id),
  size bigint NOT NULL CHECK (size >= 0),
  created_at bigint NOT NULL,
  touched_at bigint NOT NULL
);
CREATE INDEX blob_uploads_by_device ON blob_uploads (device_id);
CREATE INDEX blob_uploads_by_touched ON blob_uploads (touched_at);

-- A lease per locked upload, so that replicas on one PostgreSQL never write an upload at the same
-- time. Expiry is database time (clock_timestamp()), never a process's clock. The embedded PGlite
-- server is a single process and keeps its locks in memory: this table stays empty there.
CREATE TABLE blob_upload_locks (
  upload_id text PRIMARY KEY,
  token text NOT NULL,
  expires_at timestamptz NOT NULL,
  release_requested boolean NOT NULL DEFAULT false
);

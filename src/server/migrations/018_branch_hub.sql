-- Branch hub (src/server/hub): the same server, run in a branch, relays every kiosk journal to the
-- centre unchanged. These tables stay empty on the centre.

-- What the hub holds that the centre has not confirmed yet: each consumed seq of a kiosk journal,
-- the envelope exactly as the kiosk sent it, written in the push's own transaction. A record type
-- with personal data keeps its arguments sealed under the row's own data key (as dossiers are);
-- the others in `args`. A row leaves once the centre answered for its seq.
CREATE TABLE relay_outbox (
  device_id uuid NOT NULL,
  journal_id uuid NOT NULL,
  device_seq bigint NOT NULL,
  mutation_id uuid NOT NULL,
  name text NOT NULL,
  schema_version integer NOT NULL,
  created_at bigint NOT NULL,
  args jsonb,
  sealed bytea,
  dek bytea,
  kek_id text,
  bytes integer NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (device_id, journal_id, device_seq),
  CONSTRAINT relay_outbox_sealed_with_key CHECK ((sealed IS NULL) = (dek IS NULL) AND (sealed IS NULL) = (kek_id IS NULL))
);
CREATE INDEX relay_outbox_received ON relay_outbox (received_at);

-- Per kiosk journal: up to which seq the centre holds it (`centre_seq`; what kiosks may prune),
-- the seq the hub's copy of the stream started from (`base_seq`: a journal the hub first saw
-- mid-stream, e.g. after its database was lost), and why relaying it stopped, if it did.
CREATE TABLE relay_journals (
  device_id uuid NOT NULL,
  journal_id uuid NOT NULL,
  centre_seq bigint NOT NULL DEFAULT 0,
  base_seq bigint NOT NULL DEFAULT 0,
  last_error jsonb,
  last_error_at bigint,
  relayed_at bigint,
  PRIMARY KEY (device_id, journal_id)
);

-- Scans the hub verified that the centre has not confirmed yet (blobs.ts adds the row in the
-- verification's transaction): uploaded to the centre over tus for the device that scanned them,
-- resuming at `upload_url`; the row leaves once the centre knows the hash for the branch.
CREATE TABLE relay_blobs (
  sha256 text PRIMARY KEY,
  device_id uuid NOT NULL,
  size bigint NOT NULL,
  added_at bigint NOT NULL,
  upload_url text,
  attempts integer NOT NULL DEFAULT 0,
  last_error jsonb,
  last_error_at bigint
);
CREATE INDEX relay_blobs_added ON relay_blobs (added_at);

-- Issue 3, sync: journals (one mutation stream per kiosk database), the per-scope change feed for
-- published data, ratings, heartbeats, blobs, dossier status for the citizen look-up, and centre
-- admin tokens.

-- One gapless sequence per (device, journal). Devices enrolled before journals existed continue
-- in the legacy journal (the nil UUID), which kiosks upgraded from schema v1 also use.
CREATE TABLE journals (
  device_id uuid NOT NULL REFERENCES devices (device_id),
  journal_id uuid NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, journal_id)
);
INSERT INTO journals (device_id, journal_id, last_seq)
  SELECT device_id, '00000000-0000-0000-0000-000000000000', last_seq FROM devices WHERE last_seq > 0;

ALTER TABLE mutations ADD COLUMN journal_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE mutations ALTER COLUMN journal_id DROP DEFAULT;
ALTER TABLE mutations DROP CONSTRAINT mutations_device_id_device_seq_key;
ALTER TABLE mutations ADD CONSTRAINT mutations_stream_seq_key UNIQUE (device_id, journal_id, device_seq);
ALTER TABLE devices DROP COLUMN last_seq;

-- Published data. scope_seqs holds each scope's last change number; a publishing transaction
-- increments it with UPDATE … RETURNING, which locks the row until commit, so changes commit in
-- sequence order and a reader never sees seq n+1 before seq n. Only the newest change per
-- (scope, entity, key) is kept; a delete stays as a tombstone.
CREATE TABLE scope_seqs (
  scope text PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE changes (
  scope text NOT NULL,
  entity text NOT NULL,
  key text NOT NULL,
  seq bigint NOT NULL,
  op text NOT NULL CHECK (op IN ('put', 'delete')),
  data jsonb,
  checksum bigint NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, entity, key),
  UNIQUE (scope, seq)
);

CREATE TABLE ratings (
  id uuid PRIMARY KEY,
  branch_code text NOT NULL REFERENCES branches (code),
  device_id uuid NOT NULL REFERENCES devices (device_id),
  ticket_id uuid,
  dossier_code text,
  counter text,
  level text NOT NULL,
  reasons text[] NOT NULL,
  comment text NOT NULL,
  questionnaire_id text,
  questionnaire_version integer,
  submitted_at bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- The latest heartbeat of each device (monitoring); history is in the structured logs.
CREATE TABLE heartbeats (
  device_id uuid PRIMARY KEY REFERENCES devices (device_id),
  received_at bigint NOT NULL,
  report jsonb NOT NULL
);

-- Scanned documents, content-addressed. A row exists only for a verified blob (hash checked).
CREATE TABLE blobs (
  sha256 text PRIMARY KEY,
  size bigint NOT NULL,
  storage_key text NOT NULL,
  branch_code text NOT NULL REFERENCES branches (code),
  device_id uuid NOT NULL REFERENCES devices (device_id),
  verified_at bigint NOT NULL
);

-- What the citizen look-up may reveal: the status of a dossier, behind its look-up secret (hashed).
CREATE TABLE dossiers (
  code text PRIMARY KEY,
  branch_code text NOT NULL REFERENCES branches (code),
  lookup_secret_hash text NOT NULL,
  status text NOT NULL,
  status_at bigint NOT NULL,
  appointment_date text,
  note text NOT NULL DEFAULT ''
);

-- Centre staff credentials for publishing (hashed, like device tokens).
CREATE TABLE admin_tokens (
  token_hash text PRIMARY KEY,
  label text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint
);

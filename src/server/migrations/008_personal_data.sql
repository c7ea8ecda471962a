-- Personal data at rest and a citizen's rights at the centre (issue 11, item 5; personalData.ts,
-- dataProtection.ts, blobCipher.ts).

-- A received dossier's personal fields (applicant, result delivery detail, the officer's
-- incompleteness reason) are sealed into `personal` under the dossier's own data key, stored
-- wrapped by the key-encryption key `personal_kek_id` names. The plaintext columns stay only for
-- rows written before this migration, until the server's job seals them (then they are NULL).
ALTER TABLE received_dossiers ALTER COLUMN applicant DROP NOT NULL;
ALTER TABLE received_dossiers ALTER COLUMN result_delivery_detail DROP NOT NULL;
ALTER TABLE received_dossiers ADD COLUMN personal bytea;
ALTER TABLE received_dossiers ADD COLUMN personal_dek bytea;
ALTER TABLE received_dossiers ADD COLUMN personal_kek_id text;
-- Keyed HMAC-SHA-256 of the normalised ID number (DATA_INDEX_KEY): finds one citizen's dossiers.
ALTER TABLE received_dossiers ADD COLUMN id_number_index text;
-- Set when the personal fields and scans were erased (retention, or the citizen's request); the
-- non-personal row stays for statistics and the status look-up.
ALTER TABLE received_dossiers ADD COLUMN personal_erased_at bigint;
ALTER TABLE received_dossiers ADD COLUMN personal_erased_reason text CHECK (personal_erased_reason IN ('retention', 'citizen-request'));
ALTER TABLE received_dossiers ADD CONSTRAINT received_dossiers_sealed_with_key
  CHECK ((personal IS NULL) = (personal_dek IS NULL) AND (personal IS NULL) = (personal_kek_id IS NULL));
ALTER TABLE received_dossiers ADD CONSTRAINT received_dossiers_erased_is_empty
  CHECK (personal_erased_at IS NULL OR (personal IS NULL AND applicant IS NULL AND result_delivery_detail IS NULL AND incomplete_reason IS NULL AND id_number_index IS NULL));
CREATE INDEX received_dossiers_id_number_index ON received_dossiers (id_number_index) WHERE id_number_index IS NOT NULL;
-- Rows still to seal (written before this migration, or by the benchmark's unencrypted baseline).
CREATE INDEX received_dossiers_unsealed ON received_dossiers (id) WHERE personal IS NULL AND personal_erased_at IS NULL;
CREATE INDEX received_dossiers_by_kek ON received_dossiers (personal_kek_id) WHERE personal_kek_id IS NOT NULL;

-- A stored scan is sealed (blobCipher.ts) under its own data key, wrapped by `kek_id`'s key.
-- NULL for files written before this migration, until the server's job seals them.
ALTER TABLE blobs ADD COLUMN dek bytea;
ALTER TABLE blobs ADD COLUMN kek_id text;
ALTER TABLE blobs ADD CONSTRAINT blobs_sealed_with_key CHECK ((dek IS NULL) = (kek_id IS NULL));
CREATE INDEX blobs_unsealed ON blobs (sha256) WHERE kek_id IS NULL;
CREATE INDEX blobs_by_kek ON blobs (kek_id) WHERE kek_id IS NOT NULL;

-- Fingerprints (HMACs of a constant, not the keys) of the keys in use, so that a server given a
-- different key under a known id refuses to start instead of failing on every read.
CREATE TABLE data_key_fingerprints (
  kind text NOT NULL CHECK (kind IN ('kek', 'index')),
  key_id text NOT NULL,
  fingerprint text NOT NULL,
  PRIMARY KEY (kind, key_id)
);

-- Issue 4, counter officer: dossiers received at a counter (`dossier.submit@1`), as the kiosk sent
-- them, and the blobs (scanned PDFs) each one references, so its completeness can be recomputed
-- when a blob is verified later. The citizen-facing status (and the look-up secret's hash) stays in
-- `dossiers` (002); a received dossier always has its status row, created in the same transaction.

CREATE TABLE received_dossiers (
  id uuid PRIMARY KEY,
  code text NOT NULL UNIQUE,
  branch_code text NOT NULL REFERENCES branches (code),
  device_id uuid NOT NULL REFERENCES devices (device_id),
  slot integer NOT NULL,
  -- The kiosk's clock at reception (epoch ms); stored_at is the server's.
  received_at bigint NOT NULL,
  procedure_code text NOT NULL,
  procedure_name text NOT NULL,
  processing_time double precision NOT NULL,
  processing_unit text NOT NULL,
  -- Personal data: exactly the DossierApplicantArgs the counter sent, nothing more.
  applicant jsonb NOT NULL,
  -- DossierDocumentArgs[] and the missing {documentId, name}[], as sent.
  documents jsonb NOT NULL,
  missing jsonb NOT NULL,
  incomplete_reason text,
  sets integer NOT NULL,
  appointment_kind text NOT NULL CHECK (appointment_kind IN ('date', 'needs-confirmation')),
  appointment_at bigint,
  appointment_date text,
  appointment_provisional boolean,
  CHECK ((appointment_kind = 'date') = (appointment_at IS NOT NULL AND appointment_date IS NOT NULL AND appointment_provisional IS NOT NULL)),
  result_delivery_method text NOT NULL,
  result_delivery_detail text NOT NULL,
  officer_name text NOT NULL,
  -- Set when the code does not fit the numbering the branch had published when it arrived (a
  -- config changed since, or a misconfigured kiosk): stored and shown to the centre, never refused,
  -- because the citizen already holds a receipt with this code.
  code_warning text,
  -- Completeness: how many distinct referenced blobs the server holds no verified copy of. The
  -- dossier is complete (blobs_verified) when it reaches 0; recomputed when a blob is verified.
  blob_count integer NOT NULL,
  blobs_missing integer NOT NULL CHECK (blobs_missing >= 0 AND blobs_missing <= blob_count),
  blobs_verified boolean NOT NULL GENERATED ALWAYS AS (blobs_missing = 0) STORED,
  stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX received_dossiers_branch ON received_dossiers (branch_code, received_at);
CREATE INDEX received_dossiers_incomplete ON received_dossiers (branch_code) WHERE blobs_missing > 0;

-- Which blobs each received dossier references (distinct sha256), to recompute completeness.
CREATE TABLE dossier_blobs (
  dossier_id uuid NOT NULL REFERENCES received_dossiers (id),
  sha256 text NOT NULL,
  PRIMARY KEY (dossier_id, sha256)
);
CREATE INDEX dossier_blobs_sha256 ON dossier_blobs (sha256);

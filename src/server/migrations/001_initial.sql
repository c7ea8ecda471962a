-- Branches, enrolment, devices, the mutation log and tickets (issue 3: the first sync slice).
-- Times the server decides (expiry, use) are epoch milliseconds from its injected clock; times a
-- kiosk reported (issued_at) are epoch milliseconds as the kiosk recorded them.

CREATE TABLE branches (
  code text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enrolment_codes (
  code_hash text PRIMARY KEY,
  branch_code text NOT NULL REFERENCES branches (code),
  role text NOT NULL,
  expires_at bigint NOT NULL,
  used_at bigint,
  used_by uuid
);

CREATE TABLE devices (
  device_id uuid PRIMARY KEY,
  branch_code text NOT NULL REFERENCES branches (code),
  role text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  enrolled_at bigint NOT NULL,
  revoked_at bigint,
  last_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE mutations (
  mutation_id uuid PRIMARY KEY,
  device_id uuid NOT NULL REFERENCES devices (device_id),
  device_seq bigint NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'rejected')),
  reason jsonb,
  applied_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (device_id, device_seq)
);

CREATE TABLE tickets (
  id uuid PRIMARY KEY,
  branch_code text NOT NULL REFERENCES branches (code),
  device_id uuid NOT NULL REFERENCES devices (device_id),
  kiosk_slot integer NOT NULL,
  day text NOT NULL,
  group_prefix text NOT NULL,
  number text NOT NULL,
  numeric integer NOT NULL,
  priority boolean NOT NULL,
  issued_at bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (branch_code, day, group_prefix, numeric)
);

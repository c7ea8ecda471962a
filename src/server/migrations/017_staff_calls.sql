-- "Gọi nhân viên" at a citizen kiosk (records/staffCall.ts): shown on the branch's counters (in
-- the queue's state) until an officer answers it. Nothing about the citizen: the kiosk, the screen
-- it was on and the time. called_at is the kiosk's clock; answered_at the server's.
CREATE TABLE staff_calls (
  id uuid PRIMARY KEY,
  branch_code text NOT NULL,
  device_id uuid NOT NULL REFERENCES devices (device_id),
  day text NOT NULL,
  screen text NOT NULL,
  kiosk_slot integer NOT NULL,
  called_at bigint NOT NULL,
  received_at bigint NOT NULL,
  answered_at bigint,
  answered_counter integer,
  answered_device uuid
);
CREATE INDEX staff_calls_open ON staff_calls (branch_code, day) WHERE answered_at IS NULL;

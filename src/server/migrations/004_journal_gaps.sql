-- Gaps in a kiosk's stream that can never be filled (issue 11, item 2). A kiosk whose database was
-- lost together with a journal-file line pushes from a seq above the server's last_seq + 1: the
-- server answers 409 and records the gap on the stream (gap_from … gap_to, when it was seen), so
-- centre staff can list stalled streams. Closing a gap is an explicit, audited act of staff: a
-- journal_gaps row says which seqs were declared lost, when, by whom and why, and last_seq moves to
-- its end so the stream goes on. A lost record that turns up later is answered `sync.gap-closed`.
ALTER TABLE journals ADD COLUMN gap_from bigint;
ALTER TABLE journals ADD COLUMN gap_to bigint;
ALTER TABLE journals ADD COLUMN gap_seen_at bigint;

CREATE TABLE journal_gaps (
  id bigserial PRIMARY KEY,
  device_id uuid NOT NULL,
  journal_id uuid NOT NULL,
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL,
  closed_at bigint NOT NULL,
  closed_by text NOT NULL,
  reason text NOT NULL,
  FOREIGN KEY (device_id, journal_id) REFERENCES journals (device_id, journal_id),
  CHECK (from_seq >= 1 AND to_seq >= from_seq)
);
CREATE INDEX journal_gaps_stream ON journal_gaps (device_id, journal_id);

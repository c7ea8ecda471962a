-- A received ticket joins its day's queue in two steps (src/server/queueArrivals.ts): the push
-- stores it 'arriving' without touching the day's row, so the kiosks of one branch no longer commit
-- one after the other behind that row's lock; right after the push commits, one short transaction
-- per branch and day admits every arriving ticket at once (state 'waiting', its arrived_version the
-- day's new version) and applies the offline calls that were waiting for them. An arriving ticket
-- is in no view and no counter can act on it yet; a crash between the two steps leaves it arriving
-- until the next push of that day or the server's sweep admits it.
ALTER TABLE queue_tickets DROP CONSTRAINT queue_tickets_state_check;
ALTER TABLE queue_tickets ADD CONSTRAINT queue_tickets_state_check
  CHECK (state IN ('arriving', 'waiting', 'called', 'serving', 'served', 'no-show', 'cancelled'));
CREATE INDEX queue_tickets_arriving ON queue_tickets (branch_code, day) WHERE state = 'arriving';

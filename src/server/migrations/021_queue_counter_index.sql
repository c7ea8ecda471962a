-- A board or a desk's state (src/server/queue.ts, the shared parts) asks, for each counter of the
-- day, for its last action and its last call. Without this index each read scanned the day's whole
-- log (every action since the morning, on every poke); with it, a few index descents per counter.
CREATE INDEX queue_actions_counter ON queue_actions (branch_code, day, counter, seq);

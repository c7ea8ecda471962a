-- A call next reads the first waiting ticket of each (group, tier, priority class) it may call
-- (src/server/queue.ts, LEADERS_SQL). Without these indexes it sorted every waiting ticket of the
-- day on every call (on PGlite, 4 ms with 600 waiting); with them, one index descent per class
-- present, in the call order within a class (arrival, then number, then id).
CREATE INDEX queue_tickets_leaders ON queue_tickets (branch_code, day, group_prefix, returned, appointment, priority, issued_at, number COLLATE "C", ticket_id)
  WHERE state = 'waiting' AND to_counter IS NULL;
-- The waiting tickets transferred to one counter (few): only that counter calls them.
CREATE INDEX queue_tickets_sent ON queue_tickets (branch_code, day, to_counter) WHERE state = 'waiting' AND to_counter IS NOT NULL;

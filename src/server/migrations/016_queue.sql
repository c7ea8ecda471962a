-- The branch's queue at its counters (src/server/queue.ts, src/shared/queue.ts): where each ticket
-- stands, the append-only log of the counters' actions, and a version per branch and day that
-- every change moves (the SSE poke carries it). Times the server decides are epoch milliseconds of
-- its clock; an action taken offline keeps the counter's own time (`args.at`) for its effect.

-- One row per branch and day: locked (UPDATE … RETURNING) by every change of that day's queue, so
-- changes of one branch apply one after the other and `version` counts them without gaps.
-- normals_since_priority is the interleave counter (src/domain/queueOrder.ts), per branch.
CREATE TABLE queue_days (
  branch_code text NOT NULL,
  day text NOT NULL,
  version bigint NOT NULL DEFAULT 0,
  normals_since_priority integer NOT NULL,
  PRIMARY KEY (branch_code, day)
);

-- Where each received ticket stands. Created with the ticket (records/ticketIssue.ts, same
-- transaction); the number is unique per branch and day (tickets' own unique key implies it).
CREATE TABLE queue_tickets (
  ticket_id uuid PRIMARY KEY,
  branch_code text NOT NULL,
  day text NOT NULL,
  number text NOT NULL,
  -- The group it waits for now (a transfer changes it); issued_at stays the original arrival.
  group_prefix text NOT NULL,
  priority boolean NOT NULL,
  appointment boolean NOT NULL DEFAULT false,
  issued_at bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('waiting', 'called', 'serving', 'served', 'no-show', 'cancelled')),
  -- The counter that called or serves it.
  counter integer,
  -- A waiting ticket transferred to one counter: only that counter calls it.
  to_counter integer,
  called_at bigint,
  calls integer NOT NULL DEFAULT 0,
  returned boolean NOT NULL DEFAULT false,
  no_show_at bigint,
  serving_at bigint,
  done_at bigint,
  -- Counter time the latest call took (called → finish or no-show): the wait estimate's samples.
  occupied_ms bigint,
  -- Why staff should look at it (queue.called-twice…).
  flag text CHECK (length(flag) <= 60),
  -- The day's version its arrival made: with queue_actions.version, what was waiting at each call.
  arrived_version bigint NOT NULL DEFAULT 0,
  UNIQUE (branch_code, day, number)
);
CREATE INDEX queue_tickets_open ON queue_tickets (branch_code, day) WHERE state IN ('waiting', 'called', 'serving', 'no-show');
CREATE INDEX queue_tickets_done ON queue_tickets (branch_code, day, group_prefix, done_at) WHERE occupied_ms IS NOT NULL;

-- The queue log: every action a counter took, once (the id is the counter's), whether it arrived
-- over POST /v1/queue/actions or in a push. `args` is exactly what the counter sent; `ticket_number`
-- the ticket it acted on (for call next, the one the owner chose). `outcome`: applied; pending (its
-- ticket has not arrived yet: applied when it does); conflict (taken offline on a ticket that had
-- moved on meanwhile: kept, the ticket flagged). `answer` is the QueueActionAnswer given, so the
-- same id again gets the same answer.
CREATE TABLE queue_actions (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  branch_code text NOT NULL,
  day text NOT NULL,
  counter integer NOT NULL,
  kind text NOT NULL,
  ticket_number text,
  args jsonb NOT NULL,
  server_at bigint NOT NULL,
  offline boolean NOT NULL,
  via text NOT NULL CHECK (via IN ('online', 'push')),
  device_id uuid,
  outcome text NOT NULL CHECK (outcome IN ('applied', 'pending', 'conflict')),
  flag text CHECK (length(flag) <= 60),
  answer jsonb,
  -- The day's version after the action (null while pending: it changed nothing yet).
  version bigint,
  resolved_at bigint
);
CREATE INDEX queue_actions_day ON queue_actions (branch_code, day, seq);
CREATE INDEX queue_actions_pending ON queue_actions (branch_code, day, ticket_number, seq) WHERE outcome = 'pending';

-- Append-only, like audit_log (009): no DELETE, no TRUNCATE, and no UPDATE except the one a
-- pending action gets when its ticket arrives (outcome, flag, answer, version, resolved_at).
CREATE FUNCTION queue_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.outcome = 'pending'
     AND (to_jsonb(NEW) - 'outcome' - 'flag' - 'answer' - 'version' - 'resolved_at') = (to_jsonb(OLD) - 'outcome' - 'flag' - 'answer' - 'version' - 'resolved_at') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'queue_actions is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER queue_actions_no_update_delete BEFORE UPDATE OR DELETE ON queue_actions FOR EACH ROW EXECUTE FUNCTION queue_actions_append_only();
CREATE TRIGGER queue_actions_no_truncate BEFORE TRUNCATE ON queue_actions FOR EACH STATEMENT EXECUTE FUNCTION queue_actions_append_only();

-- Tickets received before the queue existed wait in it (today's stay callable).
INSERT INTO queue_tickets (ticket_id, branch_code, day, number, group_prefix, priority, issued_at, state)
  SELECT id, branch_code, day, number, group_prefix, priority, issued_at, 'waiting' FROM tickets
  ON CONFLICT DO NOTHING;

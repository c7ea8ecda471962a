-- Issue 11, item 5: the centre's audit log — who looked up, printed, reprinted, reused, exported,
-- deleted or changed what (src/server/audit.ts). Append-only: rows are only ever inserted; an
-- UPDATE, DELETE or TRUNCATE is refused by the triggers below, so a mistake (or a script) cannot
-- rewrite the trail. It never holds personal data: no ID number, name, birth date, address,
-- phone, look-up secret or token; a citizen's address is kept only as its network (/24, /48).
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The server's clock when the entry was written (epoch ms).
  at bigint NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('device', 'admin-token', 'admin-cli', 'citizen-lookup', 'system')),
  -- Device id, admin token label, the CLI's --by name, or a citizen's network (audit.ts).
  actor_id text NOT NULL CHECK (length(actor_id) BETWEEN 1 AND 200),
  branch_code text,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$' AND length(action) <= 64),
  -- A dossier code, device id, journal or scope; never personal data.
  target text CHECK (length(target) <= 200),
  outcome text NOT NULL CHECK (outcome ~ '^[a-z][a-z0-9-]*$' AND length(outcome) <= 40),
  detail text CHECK (length(detail) <= 500),
  -- Events a device reports (audit.event@1): its id (each applied at most once) and its own clock.
  event_id uuid UNIQUE,
  device_at bigint
);
CREATE INDEX audit_log_target ON audit_log (target, id) WHERE target IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

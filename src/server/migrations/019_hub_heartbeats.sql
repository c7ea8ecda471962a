-- Branch hub (src/server/hub): the latest heartbeat of each hub, at the centre (POST
-- /v1/hub/heartbeat, read by GET /v1/admin/hubs). One row per hub device, replaced by each
-- heartbeat; history is in the structured logs. Stays empty on a hub.
CREATE TABLE hub_heartbeats (
  hub_device_id uuid PRIMARY KEY REFERENCES devices (device_id),
  branch_code text NOT NULL,
  -- The centre's clock when the heartbeat arrived (what "silent" is measured from).
  received_at bigint NOT NULL,
  -- The hub's clock when it sent it.
  sent_at bigint NOT NULL,
  app_version text NOT NULL,
  -- HubHeartbeatRequest as sent (figures only, no personal data).
  report jsonb NOT NULL
);

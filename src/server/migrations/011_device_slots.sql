-- One device per slot. A kiosk's slot picks its blocks of ticket numbers and dossier codes
-- (src/domain/ticketNumbering.ts, dossierCode.ts): two active devices of one branch with the same
-- slot print the same numbers. Citizen kiosks and counters share one slot space per branch (both
-- issue tickets with their one kioskSlot; counters also number dossiers with it); technician
-- machines number nothing and hold no slot (src/server/deviceSlots.ts).
ALTER TABLE devices ADD COLUMN slot integer CHECK (slot BETWEEN 0 AND 49);
-- The slot a device claimed but lost at this migration because a newer device of its branch used
-- it too; cleared when the device enrols again with a slot.
ALTER TABLE devices ADD COLUMN slot_conflict integer;

-- Devices enrolled before enrolment carried the slot: the slot of their latest ticket or dossier
-- (kiosk clock), for active devices of the numbering roles. Devices that sent nothing stay
-- without a slot until they enrol again.
WITH used AS (
  SELECT device_id, kiosk_slot AS slot, issued_at AS at FROM tickets
  UNION ALL
  SELECT device_id, slot, received_at AS at FROM received_dossiers
), latest AS (
  SELECT DISTINCT ON (device_id) device_id, slot FROM used ORDER BY device_id, at DESC, slot
)
UPDATE devices d SET slot = l.slot
FROM latest l
WHERE d.device_id = l.device_id AND d.revoked_at IS NULL AND d.role IN ('citizen', 'counter') AND l.slot BETWEEN 0 AND 49;

-- A database that already holds two active devices on one slot must still migrate: the newest
-- enrolment keeps the slot (usually the machine that replaced the other), the others lose it and
-- are flagged (slot_conflict, `list-devices`, and one audit entry each) for staff to revoke or
-- re-enrol with another slot.
WITH ranked AS (
  SELECT device_id, row_number() OVER (PARTITION BY branch_code, slot ORDER BY enrolled_at DESC, device_id DESC) AS n
  FROM devices WHERE slot IS NOT NULL AND revoked_at IS NULL
)
UPDATE devices d SET slot_conflict = d.slot, slot = NULL
FROM ranked r
WHERE r.device_id = d.device_id AND r.n > 1;

INSERT INTO audit_log (at, actor_kind, actor_id, branch_code, action, target, outcome, detail)
SELECT (extract(epoch FROM now()) * 1000)::bigint, 'system', 'system:migration-011', branch_code, 'device.slot-conflict', device_id::text, 'flagged',
       'slot ' || slot_conflict || ' is also used by a newer device of the branch: revoke this device, or re-enrol it with another slot'
FROM devices WHERE slot_conflict IS NOT NULL;

-- The rule itself: one active device per (branch, slot). Two concurrent enrolments cannot both win.
CREATE UNIQUE INDEX devices_active_slot ON devices (branch_code, slot) WHERE revoked_at IS NULL AND slot IS NOT NULL;

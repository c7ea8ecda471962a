-- Enrolment cannot take over a device (issue 11, item 3). A code may be bound to one device id:
-- only such a code re-enrols a device the server already knows (reinstall, lost credential), and
-- it never clears a revocation (staff reinstate a device explicitly: devices.revoked_at = NULL).
ALTER TABLE enrolment_codes ADD COLUMN device_id uuid;

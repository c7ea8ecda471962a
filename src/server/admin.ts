import type { EnrolRole } from '../shared/sync';
import { BranchCode } from '../shared/wireTypes';
import { recordAudit, withAudit, type AuditActor } from './audit';
import type { Db } from './db/Db';
import { newDeviceToken, newEnrolCode, sha256Hex } from './secrets';

/**
 * Operations a centre administrator runs (scripts/admin.ts) and tests use to set up data. They go
 * through the same Db and migrations as the server. What changes a device's standing is written to
 * the audit log (audit.ts) in the same transaction, under `by` (the CLI's --by name by default).
 */
export const DEFAULT_ENROL_CODE_TTL_MS = 24 * 60 * 60 * 1000;

/** The actor when a caller names none (tests, set-up scripts). */
export const UNNAMED_OPERATOR: AuditActor = { kind: 'admin-cli', id: 'unnamed' };

export async function createBranch(db: Db, code: string, name: string): Promise<void> {
  if (!BranchCode.safeParse(code).success) throw new Error(`branch code must be 2–12 upper-case letters or digits: ${code}`);
  if (name.length < 1 || name.length > 200) throw new Error('branch name must be 1–200 characters');
  await db.query('INSERT INTO branches (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name', [code, name]);
}

export interface IssuedEnrolCode {
  readonly code: string;
  readonly branchCode: string;
  readonly role: EnrolRole;
  readonly expiresAt: number;
}

/** Creates a one-time enrolment code; only its hash is stored, so this is the one time it is shown. */
export async function createEnrolCode(
  db: Db,
  branchCode: string,
  role: EnrolRole,
  nowMs: number,
  ttlMs = DEFAULT_ENROL_CODE_TTL_MS,
  /**
   * Binds the code to one device: the only way to re-enrol a device the server already knows
   * (reinstall, lost credential), and to change its role. A device of another branch is refused.
   */
  deviceId: string | null = null,
  by: AuditActor = UNNAMED_OPERATOR,
): Promise<IssuedEnrolCode> {
  const branch = await db.query('SELECT 1 FROM branches WHERE code = $1', [branchCode]);
  if (branch.length === 0) throw new Error(`unknown branch ${branchCode}; create it first (create-branch)`);
  if (deviceId !== null) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(deviceId)) throw new Error(`not a device id (a UUID): ${deviceId}`);
    const known = await db.query<{ branch_code: string; revoked_at: unknown }>('SELECT branch_code, revoked_at FROM devices WHERE device_id = $1', [deviceId]);
    if (known[0] && known[0].branch_code !== branchCode) throw new Error(`device ${deviceId} belongs to branch ${known[0].branch_code}, not ${branchCode}`);
    if (known[0] && known[0].revoked_at !== null) throw new Error(`device ${deviceId} is revoked; reinstate it first (reinstate-device)`);
  }
  const code = newEnrolCode();
  const expiresAt = nowMs + ttlMs;
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO enrolment_codes (code_hash, branch_code, role, expires_at, device_id) VALUES ($1, $2, $3, $4, $5)', [
      sha256Hex(code),
      branchCode,
      role,
      expiresAt,
      deviceId,
    ]);
    await recordAudit(tx, {
      actorKind: by.kind,
      actorId: by.id,
      branchCode,
      action: 'device.enrol-code',
      target: deviceId,
      outcome: 'ok',
      detail: `${role}, valid ${Math.round(ttlMs / 3_600_000)} h${deviceId === null ? ', any new device' : ''}`,
      at: nowMs,
    });
  });
  return { code, branchCode, role, expiresAt };
}

/**
 * Lifts a revocation (staff decision). The credential it had stays dead (it may be in the wrong
 * hands: that is why it was revoked): the device comes back only by re-enrolling with a code issued
 * for it (`createEnrolCode(…, deviceId)`).
 */
export async function reinstateDevice(db: Db, deviceId: string, by: AuditActor = UNNAMED_OPERATOR, nowMs = Date.now()): Promise<boolean> {
  const rows = await withAudit(
    db,
    (tx) =>
      tx.query<{ branch_code: string }>(
        // Its old slot may be held by its replacement now (deviceSlots.ts): it claims one again
        // when it re-enrols, as the bound code requires anyway.
        'UPDATE devices SET revoked_at = NULL, token_hash = $2, slot = NULL WHERE device_id = $1 AND revoked_at IS NOT NULL RETURNING branch_code',
        [deviceId, `reinstated:${sha256Hex(newDeviceToken())}`],
      ),
    (r) => deviceAudit(by, 'device.reinstate', deviceId, r[0]?.branch_code ?? null, nowMs),
  );
  return rows.length > 0;
}

/** Refuses the device from now on; its data stays. Returns false when no such device exists. */
export async function revokeDevice(db: Db, deviceId: string, nowMs: number, by: AuditActor = UNNAMED_OPERATOR): Promise<boolean> {
  const rows = await withAudit(
    db,
    (tx) => tx.query<{ branch_code: string }>('UPDATE devices SET revoked_at = $2 WHERE device_id = $1 RETURNING branch_code', [deviceId, nowMs]),
    (r) => deviceAudit(by, 'device.revoke', deviceId, r[0]?.branch_code ?? null, nowMs),
  );
  return rows.length > 0;
}

/** A device's standing changed (branch known) or nothing matched (branch null: recorded as not-found). */
function deviceAudit(by: AuditActor, action: string, deviceId: string, branchCode: string | null, at: number) {
  return { actorKind: by.kind, actorId: by.id, branchCode, action, target: deviceId, outcome: branchCode === null ? 'not-found' : 'ok', at };
}

export interface DeviceSummary {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly role: string;
  /** Mutations received from the device, over all its journals. */
  readonly lastSeq: number;
  readonly revoked: boolean;
  /** The slot bound at enrolment (for a revoked device: the one it held); null: none bound. */
  readonly slot: number | null;
  /** A slot the device lost to a newer device of its branch at migration 011; null: none. */
  readonly slotConflict: number | null;
}

export async function listDevices(db: Db): Promise<DeviceSummary[]> {
  const rows = await db.query<{
    device_id: string;
    branch_code: string;
    role: string;
    last_seq: unknown;
    revoked_at: unknown;
    slot: number | null;
    slot_conflict: number | null;
  }>(
    `SELECT d.device_id, d.branch_code, d.role, coalesce((SELECT sum(last_seq) FROM journals j WHERE j.device_id = d.device_id), 0) AS last_seq, d.revoked_at,
       d.slot, d.slot_conflict
     FROM devices d ORDER BY d.branch_code, d.device_id`,
  );
  return rows.map((r) => ({
    deviceId: r.device_id,
    branchCode: r.branch_code,
    role: r.role,
    lastSeq: Number(r.last_seq),
    revoked: r.revoked_at !== null,
    slot: r.slot,
    slotConflict: r.slot_conflict,
  }));
}

/** A centre staff credential for publishing; only its hash is stored, so this is the one time it is shown. */
export async function createAdminToken(db: Db, label: string, nowMs: number): Promise<string> {
  if (label.length < 1 || label.length > 100) throw new Error('label must be 1–100 characters');
  const token = newDeviceToken();
  await db.query('INSERT INTO admin_tokens (token_hash, label, created_at) VALUES ($1, $2, $3)', [sha256Hex(token), label, nowMs]);
  return token;
}

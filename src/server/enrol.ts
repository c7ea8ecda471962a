import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../shared/clock';
import type { EnrolRequest, EnrolResponse, WireError } from '../shared/sync';
import { withAudit } from './audit';
import type { Db } from './db/Db';
import { decideSlot, isActiveSlotTaken, SLOT_ROLES } from './deviceSlots';
import { newDeviceToken, normaliseEnrolCode, sha256Hex } from './secrets';
import { wireError } from './wireErrors';

/**
 * Enrolment with a one-time code (POST /v1/enrol, and POST /v1/hub/enrol when a branch hub relays
 * a kiosk's code): the code's branch and role, one active device per slot, a known device only with
 * a code issued for it, a revoked one never. Audited; answers `{status, body}` for the route.
 */
export interface EnrolOutcome {
  readonly status: number;
  readonly body: WireError | EnrolResponse;
  /** The slot bound (null: none), on success. */
  readonly slot?: number | null;
  readonly roleChange?: string;
}

export async function enrolDevice(
  db: Db,
  clock: Clock,
  log: FastifyBaseLogger,
  request: EnrolRequest,
  options: {
    /** Through a branch hub: only codes of the hub's branch, and never a hub's code. */
    readonly viaHubOf?: string;
  } = {},
): Promise<EnrolOutcome> {
  const { code, deviceId, role, slot } = request;
  const now = clock.now();
  const token = newDeviceToken();
  const enrol = async (tx: Db): Promise<EnrolOutcome> => {
    const codes = await tx.query<{ branch_code: string; role: string; expires_at: unknown; used_at: unknown; device_id: string | null }>(
      'SELECT branch_code, role, expires_at, used_at, device_id FROM enrolment_codes WHERE code_hash = $1 FOR UPDATE',
      [sha256Hex(normaliseEnrolCode(code))],
    );
    const c = codes[0];
    if (!c) return { status: 401, body: wireError('enrol.unknown-code', 'no such enrolment code') };
    if (c.used_at !== null) return { status: 410, body: wireError('enrol.code-used', 'this enrolment code was already used; ask for a new one') };
    if (Number(c.expires_at) <= now) return { status: 410, body: wireError('enrol.code-expired', 'this enrolment code has expired; ask for a new one') };
    if (c.role !== role) return { status: 403, body: wireError('enrol.role-mismatch', `this code enrols a ${c.role} device, not ${role}`) };
    if (options.viaHubOf !== undefined) {
      // Refused before the code is spent: the technician may still use it where it belongs.
      if (c.role === 'hub') return { status: 403, body: wireError('enrol.hub-via-hub', 'a hub is enrolled at the centre itself, not through another hub') };
      if (c.branch_code !== options.viaHubOf) {
        return { status: 403, body: wireError('enrol.other-branch-code', `this code is for branch ${c.branch_code}; this hub serves ${options.viaHubOf}`) };
      }
    }
    if (c.device_id !== null && c.device_id !== deviceId) {
      return { status: 403, body: wireError('enrol.code-other-device', 'this code was issued to re-enrol another device') };
    }
    const existing = await tx.query<{ branch_code: string; role: string; revoked_at: unknown; slot: number | null; slot_conflict: number | null }>(
      'SELECT branch_code, role, revoked_at, slot, slot_conflict FROM devices WHERE device_id = $1 FOR UPDATE',
      [deviceId],
    );
    const known = existing[0];
    if (known && known.branch_code !== c.branch_code) {
      return { status: 409, body: wireError('enrol.other-branch', `device is enrolled in branch ${known.branch_code}`) };
    }
    // A revocation stands until staff reinstate the device; no code lifts it.
    if (known && known.revoked_at !== null) {
      return {
        status: 403,
        body: wireError('enrol.device-revoked', 'this device was revoked; the centre must reinstate it and issue a code for this device id'),
      };
    }
    // A device the server knows is re-enrolled only with a code the centre issued for it: any
    // fresh code of the branch plus a known device id must not take over its stream and role.
    if (known && c.device_id === null) {
      return {
        status: 409,
        body: wireError('enrol.device-known', 'this device is already enrolled; re-enrolling it needs a code the centre issues for this device id'),
      };
    }
    // One active device per slot of the branch (deviceSlots.ts). Refused before the code is
    // spent: the technician may choose another slot with the same code.
    const slotDecision = await decideSlot(tx, {
      branchCode: c.branch_code,
      role,
      deviceId,
      requested: slot,
      known: known ? { slot: known.slot, slotConflict: known.slot_conflict } : null,
    });
    if (!slotDecision.ok) return { status: slotDecision.status, body: slotDecision.error };
    // Re-enrolling a known device (reinstall, lost credential) replaces its credential and keeps
    // last_seq, so its outbox continues where the server stopped. Its role changes only through
    // the code staff issued for it (logged).
    await tx.query(
      `INSERT INTO devices (device_id, branch_code, role, token_hash, enrolled_at, slot, slot_conflict) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (device_id) DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, enrolled_at = EXCLUDED.enrolled_at,
         slot = EXCLUDED.slot, slot_conflict = EXCLUDED.slot_conflict`,
      [deviceId, c.branch_code, role, sha256Hex(token), now, slotDecision.slot, slotDecision.slotConflict],
    );
    await tx.query('UPDATE enrolment_codes SET used_at = $2, used_by = $3 WHERE code_hash = $1', [sha256Hex(normaliseEnrolCode(code)), now, deviceId]);
    return {
      status: 200,
      body: { deviceId, branchCode: c.branch_code, token },
      slot: slotDecision.slot,
      ...(known && known.role !== role ? { roleChange: `${known.role} → ${role}` } : {}),
    };
  };
  const audited = () =>
    withAudit(db, enrol, (o) =>
      // Audited: every enrolment, and the refusals that protect a device the server knows (a code
      // was valid, so someone holds one). Unknown, used and expired codes prove nothing and are not.
      o.status === 200 || (o.status !== 401 && o.status !== 410 && 'code' in o.body && o.body.code !== 'enrol.role-mismatch')
        ? {
            actorKind: 'device',
            actorId: deviceId,
            branchCode: 'branchCode' in o.body ? o.body.branchCode : null,
            action: 'device.enrol',
            target: deviceId,
            outcome: o.status === 200 ? 'ok' : 'refused',
            detail:
              'code' in o.body
                ? o.body.code
                : `as ${role}${o.slot !== null && o.slot !== undefined ? ` in slot ${o.slot}` : ''}${o.roleChange ? ` (role ${o.roleChange})` : ''}${
                    options.viaHubOf !== undefined ? ' through the branch hub' : ''
                  }`,
            at: now,
          }
        : null,
    );
  // Two enrolments claiming one free slot at once both pass the look-up; the unique index lets
  // one commit. The other runs again and now finds the slot held (refused, audited).
  const outcome = await audited().catch((e: unknown) => {
    if (isActiveSlotTaken(e)) return audited();
    throw e;
  });
  if (outcome.status === 200) log.info({ deviceId, slot: outcome.slot, viaHub: options.viaHubOf !== undefined }, 'device enrolled');
  if (outcome.status === 200 && slot === undefined && SLOT_ROLES.has(role)) {
    log.warn({ deviceId }, 'device enrolled without a slot (a kiosk older than the slot binding): its slot is not checked');
  }
  if (outcome.roleChange) log.warn({ deviceId, roleChange: outcome.roleChange }, 'device role changed by a code issued for it');
  return outcome;
}

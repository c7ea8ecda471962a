import { DossierReception, TicketNumbering } from '../shared/branchConfig';
import { RECORD_TYPES } from '../shared/records';
import type { WireError } from '../shared/sync';
import { publishedBranchConfig } from './changes';
import type { Db } from './db/Db';
import { wireError } from './wireErrors';

/**
 * One device per slot. A device's slot picks its blocks of ticket numbers and dossier codes
 * (src/domain/ticketNumbering.ts, dossierCode.ts), so two active devices of a branch on one slot
 * print the same numbers. What this module guarantees, with migration 011:
 *  - a slot of a branch is held by at most one active (not revoked) device, enforced by the
 *    partial unique index `devices_active_slot`, so two concurrent enrolments cannot both win;
 *  - citizen kiosks and counters share one slot space per branch: both send `ticket.issue@1` with
 *    their one `kioskSlot`, into one ticket-number space (branch, day, group, number); counters
 *    number dossiers with the same slot. The roles are read from the record registry;
 *  - a slot outside the branch's published numbering is refused (the ticket numbering for every
 *    numbering role, the reception numbering too for a role that sends dossiers);
 *  - re-enrolling a device keeps or moves its slot; a revoked device holds none (its row keeps the
 *    number as history); a reinstated device claims it again when it re-enrols.
 */

/** The roles whose records carry a slot: they hold one. A technician machine numbers nothing. */
export const SLOT_ROLES: ReadonlySet<string> = new Set([...RECORD_TYPES['ticket.issue@1'].roles, ...RECORD_TYPES['dossier.submit@1'].roles]);
const DOSSIER_ROLES: ReadonlySet<string> = new Set(RECORD_TYPES['dossier.submit@1'].roles);

/** The partial unique index of migration 011. */
export const ACTIVE_SLOT_INDEX = 'devices_active_slot';

export interface SlotClaim {
  readonly branchCode: string;
  readonly role: string;
  readonly deviceId: string;
  /** The slot the kiosk asks for; undefined from a kiosk older than the slot binding. */
  readonly requested: number | undefined;
  /** The device's row, when the server knows it. */
  readonly known: { readonly slot: number | null; readonly slotConflict: number | null } | null;
}

export type SlotDecision =
  | { readonly ok: true; readonly slot: number | null; readonly slotConflict: number | null }
  | { readonly ok: false; readonly status: number; readonly error: WireError };

/**
 * What an enrolment stores as the device's slot, or why it is refused. Runs in the enrolment's
 * transaction; the unique index settles a race between two of them (isActiveSlotTaken).
 */
export async function decideSlot(tx: Db, claim: SlotClaim): Promise<SlotDecision> {
  if (!SLOT_ROLES.has(claim.role)) return { ok: true, slot: null, slotConflict: null };
  // A kiosk older than the binding sends no slot: it keeps the slot the server knows (none for a
  // new device) rather than being locked out of enrolment until it is updated.
  if (claim.requested === undefined) return { ok: true, slot: claim.known?.slot ?? null, slotConflict: claim.known?.slotConflict ?? null };
  const slot = claim.requested;
  const limit = await publishedSlotLimit(tx, claim.branchCode, claim.role);
  if (limit !== null && slot >= limit.slots) {
    return {
      ok: false,
      status: 422,
      error: wireError(
        'enrol.slot-out-of-range',
        `slot ${slot} is outside the ${limit.slots} ${limit.what} slots branch ${claim.branchCode} publishes (0–${limit.slots - 1}); choose one of them`,
      ),
    };
  }
  const holder = await tx.query<{ device_id: string }>(
    'SELECT device_id FROM devices WHERE branch_code = $1 AND slot = $2 AND revoked_at IS NULL AND device_id <> $3 LIMIT 1',
    [claim.branchCode, slot, claim.deviceId],
  );
  if (holder[0]) return { ok: false, status: 409, error: slotTaken(claim.branchCode, slot, holder[0].device_id) };
  return { ok: true, slot, slotConflict: null };
}

export function slotTaken(branchCode: string, slot: number, holder: string | null): WireError {
  return wireError(
    'enrol.slot-taken',
    `slot ${slot} of branch ${branchCode} is held by ${holder ? `device ${holder}` : 'another device'}: ` +
      'revoke that device at the centre (revoke-device) or choose another slot',
  );
}
/** A unique violation of `devices_active_slot`: another enrolment took the slot meanwhile. */
export function isActiveSlotTaken(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, constraint, message } = e as { code?: unknown; constraint?: unknown; message?: unknown };
  return String(code) === '23505' && (constraint === ACTIVE_SLOT_INDEX || String(message).includes(ACTIVE_SLOT_INDEX));
}

/** How many slots the branch's published configuration gives this role; null when none is published. */
async function publishedSlotLimit(tx: Db, branchCode: string, role: string): Promise<{ slots: number; what: string } | null> {
  const config = await publishedBranchConfig(tx, branchCode);
  if (!config) return null;
  const tickets = TicketNumbering.safeParse(config.numbering);
  const reception = DOSSIER_ROLES.has(role) ? DossierReception.safeParse(config.reception) : null;
  const limits: { slots: number; what: string }[] = [];
  if (tickets.success) limits.push({ slots: tickets.data.slots, what: 'ticket' });
  if (reception?.success) limits.push({ slots: reception.data.numbering.slots, what: 'dossier' });
  return limits.reduce<{ slots: number; what: string } | null>((min, l) => (min === null || l.slots < min.slots ? l : min), null);
}

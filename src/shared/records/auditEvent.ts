import { z } from 'zod';
import { DossierCode } from '../published';
import { StaffId } from '../staff';
import { BranchCode, EpochMs, Uuid } from '../wireTypes';

/** What a counter reports to the centre's audit log (src/server/audit.ts) about a dossier it holds. */
export const COUNTER_AUDIT_ACTIONS = ['receipt.print', 'receipt.reprint', 'dossier.reuse'] as const;
export type CounterAuditAction = (typeof COUNTER_AUDIT_ACTIONS)[number];

/**
 * Arguments of `audit.event@1` (counters only): a receipt printed or printed again, or an earlier
 * dossier's documents reused in a new one. Codes and counts only, no free text, so no personal
 * data can travel in it; the centre records it with the sending device as the actor.
 */
export const AuditEventArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    action: z.enum(COUNTER_AUDIT_ACTIONS),
    /** The dossier acted on: the one printed, or the earlier one whose documents were reused. */
    dossierCode: DossierCode,
    /** dossier.reuse: the new dossier the documents went into; otherwise null. */
    relatedCode: DossierCode.nullable(),
    /** dossier.reuse: how many documents were reused; otherwise 0. */
    documents: z.number().int().min(0).max(60),
    /** The kiosk's clock when it happened. */
    at: EpochMs,
    /** The signed-in officer who printed or reused (staff id only); absent or null where nobody signs in. */
    staffId: StaffId.nullable().optional(),
  })
  .strict()
  .refine((a) => (a.action === 'dossier.reuse') === (a.relatedCode !== null), {
    message: 'relatedCode is set exactly for dossier.reuse',
    path: ['relatedCode'],
  });
export type AuditEventArgs = z.infer<typeof AuditEventArgs>;

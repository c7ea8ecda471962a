import { z } from 'zod';
import { BranchCode, EpochMs, Uuid } from '../wireTypes';

/** The citizen screens a call for staff can come from (what the officer walking over should expect). */
export const STAFF_CALL_SCREENS = ['home', 'lookup', 'procedure', 'follow', 'rating', 'ticket'] as const;
export type StaffCallScreen = (typeof STAFF_CALL_SCREENS)[number];

/**
 * Arguments of `staff.call@1` (citizen kiosks only): "Gọi nhân viên" tapped — someone at this
 * kiosk needs a person. Nothing about who: the kiosk, the screen and the time. The queue owner
 * shows it on every counter of the branch until an officer answers it.
 */
export const StaffCallArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    /** The kiosk's local day (branch time), 'YYYY-MM-DD': calls belong to the day's queue. */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    screen: z.enum(STAFF_CALL_SCREENS),
    /** The kiosk's slot (its "Máy lấy số" number is slot + 1), so the officer knows which machine. */
    kioskSlot: z.number().int().min(0).max(49),
    calledAt: EpochMs,
  })
  .strict();
export type StaffCallArgs = z.infer<typeof StaffCallArgs>;

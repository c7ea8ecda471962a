import { z } from 'zod';
import { IsoDate } from '../calendar';
import { BranchCode, EpochMs, Uuid } from '../wireTypes';

/** Arguments of `ticket.issue@1`: what src/storage/ticketRepository.ts puts in the outbox. */
export const TicketIssueArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    kioskSlot: z.number().int().min(0).max(49),
    day: IsoDate,
    groupPrefix: z.string().regex(/^[A-Z][A-Z0-9]{0,2}$/),
    number: z.string().regex(/^[A-Z][A-Z0-9]{0,2}\d{1,9}$/),
    numeric: z.number().int().min(0).max(999_999_999),
    priority: z.boolean(),
    issuedAt: EpochMs,
  })
  .strict()
  .refine((a) => a.number.startsWith(a.groupPrefix) && Number(a.number.slice(a.groupPrefix.length)) === a.numeric, {
    message: 'number must be groupPrefix followed by numeric',
  });
export type TicketIssueArgs = z.infer<typeof TicketIssueArgs>;

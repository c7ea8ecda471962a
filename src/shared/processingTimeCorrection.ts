import { z } from 'zod';
import { PROCEDURE_TIME_UNITS, ProcedureCode } from './catalog';

/**
 * `POST /v1/admin/catalog/processing-time` (and `npm run admin -- set-processing-time`): the centre
 * corrects one procedure's processing time on the counter's channel (in person, else the first the
 * catalog lists). The server republishes that procedure in the global scope, so every kiosk pulls
 * the corrected time like any catalog change; older kiosks need nothing new.
 */
export const ProcessingTimeCorrection = z
  .object({
    code: ProcedureCode,
    amount: z.number().positive().max(3650),
    unit: z.enum(PROCEDURE_TIME_UNITS),
    /** As the receipt and the counter show it; default "<amount> Ngày làm việc" / "Ngày" / "Giờ". */
    timeText: z.string().min(1).max(500).optional(),
  })
  .strict();
export type ProcessingTimeCorrection = z.infer<typeof ProcessingTimeCorrection>;

export interface ProcessingTimeCorrected {
  readonly code: string;
  readonly channel: string;
  readonly timeText: string;
  /** The global scope's sequence the corrected procedure was published at. */
  readonly seq: number;
}

import { z } from 'zod';
import { DossierCode, RATING_REASONS, SATISFACTION_LEVELS } from '../published';
import { BranchCode, EpochMs, Uuid } from '../wireTypes';

/** Arguments of `rating.submit@1`: a citizen's satisfaction rating, anonymous (DOMAIN.md). */
export const RatingSubmitArgs = z
  .object({
    id: Uuid,
    branchCode: BranchCode,
    /** The ticket or dossier the rating is about, if the citizen scanned one. */
    ticketId: Uuid.nullable(),
    dossierCode: DossierCode.nullable(),
    counter: z.string().max(20).nullable(),
    level: z.enum(SATISFACTION_LEVELS),
    reasons: z.array(z.enum(RATING_REASONS)).max(RATING_REASONS.length),
    comment: z.string().max(500),
    questionnaireId: z.string().max(40).nullable(),
    questionnaireVersion: z.number().int().min(1).max(2_147_483_647).nullable(),
    submittedAt: EpochMs,
  })
  .strict();
export type RatingSubmitArgs = z.infer<typeof RatingSubmitArgs>;

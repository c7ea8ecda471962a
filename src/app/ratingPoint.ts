import { BUILT_IN_QUESTIONNAIRE, pickQuestionnaire, type RatingAnswer } from '../domain/ratingForm';
import { GLOBAL_SCOPE, Questionnaire } from '../shared/published';
import type { ReferenceDb } from '../storage/referenceDb';
import { readPublished } from '../storage/referenceRepository';
import type { Rating } from '../storage/KioskDb';
import type { RatingInput } from '../storage/ratingRepository';

/**
 * "Đánh giá dịch vụ" at a rating point: the questionnaire in effect (the centre's published active
 * one with the highest version, pulled to the global scope; else the built-in one of DOMAIN.md, and
 * the screen says so), and the answer saved through `submitRating` (outbox, file journal, sync), so
 * it works offline. Anonymous: the record holds the ticket's id at most, never who rated.
 */
export interface RatingPoint {
  questionnaire(): Promise<{ readonly questionnaire: Questionnaire; readonly builtIn: boolean }>;
  submit(answer: RatingAnswer): Promise<Rating>;
}

export function createRatingPoint(deps: {
  readonly reference: ReferenceDb;
  readonly submitRating: (input: Omit<RatingInput, 'branchCode'>) => Promise<Rating>;
}): RatingPoint {
  return {
    async questionnaire() {
      const rows = await readPublished<unknown>(deps.reference, GLOBAL_SCOPE, 'questionnaire').catch(() => []);
      // A row that does not parse (an older or newer shape) is skipped, never shown half-read.
      const valid = rows.flatMap((r) => {
        const parsed = Questionnaire.safeParse(r);
        return parsed.success ? [parsed.data] : [];
      });
      const published = pickQuestionnaire(valid);
      return published ? { questionnaire: published, builtIn: false } : { questionnaire: BUILT_IN_QUESTIONNAIRE, builtIn: true };
    },
    submit(answer) {
      return deps.submitRating({ ...answer, reasons: [...answer.reasons], dossierCode: null, counter: null });
    },
  };
}

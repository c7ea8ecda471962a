import { z } from 'zod';
import { IsoDate } from './calendar';
import { BranchCode } from './wireTypes';

/** The centre's satisfaction figures (src/server/ratingFigures.ts): GET /v1/admin/ratings and `npm run admin -- ratings`. */
const DAY_MS = 86_400_000;

export const RatingFiguresQuery = z
  .object({
    branch: BranchCode.optional(),
    /** First and last day included, YYYY-MM-DD (Vietnam); both required, at most 366 days. */
    from: IsoDate,
    to: IsoDate,
  })
  .strict()
  .refine((q) => q.from <= q.to, 'from must not be after to')
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS <= 366, 'at most 366 days at once');
export type RatingFiguresQuery = z.infer<typeof RatingFiguresQuery>;

export interface FigureRow {
  readonly key: string;
  readonly ratings: number;
  readonly satisfied: number;
  /** satisfied ÷ ratings, 0–1, rounded to 4 decimals; null without ratings. */
  readonly share: number | null;
}

export interface RatingFigures {
  readonly from: string;
  readonly to: string;
  readonly branch: string | null;
  readonly target: number;
  readonly total: FigureRow;
  readonly byBranch: readonly FigureRow[];
  /** Key `<branch>/<counter>` ("—" when the rating named no counter). */
  readonly byCounter: readonly FigureRow[];
  /** Key `<branch>/<group prefix>` ("—" when the rating named no ticket the centre holds). */
  readonly byGroup: readonly FigureRow[];
  readonly byDay: readonly FigureRow[];
  readonly levels: Readonly<Record<string, number>>;
  readonly reasons: Readonly<Record<string, number>>;
}

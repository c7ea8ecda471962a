import { z } from 'zod';
import { IsoDate } from './calendar';
import { CounterNumber, GroupPrefix } from './queue';
import { BranchCode } from './wireTypes';

/**
 * The branch's day at its counters (DOMAIN.md "Calling tickets": the service-level figures a centre
 * watches), computed from the queue log by src/domain/queueDayFigures.ts: GET
 * /v1/admin/queue-figures, `npm run admin -- queue-figures`, the staff page GET /thong-ke.
 * Durations are whole seconds; shares are 0–1 rounded to 4 decimals, null when nothing to divide.
 */
export const QueueFiguresQuery = z.object({ branch: BranchCode, day: IsoDate }).strict();
export type QueueFiguresQuery = z.infer<typeof QueueFiguresQuery>;

/** Median and 90th percentile (nearest rank) of a set of durations, in seconds; null without samples. */
export const DurationFigures = z
  .object({
    count: z.number().int().min(0),
    medianS: z.number().int().min(0).nullable(),
    p90S: z.number().int().min(0).nullable(),
  })
  .strict();
export type DurationFigures = z.infer<typeof DurationFigures>;

const Share = z.number().min(0).max(1).nullable();

/** One service group's day (or the whole branch's, key "*"). */
export const GroupDayFigures = z
  .object({
    group: z.union([GroupPrefix, z.literal('*')]),
    /** Tickets issued for the group that day. */
    issued: z.number().int().min(0),
    /** Of those, called at least once. */
    called: z.number().int().min(0),
    /** Of those, never called (still waiting, or left at closing). */
    neverCalled: z.number().int().min(0),
    /** Issued → first call, for tickets issued for the group. */
    wait: DurationFigures,
    /** Start of service (serve, or the call when the officer finished without "serve") → finish, in the group it was served in. */
    service: DurationFigures,
    /** Finishes in the group. */
    served: z.number().int().min(0),
    /** Called within the target wait ÷ (called + never called and already past the target). */
    withinTarget: z.object({ within: z.number().int().min(0), of: z.number().int().min(0), share: Share }).strict(),
    /** Tickets whose last word was a no-show (not returned and served) ÷ tickets called. */
    noShows: z.number().int().min(0),
    noShowRate: Share,
  })
  .strict();
export type GroupDayFigures = z.infer<typeof GroupDayFigures>;

/** What one counter (or one officer) did that day. */
export const DeskDayFigures = z
  .object({
    calls: z.number().int().min(0),
    recalls: z.number().int().min(0),
    served: z.number().int().min(0),
    service: DurationFigures,
    noShows: z.number().int().min(0),
    transfers: z.number().int().min(0),
    walkIns: z.number().int().min(0),
  })
  .strict();
export type DeskDayFigures = z.infer<typeof DeskDayFigures>;

export const QueueDayFigures = z
  .object({
    branch: BranchCode,
    day: IsoDate,
    /** The branch's target wait in minutes (published QueueConfig.targetWaitMinutes). */
    targetWaitMinutes: z.number().int().min(1),
    /** The figures count the log up to this time (now, or the end of a past day), epoch ms. */
    asOf: z.number().int(),
    total: GroupDayFigures,
    byGroup: z.array(GroupDayFigures),
    byCounter: z.array(DeskDayFigures.extend({ counter: CounterNumber }).strict()),
    /** Only actions that carry a staffId (a signed-in officer). */
    byOfficer: z.array(DeskDayFigures.extend({ staffId: z.string().max(40) }).strict()),
    /** Log entries not counted: pending (their ticket has not arrived) and conflicts (kept for staff). */
    notCounted: z.object({ pending: z.number().int().min(0), conflict: z.number().int().min(0) }).strict(),
  })
  .strict();
export type QueueDayFigures = z.infer<typeof QueueDayFigures>;

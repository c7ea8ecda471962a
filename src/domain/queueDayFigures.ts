import type { QueueActionKind } from '../shared/queue';
import type { DeskDayFigures, DurationFigures, GroupDayFigures, QueueDayFigures } from '../shared/queueFigures';

/**
 * A branch's day at its counters from its queue log (pure: the caller passes the tickets, the
 * applied actions in log order, the target and the time the figures are read at).
 *
 * Definitions (what a centre reads):
 * - **Wait**: a ticket's issue time → its first call, counted in the group it was issued for.
 * - **Service**: start of service → finish, in the group the ticket was in then (after a transfer,
 *   the new one). The start is the `serve` action, or the latest call when the officer finished
 *   without pressing "serve". A transfer ends a service without a sample (the citizen is not done).
 * - **Within target**: tickets first called within `targetWaitMinutes` of their issue, out of the
 *   tickets called plus those never called that had already waited longer than the target at `asOf`
 *   (they missed it whatever happens next). A no-show counts as called: the wait ended at the call.
 * - **No-show rate**: tickets whose last word was a no-show (never returned and finished) ÷ tickets
 *   called, per group of issue.
 * - **Per counter and officer**: call actions (recalls apart), finishes, service samples of their
 *   finishes, no-show, transfer and walk-in actions. An officer is the action's `staffId`; actions
 *   without one count for the counter only.
 * - Medians and 90th percentiles by nearest rank (the median of 4 values is the 2nd), in whole
 *   seconds. Actions on tickets the day does not list are ignored (a pending action is not passed).
 */
export interface DayTicket {
  readonly number: string;
  /** The group it was issued for (a transfer does not change this). */
  readonly group: string;
  readonly issuedAt: number;
}

export interface DayAction {
  readonly kind: QueueActionKind;
  readonly counter: number;
  /** The ticket acted on (for call next, the one the owner chose); null for a walk-in. */
  readonly ticketNumber: string | null;
  /** When it took effect (the owner's time online, the counter's time for an offline action). */
  readonly at: number;
  readonly staffId: string | null;
  readonly toGroup: string | null;
}

export interface DayFiguresInput {
  readonly branch: string;
  readonly day: string;
  readonly targetWaitMinutes: number;
  /** Now, or the end of a past day. */
  readonly asOf: number;
  readonly tickets: readonly DayTicket[];
  /** Applied actions, in log order. */
  readonly actions: readonly DayAction[];
  readonly notCounted?: { readonly pending: number; readonly conflict: number };
}

/** Nearest-rank percentile of sorted values (q in (0, 1]). */
function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1] ?? null;
}

export function durationFigures(samplesMs: readonly number[]): DurationFigures {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const s = (v: number | null) => (v === null ? null : Math.round(v / 1000));
  return { count: sorted.length, medianS: s(nearestRank(sorted, 0.5)), p90S: s(nearestRank(sorted, 0.9)) };
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

interface GroupTally {
  issued: number;
  called: number;
  waits: number[];
  services: number[];
  served: number;
  within: number;
  missedUncalled: number;
  noShows: number;
}
interface DeskTally {
  calls: number;
  recalls: number;
  served: number;
  services: number[];
  noShows: number;
  transfers: number;
  walkIns: number;
}
interface TicketLife {
  readonly ticket: DayTicket;
  group: string;
  firstCallAt: number | null;
  lastCallAt: number | null;
  serveAt: number | null;
  /** The last word: a no-show not followed by a finish. */
  noShow: boolean;
}

const newGroup = (): GroupTally => ({ issued: 0, called: 0, waits: [], services: [], served: 0, within: 0, missedUncalled: 0, noShows: 0 });
const newDesk = (): DeskTally => ({ calls: 0, recalls: 0, served: 0, services: [], noShows: 0, transfers: 0, walkIns: 0 });

function tallyOf<K, T>(map: Map<K, T>, key: K, make: () => T): T {
  let t = map.get(key);
  if (!t) map.set(key, (t = make()));
  return t;
}

export function queueDayFigures(input: DayFiguresInput): QueueDayFigures {
  const targetMs = input.targetWaitMinutes * 60_000;
  const lives = new Map<string, TicketLife>(
    input.tickets.map((t) => [t.number, { ticket: t, group: t.group, firstCallAt: null, lastCallAt: null, serveAt: null, noShow: false }]),
  );
  const groups = new Map<string, GroupTally>();
  const counters = new Map<number, DeskTally>();
  const officers = new Map<string, DeskTally>();

  for (const a of input.actions) {
    const desks = [tallyOf(counters, a.counter, newDesk), ...(a.staffId ? [tallyOf(officers, a.staffId, newDesk)] : [])];
    if (a.kind === 'walk-in') {
      for (const d of desks) d.walkIns++;
      continue;
    }
    const life = a.ticketNumber === null ? undefined : lives.get(a.ticketNumber);
    if (!life) continue;
    switch (a.kind) {
      case 'call':
        for (const d of desks) d.calls++;
        life.firstCallAt ??= a.at;
        life.lastCallAt = a.at;
        life.serveAt = null;
        break;
      case 'recall':
        for (const d of desks) d.recalls++;
        break;
      case 'no-show':
        for (const d of desks) d.noShows++;
        life.noShow = true;
        break;
      case 'return':
        break;
      case 'serve':
        life.serveAt = a.at;
        break;
      case 'finish': {
        const start = life.serveAt ?? life.lastCallAt;
        life.noShow = false;
        for (const d of desks) d.served++;
        tallyOf(groups, life.group, newGroup).served++;
        if (start !== null) {
          const ms = Math.max(0, a.at - start);
          for (const d of desks) d.services.push(ms);
          tallyOf(groups, life.group, newGroup).services.push(ms);
        }
        life.serveAt = null;
        break;
      }
      case 'transfer':
        for (const d of desks) d.transfers++;
        life.group = a.toGroup ?? life.group;
        life.serveAt = null;
        break;
    }
  }

  for (const life of lives.values()) {
    const g = tallyOf(groups, life.ticket.group, newGroup);
    g.issued++;
    if (life.firstCallAt !== null) {
      const wait = Math.max(0, life.firstCallAt - life.ticket.issuedAt);
      g.called++;
      g.waits.push(wait);
      if (wait <= targetMs) g.within++;
      if (life.noShow) g.noShows++;
    } else if (input.asOf - life.ticket.issuedAt > targetMs) {
      g.missedUncalled++;
    }
  }

  const groupFigures = (group: string, t: GroupTally): GroupDayFigures => ({
    group,
    issued: t.issued,
    called: t.called,
    neverCalled: t.issued - t.called,
    wait: durationFigures(t.waits),
    service: durationFigures(t.services),
    served: t.served,
    withinTarget: { within: t.within, of: t.called + t.missedUncalled, share: share(t.within, t.called + t.missedUncalled) },
    noShows: t.noShows,
    noShowRate: share(t.noShows, t.called),
  });
  const total = newGroup();
  for (const t of groups.values()) {
    total.issued += t.issued;
    total.called += t.called;
    total.waits.push(...t.waits);
    total.services.push(...t.services);
    total.served += t.served;
    total.within += t.within;
    total.missedUncalled += t.missedUncalled;
    total.noShows += t.noShows;
  }
  const desk = (t: DeskTally): DeskDayFigures => ({
    calls: t.calls,
    recalls: t.recalls,
    served: t.served,
    service: durationFigures(t.services),
    noShows: t.noShows,
    transfers: t.transfers,
    walkIns: t.walkIns,
  });
  return {
    branch: input.branch,
    day: input.day,
    targetWaitMinutes: input.targetWaitMinutes,
    asOf: input.asOf,
    total: groupFigures('*', total),
    byGroup: [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([g, t]) => groupFigures(g, t)),
    byCounter: [...counters].sort(([a], [b]) => a - b).map(([counter, t]) => ({ counter, ...desk(t) })),
    byOfficer: [...officers].sort(([a], [b]) => a.localeCompare(b)).map(([staffId, t]) => ({ staffId, ...desk(t) })),
    notCounted: input.notCounted ?? { pending: 0, conflict: 0 },
  };
}

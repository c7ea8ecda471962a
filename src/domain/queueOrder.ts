/**
 * Which waiting ticket a counter calls next (DOMAIN.md, "Queue tickets"). Pure: the queue owner
 * (src/server/queue.ts) runs it inside the branch's serialised transaction, the tests replay it.
 *
 * Order, for the tickets this counter may call:
 *  1. returned no-shows (they come back "to the front"), earliest arrival first;
 *  2. appointments;
 *  3. the priority class with the interleave: after a priority ticket is called, `normalsPerPriority`
 *     normal tickets are called before the next priority one when both classes wait; at the start
 *     of the day priority goes first; when only one class waits it is taken (nobody waits for a
 *     class that is not there);
 *  4. the group's service weight, higher first;
 *  5. arrival (`issuedAt`; a transferred ticket keeps its original arrival), then number and id so
 *     that the order is total and the same on every replay.
 * The class rule (3) applies within appointments and within the rest alike.
 *
 * A counter may call a ticket of one of its groups (no groups = every group); a ticket transferred
 * to a specific counter is called by that counter only, whatever its group.
 *
 * The interleave counter is per branch (and day), not per counter: "1 priority per 3 normal" is
 * what the branch promises the people in its hall. Per counter, four counters would each owe a
 * priority call after three normal ones of their own, and priority tickets would take four times
 * the share the branch published (or none at a counter that rarely calls). The owner applies calls
 * one at a time per branch, so one counter per branch is exact. It moves on every call (next or by
 * number) by the called ticket's class, a transferred ticket's new call included; a recall, and the
 * call of a returned no-show (who already had their turn), leave it.
 */

export interface QueueCandidate {
  readonly id: string;
  readonly number: string;
  readonly group: string;
  readonly priority: boolean;
  readonly appointment: boolean;
  readonly issuedAt: number;
  /** Back from a no-show: at the front. */
  readonly returned: boolean;
  /** Transferred to this counter only; null = any counter serving its group. */
  readonly toCounter: number | null;
}

export interface OrderRules {
  readonly normalsPerPriority: number;
  /** Service weight per group prefix; absent = 0. */
  readonly weights: Readonly<Record<string, number>>;
}

/** Who is calling: the counter's number and the groups it serves (empty = every group); null = a view of the whole queue. */
export type Caller = { readonly counter: number; readonly groups: readonly string[] } | null;

/** Normal tickets called since the last priority one (branch-wide, per day). */
export interface Interleave {
  readonly normalsSincePriority: number;
}

/** The start of a day: priority goes first. */
export function dayStartInterleave(rules: Pick<OrderRules, 'normalsPerPriority'>): Interleave {
  return { normalsSincePriority: rules.normalsPerPriority };
}

/** After a call that counts (see above). Capped so a long run of normal tickets stays a small number. */
export function afterCall(state: Interleave, priority: boolean, rules: Pick<OrderRules, 'normalsPerPriority'>): Interleave {
  return { normalsSincePriority: priority ? 0 : Math.min(state.normalsSincePriority + 1, rules.normalsPerPriority) };
}

/** May this caller call this ticket? */
export function mayCall(ticket: Pick<QueueCandidate, 'group' | 'toCounter'>, caller: Caller): boolean {
  if (caller === null) return true;
  if (ticket.toCounter !== null) return ticket.toCounter === caller.counter;
  return caller.groups.length === 0 || caller.groups.includes(ticket.group);
}

/** 0 = returned, 1 = appointment, 2 = the rest. */
export function tierOf(t: Pick<QueueCandidate, 'returned' | 'appointment'>): 0 | 1 | 2 {
  return t.returned ? 0 : t.appointment ? 1 : 2;
}

/** Is a priority ticket owed now (when both classes wait)? */
export function priorityDue(state: Interleave, rules: Pick<OrderRules, 'normalsPerPriority'>): boolean {
  return state.normalsSincePriority >= rules.normalsPerPriority;
}

function byWeightThenArrival(rules: OrderRules): (a: QueueCandidate, b: QueueCandidate) => number {
  return (a, b) =>
    (rules.weights[b.group] ?? 0) - (rules.weights[a.group] ?? 0) ||
    a.issuedAt - b.issuedAt ||
    (a.number < b.number ? -1 : a.number > b.number ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The ticket this caller calls next, or null when none of the waiting tickets is theirs. */
export function nextTicket<T extends QueueCandidate>(waiting: readonly T[], caller: Caller, rules: OrderRules, state: Interleave): T | null {
  const mine = waiting.filter((t) => mayCall(t, caller));
  if (mine.length === 0) return null;
  const tier = Math.min(...mine.map(tierOf));
  const inTier = mine.filter((t) => tierOf(t) === tier);
  const compare = byWeightThenArrival(rules);
  if (tier === 0) return [...inTier].sort((a, b) => a.issuedAt - b.issuedAt || compare(a, b))[0]!;
  const priority = inTier.filter((t) => t.priority);
  const normal = inTier.filter((t) => !t.priority);
  const cls = priority.length === 0 ? normal : normal.length === 0 ? priority : priorityDue(state, rules) ? priority : normal;
  return [...cls].sort(compare)[0]!;
}

/**
 * The order in which this caller would call every waiting ticket it may call, if nothing else
 * happened meanwhile (the state view; a counter serving every group when caller is null).
 */
export function callOrder<T extends QueueCandidate>(waiting: readonly T[], caller: Caller, rules: OrderRules, state: Interleave): T[] {
  const left = waiting.filter((t) => mayCall(t, caller));
  const out: T[] = [];
  let s = state;
  while (left.length > 0) {
    const t = nextTicket(left, caller, rules, s)!;
    out.push(t);
    left.splice(left.indexOf(t), 1);
    // A returned ticket was called before: its call does not move the interleave.
    if (!t.returned) s = afterCall(s, t.priority, rules);
  }
  return out;
}

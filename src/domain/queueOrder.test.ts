import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterCall, callOrder, dayStartInterleave, mayCall, nextTicket, tierOf, type Caller, type QueueCandidate, type OrderRules } from './queueOrder';

const rules: OrderRules = { normalsPerPriority: 3, weights: {} };
let n = 0;
function t(extra: Partial<QueueCandidate> = {}): QueueCandidate {
  n++;
  return {
    id: `id-${String(n).padStart(4, '0')}`,
    number: `A${String(n).padStart(3, '0')}`,
    group: 'A',
    priority: false,
    appointment: false,
    issuedAt: 1_000 + n,
    returned: false,
    toCounter: null,
    ...extra,
  };
}
const all: Caller = { counter: 1, groups: [] };
const numbers = (ts: readonly QueueCandidate[]) => ts.map((x) => x.number);

describe('nextTicket', () => {
  it('takes arrival order within one class and weight', () => {
    const a = t({ issuedAt: 30 });
    const b = t({ issuedAt: 10 });
    const c = t({ issuedAt: 20 });
    expect(nextTicket([a, b, c], all, rules, dayStartInterleave(rules))).toBe(b);
  });

  it('calls priority first at the start of the day, then 3 normal before the next priority (1 per 3)', () => {
    const normals = [1, 2, 3, 4, 5, 6, 7].map((i) => t({ number: `A00${i}`, issuedAt: i }));
    const prio = [1, 2, 3].map((i) => t({ number: `U00${i}`, priority: true, issuedAt: 100 + i }));
    const order = callOrder([...normals, ...prio], all, rules, dayStartInterleave(rules));
    expect(numbers(order)).toEqual(['U001', 'A001', 'A002', 'A003', 'U002', 'A004', 'A005', 'A006', 'U003', 'A007']);
  });

  it('takes the only class waiting, and normalsPerPriority 0 means priority always first', () => {
    const prio = [t({ priority: true }), t({ priority: true })];
    expect(numbers(callOrder(prio, all, rules, { normalsSincePriority: 0 }))).toEqual(numbers(prio));
    const mixed = [t(), t({ priority: true }), t(), t({ priority: true })];
    const zero = { ...rules, normalsPerPriority: 0 };
    expect(callOrder(mixed, all, zero, dayStartInterleave(zero)).map((x) => x.priority)).toEqual([true, true, false, false]);
  });

  it('puts returned no-shows first, then appointments, whatever their class or weight', () => {
    const heavy = t({ group: 'B', priority: true });
    const appt = t({ appointment: true, issuedAt: 99_999 });
    const back = t({ returned: true, issuedAt: 99_999 });
    const w = { ...rules, weights: { B: 50 } };
    expect(numbers(callOrder([heavy, appt, back], all, w, dayStartInterleave(w)))).toEqual([back.number, appt.number, heavy.number]);
  });

  it('orders by service weight, higher first, before arrival', () => {
    const early = t({ group: 'A', issuedAt: 1 });
    const heavy = t({ group: 'B', issuedAt: 50 });
    expect(nextTicket([early, heavy], all, { ...rules, weights: { B: 5 } }, { normalsSincePriority: 0 })).toBe(heavy);
  });

  it("keeps to the counter's groups, and a ticket sent to a counter to that counter only", () => {
    const a = t({ group: 'A', issuedAt: 1 });
    const b = t({ group: 'B', issuedAt: 2 });
    const sent = t({ group: 'A', issuedAt: 0, toCounter: 4 });
    expect(nextTicket([a, b, sent], { counter: 2, groups: ['B'] }, rules, dayStartInterleave(rules))).toBe(b);
    expect(nextTicket([a, b, sent], { counter: 1, groups: [] }, rules, dayStartInterleave(rules))).toBe(a);
    // Sent to counter 4: called there even though counter 4 serves another group.
    expect(nextTicket([a, b, sent], { counter: 4, groups: ['C'] }, rules, dayStartInterleave(rules))).toBe(sent);
    expect(nextTicket([b], { counter: 2, groups: ['A'] }, rules, dayStartInterleave(rules))).toBeNull();
    expect(mayCall(sent, null)).toBe(true);
  });

  it('a transferred ticket keeps its arrival: it goes before later arrivals of its new group', () => {
    const later = t({ group: 'B', issuedAt: 500 });
    const moved = t({ group: 'B', issuedAt: 5 });
    expect(nextTicket([later, moved], { counter: 2, groups: ['B'] }, rules, { normalsSincePriority: 0 })).toBe(moved);
  });
});

// ---- properties ----------------------------------------------------------------------------------

const candidate = fc.record({
  group: fc.constantFrom('A', 'B', 'C'),
  priority: fc.boolean(),
  // Rare, as in a real hall: otherwise nearly every queue would hold a returned no-show and the
  // class rule would hardly ever be reached.
  appointment: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  issuedAt: fc.integer({ min: 0, max: 1_000 }),
  returned: fc.integer({ min: 0, max: 14 }).map((x) => x === 0),
  toCounter: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
});
const queue = fc
  .array(candidate, { maxLength: 40 })
  .map((xs) => xs.map((x, i) => ({ ...x, id: `id${String(i).padStart(3, '0')}`, number: `${x.group}${String(i).padStart(3, '0')}` })));
const caller: fc.Arbitrary<Caller> = fc.option(fc.record({ counter: fc.integer({ min: 1, max: 4 }), groups: fc.subarray(['A', 'B', 'C']) }), { nil: null });
const rulesArb = fc.record({
  normalsPerPriority: fc.integer({ min: 0, max: 5 }),
  weights: fc.record({ A: fc.integer({ min: 0, max: 3 }), B: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }),
});
const state = fc.record({ normalsSincePriority: fc.integer({ min: 0, max: 5 }) });

describe('queueOrder properties', () => {
  it('the chosen ticket is callable, and there is one whenever a callable ticket waits', () => {
    fc.assert(
      fc.property(queue, caller, rulesArb, state, (q, c, r, s) => {
        const chosen = nextTicket(q, c, r, s);
        const callable = q.filter((x) => mayCall(x, c));
        if (callable.length === 0) expect(chosen).toBeNull();
        else expect(callable).toContain(chosen);
      }),
    );
  });

  it('no callable ticket beats the chosen one: tier, then class by the interleave, then weight, then arrival', () => {
    fc.assert(
      fc.property(queue, caller, rulesArb, state, (q, c, r, s) => {
        const chosen = nextTicket(q, c, r, s);
        if (!chosen) return;
        const rivals = q.filter((x) => mayCall(x, c) && x !== chosen);
        const w = (x: QueueCandidate) => r.weights[x.group as 'A'] ?? 0;
        for (const x of rivals) {
          expect(tierOf(x)).toBeGreaterThanOrEqual(tierOf(chosen));
          if (tierOf(x) !== tierOf(chosen)) continue;
          if (tierOf(chosen) === 0) {
            expect(x.issuedAt).toBeGreaterThanOrEqual(chosen.issuedAt);
            continue;
          }
          if (x.priority !== chosen.priority) {
            // Both classes wait in this tier: the interleave decided.
            expect(chosen.priority).toBe(s.normalsSincePriority >= r.normalsPerPriority);
            continue;
          }
          expect(w(x)).toBeLessThanOrEqual(w(chosen));
          if (w(x) === w(chosen)) expect(x.issuedAt).toBeGreaterThanOrEqual(chosen.issuedAt);
        }
      }),
    );
  });

  it('callOrder is a permutation of the callable tickets, and normal tickets are never starved', () => {
    fc.assert(
      fc.property(queue, caller, rulesArb, (q, c, r) => {
        const order = callOrder(q, c, r, dayStartInterleave(r));
        expect(new Set(order.map((x) => x.id))).toEqual(new Set(q.filter((x) => mayCall(x, c)).map((x) => x.id)));
        // In the plain tier, while normal tickets remain, at most one priority call per
        // normalsPerPriority normal calls (after the first one of the day).
        const plain = order.filter((x) => tierOf(x) === 2);
        const lastNormal = plain.map((x) => x.priority).lastIndexOf(false);
        let run = 0;
        let seenPriority = false;
        for (const x of plain.slice(0, lastNormal + 1)) {
          if (x.priority) {
            if (seenPriority) expect(run).toBeGreaterThanOrEqual(r.normalsPerPriority);
            seenPriority = true;
            run = 0;
          } else run++;
        }
      }),
    );
  });

  it('the interleave counter moves by class and never passes normalsPerPriority', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 50 }), fc.integer({ min: 0, max: 6 }), (classes, k) => {
        let s = dayStartInterleave({ normalsPerPriority: k });
        for (const p of classes) {
          s = afterCall(s, p, { normalsPerPriority: k });
          expect(s.normalsSincePriority).toBeLessThanOrEqual(k);
          if (p) expect(s.normalsSincePriority).toBe(0);
        }
      }),
    );
  });
});

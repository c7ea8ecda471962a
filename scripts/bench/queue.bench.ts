/**
 * Calling the queue (issue 12, "Speed"): the queue owner on embedded PGlite in a folder (as a branch
 * hub runs it), in a process of its own, while 4 counters call, serve and finish as fast as they can
 * and 2 citizen kiosks push a ticket every 100 ms each. Measured from the counters' side over HTTP:
 * call-next latency (p50/p95) against GET /health on the same server in the same run (the floor of
 * any answer); and, for a display board listening to the server-sent pokes and fetching the board on
 * each, the time from a call's request to the board answer that shows it (p95). Before the clock
 * starts the kiosks push as many tickets as there will be calls, so the counters never find the queue empty.
 * Run alone: `BENCH_ONLY=queue npm run bench`. Targets: call-next p95 ≤ 50 ms; call → board p95 ≤ 500 ms.
 */
import { randomUUID } from 'node:crypto';
import { ticketNumberFor } from '../../src/domain/ticketNumbering';
import type { QueueActionAnswer, QueueBoard } from '../../src/shared/queue';
import type { TicketIssueArgs } from '../../src/shared/records';
import { SYNC_PROTOCOL_VERSION } from '../../src/shared/sync';
import { startChildServer, type ChildServer } from './child';
import { recordFigure } from './figures';
import { followQueuePokes } from './queuePokes';
import { queueAction } from '../../test/support/queueActions';
import { BRANCH, benchBranchAllSlots, percentile, round, verdict } from './syncFixtures';

/** Device slots of the bench branch: 2 kiosks and 4 counters, each its own. */
export const QUEUE_BENCH_SLOTS = 8;

export const QUEUE_TARGETS = { callP95Ms: 50, boardP95Ms: 500 } as const;
const COUNTERS = 4;
const CALLS = 1000;
/** As many as the calls: however fast the owner answers, the counters never find the queue empty. */
const SEEDED_TICKETS = CALLS;
const GROUPS = ['A', 'B', 'C'];

export interface QueueBench {
  readonly calls: number;
  readonly call: { readonly p50: number; readonly p95: number };
  readonly health: { readonly p50: number; readonly p95: number };
  readonly board: { readonly p50: number; readonly p95: number; readonly samples: number };
  readonly ticketsPushed: number;
}

interface Device {
  readonly deviceId: string;
  readonly auth: string;
}

async function enrol(server: ChildServer, role: 'citizen' | 'counter', slot: number): Promise<Device> {
  const { code } = await server.ask<{ code: string }>(`enrol ${role}`);
  const deviceId = randomUUID();
  const res = await fetch(`${server.baseUrl}/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, deviceId, role, slot }),
  });
  if (res.status !== 200) throw new Error(`enrolment answered ${res.status}: ${await res.text()}`);
  return { deviceId, auth: `Bearer ${((await res.json()) as { token: string }).token}` };
}

/** A citizen kiosk: pushes its tickets in its own journal, numbered in its own slot's blocks. */
function kiosk(server: ChildServer, device: Device, slot: number, day: string) {
  const numbering = benchBranchAllSlots(QUEUE_BENCH_SLOTS).numbering;
  const journalId = randomUUID();
  let seq = 0;
  const perGroup = new Map<string, number>();
  return async (count: number): Promise<void> => {
    const mutations = Array.from({ length: count }, (_, i) => {
      const group = GROUPS[(seq + i) % GROUPS.length]!;
      const local = (perGroup.get(group) ?? 0) + 1;
      perGroup.set(group, local);
      const n = ticketNumberFor(group, local, slot, numbering);
      const args: TicketIssueArgs = {
        id: randomUUID(),
        branchCode: BRANCH,
        kioskSlot: slot,
        day,
        groupPrefix: group,
        number: n.display,
        numeric: n.numeric,
        priority: (seq + i) % 5 === 0,
        issuedAt: Date.now(),
      };
      return { mutationId: randomUUID(), deviceSeq: seq + i + 1, name: 'ticket.issue@1', args, schemaVersion: 1, createdAt: Date.now() };
    });
    seq += count;
    const res = await fetch(`${server.baseUrl}/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: device.auth },
      body: JSON.stringify({ protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations }),
    });
    if (res.status !== 200) throw new Error(`a kiosk's push answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
}

/** A display board: listens to the branch's pokes and fetches the board after each; reports when a ticket first appears in its last calls. */
function board(server: ChildServer, onBoard: (b: QueueBoard, at: number) => void): { stop(): void; ready: Promise<void> } {
  return followQueuePokes(
    server.baseUrl,
    BRANCH,
    async (signal) => {
      const b = (await (await fetch(`${server.baseUrl}/v1/queue/board?branch=${BRANCH}`, { signal })).json()) as QueueBoard;
      onBoard(b, performance.now());
    },
    { onError: (e) => console.error('  board stream failed:', e) },
  );
}

export async function runQueueBench(): Promise<QueueBench> {
  const server = await startChildServer('queue');
  try {
    const { day } = await server.ask<{ day: string }>('today');
    const kiosks = await Promise.all([0, 1].map(async (slot) => kiosk(server, await enrol(server, 'citizen', slot), slot, day)));
    const counters = await Promise.all(Array.from({ length: COUNTERS }, async (_, i) => enrol(server, 'counter', 2 + i)));
    for (let pushed = 0; pushed < SEEDED_TICKETS; pushed += 100) await kiosks[pushed % 200 === 0 ? 0 : 1]!(100);
    let ticketsPushed = SEEDED_TICKETS;

    // When each call was sent, by ticket number, and when the board first showed it.
    const sentAt = new Map<string, number>();
    const seenAfter: number[] = [];
    const shown = new Set<string>();
    const watcher = board(server, (b, at) => {
      for (const c of b.lastCalls) {
        if (shown.has(c.number)) continue;
        shown.add(c.number);
        const sent = sentAt.get(c.number);
        if (sent !== undefined) seenAfter.push(at - sent);
      }
    });
    await watcher.ready;

    let running = true;
    const issuing = kiosks.map(async (push) => {
      while (running) {
        await push(1);
        ticketsPushed++;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    const callTimes: number[] = [];
    let remaining = CALLS;
    const act = async (device: Device, counter: number, body: Record<string, unknown>): Promise<QueueActionAnswer> => {
      const res = await fetch(`${server.baseUrl}/v1/queue/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: device.auth },
        body: JSON.stringify({ ...queueAction({ branchCode: BRANCH, day, counter, kind: 'call', at: Date.now() }), how: null, ...body }),
      });
      if (res.status !== 200) throw new Error(`counter ${counter}: ${String(body.kind)} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as QueueActionAnswer;
    };
    const calling = Promise.all(
      counters.map(async (device, i) => {
        const counter = i + 1;
        while (remaining-- > 0) {
          const t0 = performance.now();
          const answer = await act(device, counter, { kind: 'call', how: 'next' });
          const t1 = performance.now();
          callTimes.push(t1 - t0);
          const number = answer.action.ticketNumber!;
          sentAt.set(number, t0);
          await act(device, counter, { kind: 'serve', ticketNumber: number });
          await act(device, counter, { kind: 'finish', ticketNumber: number });
        }
      }),
    );
    // A counter's failure is the bench's: the kiosks stop before the server does, so it is what is reported.
    await calling.finally(async () => {
      running = false;
      await Promise.allSettled(issuing);
    });
    await Promise.all(issuing);
    // The last pokes settle.
    await new Promise((r) => setTimeout(r, 500));
    watcher.stop();

    const health: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await (await fetch(`${server.baseUrl}/health`)).arrayBuffer();
      health.push(performance.now() - t0);
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const calls = sorted(callTimes);
    const seen = sorted(seenAfter);
    const h = sorted(health);
    return {
      calls: calls.length,
      call: { p50: percentile(calls, 50), p95: percentile(calls, 95) },
      health: { p50: percentile(h, 50), p95: percentile(h, 95) },
      board: { p50: percentile(seen, 50), p95: percentile(seen, 95), samples: seen.length },
      ticketsPushed,
    };
  } finally {
    await server.close();
  }
}

export function printQueueBench(r: QueueBench): void {
  const callPass = r.call.p95 <= QUEUE_TARGETS.callP95Ms;
  const boardPass = r.board.samples > 0 && r.board.p95 <= QUEUE_TARGETS.boardP95Ms;
  console.log(
    `  call-next: ${r.calls} calls by ${COUNTERS} counters (each also serves and finishes), ${r.ticketsPushed} tickets pushed by 2 kiosks meanwhile: p50 ${round(r.call.p50, 1)} ms, p95 ${round(r.call.p95, 1)} ms; GET /health p95 ${round(r.health.p95, 2)} ms   target p95 ≤ ${QUEUE_TARGETS.callP95Ms} ms   ${verdict(callPass)}`,
  );
  console.log(
    `  call → on the board (SSE poke, then GET /v1/queue/board): p50 ${round(r.board.p50, 1)} ms, p95 ${round(r.board.p95, 1)} ms over ${r.board.samples} calls   target p95 ≤ ${QUEUE_TARGETS.boardP95Ms} ms   ${verdict(boardPass)}`,
  );
  recordFigure({
    figure: 'call-next at the queue owner (PGlite), 4 counters + 2 kiosks',
    measured: `p95 ${round(r.call.p95, 1)} ms (GET /health ${round(r.health.p95, 2)} ms)`,
    target: `p95 ≤ ${QUEUE_TARGETS.callP95Ms} ms`,
    pass: callPass,
  });
  recordFigure({
    figure: 'a call → shown on the board over loopback',
    measured: `p95 ${round(r.board.p95, 1)} ms (${r.board.samples} calls)`,
    target: `p95 ≤ ${QUEUE_TARGETS.boardP95Ms} ms`,
    pass: boardPass,
  });
}

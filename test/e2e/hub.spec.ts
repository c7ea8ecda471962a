import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { Centre } from './centre';
import { currentCalls, lastCalls, openBoard, waitingCounts as boardWaiting } from './boardFlows';
import { attachFiles, chooseProcedure, listRow, saveDossier, typeApplicant } from './counterFlows';
import { expect, test } from './fixtures';
import { paperPhoto, readRows, SCREENS_DIR } from './helpers';
import { startHub, type TestHub } from './hub';
import { enrolKiosk, newMachine, openCounter, syncMeta, syncNow, takeTicket } from './kioskFlows';
import { callNext, finish, receiveForTicket, serve } from './queueFlows';

/**
 * Issue 12's acceptance, end to end in Chromium on loopback: a branch of two citizen kiosks, two
 * counters and a display board, each its own browser context of the real web kiosk, with nothing
 * stubbed between page and server (no route interception: the kiosk, the hub and the centre are
 * three origins, and the browser enforces CORS on every call; a CORS error on any console fails).
 *
 * Phase 1: tickets from both kiosks reach the board; the counters call them (a priority ticket
 * first at the start of the day), serve, and receive a dossier with scans linked to its ticket.
 * Phase 2, behind a hub: the hub's link to the centre is cut (its upstream fetch fails; the LAN is
 * untouched) while tickets, calls (the priority ticket interleaved after three normal calls) and a
 * dossier with scans go on; the machines keep every entry and scan only the hub holds, even after
 * a sync run. Link restored: the hub relays on its own, the machines still keep their entries until
 * they hear the centre has them, then prune; the centre holds every record and scan exactly once.
 * Without a hub (every machine enrolled to the centre) the same flow runs against the centre, which
 * owns the queue, and nothing is kept once sent.
 */

type Mode = 'hub' | 'centre';

// Five browser contexts at once: a trace's DOM snapshots and screencast on every action double the
// spec's time on a 2-core machine. The trace keeps the actions and the network (what a failure
// needs, with the branch's state this spec attaches); screenshots on failure stay on.
test.use({ trace: { mode: 'retain-on-failure', snapshots: false, screenshots: false } });

interface Machine {
  readonly name: string;
  readonly page: Page;
  readonly deviceId: string;
}

/** Polls every 50–250 ms (Playwright's default backs off to a second: seconds lost per wait). */
const QUICK = { intervals: [50, 100, 250] };

/** Outbox sequence numbers still on the machine, in order. */
const outboxSeqs = async (page: Page): Promise<number[]> => (await readRows(page, 'outbox')).map((e) => Number(e.deviceSeq)).sort((a, b) => a - b);

const blobStates = async (page: Page): Promise<string[]> => (await readRows(page, 'blobs')).map((b) => String(b.state));

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Every entry the machine wrote has reached the server it is enrolled with, and no scan is still to upload. */
async function settled(m: Machine): Promise<void> {
  const sent = async (): Promise<boolean> => {
    const { heldSeq } = await syncMeta(m.page);
    return (await outboxSeqs(m.page)).every((seq) => seq <= heldSeq) && (await blobStates(m.page)).every((s) => s === 'held' || s === 'verified');
  };
  await expect.poll(sent, { ...QUICK, message: `${m.name} has sent everything to its server`, timeout: 20_000 }).toBe(true);
}

/** Makes the machine run a sync now and waits until that run pushed (its lastPushAt moved). */
async function syncedOnce(m: Machine): Promise<void> {
  const before = (await syncMeta(m.page)).lastPushAt ?? 0;
  await syncNow(m.page);
  await expect
    .poll(async () => (await syncMeta(m.page)).lastPushAt ?? 0, { ...QUICK, message: `${m.name} ran a sync`, timeout: 15_000 })
    .toBeGreaterThan(before);
}

interface Paper {
  readonly paper: string;
  readonly name: string;
  readonly mimeType: 'image/jpeg' | 'image/png';
  readonly buffer: Buffer;
}

/**
 * Photos of the two papers of each dossier, every one different (a scan is content-addressed: the
 * same bytes twice would be one blob). Made on a page with nothing else to do: on a busy counter
 * page the same canvas work takes seconds.
 */
async function paperPhotos(browser: Browser): Promise<[Paper[], Paper[]]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const papers = async (dossier: number): Promise<Paper[]> => [
    {
      paper: 'Giấy chứng sinh',
      name: 'giay-chung-sinh.jpg',
      mimeType: 'image/jpeg',
      buffer: await paperPhoto(page, `GIẤY CHỨNG SINH ${dossier}`, 'image/jpeg'),
    },
    { paper: 'Tờ khai', name: 'to-khai.png', mimeType: 'image/png', buffer: await paperPhoto(page, `TỜ KHAI ĐĂNG KÝ KHAI SINH ${dossier}`, 'image/png') },
  ];
  const made: [Paper[], Paper[]] = [await papers(1), await papers(2)];
  await context.close();
  return made;
}

/** Receives a dossier for the ticket being served, both papers scanned from files; returns its code. */
async function receiveWithScans(page: Page, ticket: string, papers: Paper[]): Promise<string> {
  expect(await receiveForTicket(page)).toBe(ticket);
  await typeApplicant(page);
  await chooseProcedure(page, '1.003583');
  await attachFiles(page, papers);
  const { code } = await saveDossier(page);
  await page.getByTestId('desk.newDossier').click();
  return code;
}

/** The centre's queue log of the branch, in the order the counters acted. */
async function centreLog(centre: Centre): Promise<{ id: string; line: string; outcome: string; dossierCodes: string[] }[]> {
  const rows = await centre.db.query<{
    id: string;
    kind: string;
    ticket_number: string | null;
    counter: number;
    outcome: string;
    args: { dossierCodes: string[] };
  }>("SELECT id, kind, ticket_number, counter, outcome, args FROM queue_actions WHERE branch_code = 'CN01' ORDER BY (args->>'at')::bigint, seq");
  return rows.map((r) => ({ id: r.id, line: `${r.kind} ${r.ticket_number} @${r.counter}`, outcome: r.outcome, dossierCodes: r.args.dossierCodes }));
}

/** What the branch looked like when a test failed: attached to its report and printed. */
let diagnose: (() => Promise<unknown>) | null = null;
/** The test's browser contexts and hub, closed after it whatever its outcome (the centre is the fixture's). */
const cleanups: (() => Promise<unknown>)[] = [];
// eslint-disable-next-line no-empty-pattern -- Playwright reads a hook's fixtures from this pattern; this one needs none
test.afterEach(async ({}, testInfo) => {
  const dump = diagnose;
  diagnose = null;
  if (dump && testInfo.status !== testInfo.expectedStatus) {
    const text = JSON.stringify(await dump().catch((e: unknown) => String(e)), null, 1);
    console.log(text);
    await testInfo.attach('branch-state.json', { body: text, contentType: 'application/json' });
  }
  for (const close of cleanups.splice(0).reverse()) await close().catch(() => undefined);
});

function branchState(machines: readonly Machine[], hub: TestHub | null, centre: Centre): () => Promise<unknown> {
  return async () => ({
    machines: await Promise.all(
      machines.map(async (m) => ({
        name: m.name,
        deviceId: m.deviceId,
        meta: await syncMeta(m.page),
        state: await m.page.getByTestId('status.sync').getAttribute('data-state', { timeout: 1_000 }),
        outbox: (await readRows(m.page, 'outbox')).map((e) => `${String(e.deviceSeq)} ${String(e.name)}`),
        blobs: (await readRows(m.page, 'blobs')).map((b) => `${String(b.sha256).slice(0, 12)} ${String(b.state)}`),
      })),
    ),
    hub: hub && {
      status: await hub.status(),
      warnings: hub.warnings.slice(-30),
      relayOutbox: await hub.db.query('SELECT device_id, journal_id, device_seq, name, received_at FROM relay_outbox ORDER BY device_id, device_seq'),
      relayJournals: await hub.db.query('SELECT * FROM relay_journals'),
      relayBlobs: await hub.db.query('SELECT sha256, device_id, attempts, last_error FROM relay_blobs'),
      mutations: await hub.db.query('SELECT device_id, journal_id, device_seq, name, status, reason FROM mutations ORDER BY device_id, device_seq'),
      queue: await hub.db.query('SELECT number, state, counter FROM queue_tickets ORDER BY number'),
    },
    centre: {
      mutations: await centre.db.query('SELECT device_id, journal_id, device_seq, name, status, reason FROM mutations ORDER BY device_id, device_seq'),
      queue: await centre.db.query('SELECT number, state, counter FROM queue_tickets ORDER BY number'),
      actions: await centre.db.query('SELECT kind, ticket_number, counter, via, outcome, flag FROM queue_actions ORDER BY seq'),
    },
  });
}

for (const mode of ['hub', 'centre'] as const satisfies readonly Mode[]) {
  const title =
    mode === 'hub'
      ? 'behind a branch hub whose link to the centre is cut for a phase: the centre holds every record and scan once, machines prune only after'
      : 'without a hub, every machine enrolled to the centre: the same flow, nothing kept once sent';
  test(`two kiosks, two counters and a board ${title}`, async ({ browser, centre }) => {
    test.setTimeout(120_000);
    mkdirSync(SCREENS_DIR, { recursive: true });

    // The hub starts while the machines set their role and slot; they enrol once it is up.
    const hubStarting = mode === 'hub' ? startHub(centre) : null;
    hubStarting?.then((h) => cleanups.push(() => h.close())).catch(() => undefined);
    const server = hubStarting ? hubStarting.then((h) => h.url) : centre.url;
    const [kioskAPage, kioskBPage, counter1Page, counter2Page, boardContext] = await Promise.all([
      newMachine(browser),
      newMachine(browser),
      newMachine(browser),
      newMachine(browser),
      browser.newContext({ viewport: { width: 1920, height: 1080 }, serviceWorkers: 'block' }),
    ]);
    const pages = [kioskAPage, kioskBPage, counter1Page, counter2Page];
    cleanups.push(...[boardContext, ...pages.map((p) => p.context())].map((c) => () => c.close()));
    // Chromium reports a call CORS blocked on the console: none may happen, on any machine.
    const corsErrors: string[] = [];
    const watch = (page: Page): void => {
      page.on('console', (msg) => {
        if (msg.type() === 'error' && /CORS|Access-Control|Private Network/i.test(msg.text())) corsErrors.push(`${msg.text()} (${page.url()})`);
      });
    };
    pages.forEach(watch);

    const [kioskAId, kioskBId, counter1Id, counter2Id, [papers1, papers2]] = await Promise.all([
      enrolKiosk(kioskAPage, centre, 0, server),
      enrolKiosk(kioskBPage, centre, 1, server),
      openCounter(counter1Page, centre, 2, 1, ['A'], server),
      openCounter(counter2Page, centre, 3, 2, ['A', 'B'], server),
      paperPhotos(browser),
    ]);
    const hub = hubStarting ? await hubStarting : null;
    const kioskA: Machine = { name: 'kiosk A', page: kioskAPage, deviceId: kioskAId };
    const kioskB: Machine = { name: 'kiosk B', page: kioskBPage, deviceId: kioskBId };
    const counter1: Machine = { name: 'counter 1', page: counter1Page, deviceId: counter1Id };
    const counter2: Machine = { name: 'counter 2', page: counter2Page, deviceId: counter2Id };
    const machines = [kioskA, kioskB, counter1, counter2];
    diagnose = branchState(machines, hub, centre);

    // ── Phase 1: the link is up ──────────────────────────────────────────────────────────────
    // Tickets from both kiosks; B1001 last, so that A0001 and A0002 are before it by arrival.
    const [[a1, a2], p1] = await Promise.all([
      (async () => [await takeTicket(kioskA.page, 'A'), await takeTicket(kioskA.page, 'A')])(),
      takeTicket(kioskB.page, 'A', true),
    ]);
    const b1 = await takeTicket(kioskB.page, 'B');
    expect([a1, a2, p1, b1]).toEqual(['A0001', 'A0002', 'A1001', 'B1001']);

    const board = await openBoard(boardContext, await server, 'CN01');
    watch(board);
    await expect.poll(async () => boardWaiting(board), { ...QUICK, timeout: 15_000 }).toMatchObject({ A: { count: 3 }, B: { count: 1 } });

    // Priority first at the start of the day: counter 1 gets A1001, counter 2 the first normal.
    expect(await callNext(counter1.page)).toMatchObject({ number: p1, state: 'called' });
    expect(await callNext(counter2.page)).toMatchObject({ number: a1, state: 'called' });
    await expect
      .poll(async () => currentCalls(board), QUICK)
      .toEqual([
        { number: a1, counter: 2 },
        { number: p1, counter: 1 },
      ]);

    // Counter 1 serves its citizen and receives a dossier with scans under that ticket, while
    // counter 2 finishes A0001 and calls the next normal ticket.
    const [code1] = await Promise.all([
      (async () => {
        await serve(counter1.page);
        const code = await receiveWithScans(counter1.page, p1, papers1);
        expect(await finish(counter1.page)).toMatchObject({ number: '' });
        return code;
      })(),
      (async () => {
        await serve(counter2.page);
        await finish(counter2.page);
        expect(await callNext(counter2.page)).toMatchObject({ number: a2, state: 'called' });
      })(),
    ]);

    // Everything of phase 1 is at the server; behind a hub, relayed to the centre before the cut.
    await Promise.all(machines.map(settled));
    if (hub) {
      await expect
        .poll(async () => hub.status(), { ...QUICK, timeout: 20_000 })
        .toMatchObject({ upstreamReachable: true, unrelayedRecords: 0, unrelayedScans: 0, stalledJournals: [] });
    }
    await expect.poll(async () => (await centre.tickets()).map((t) => t.number), QUICK).toEqual([a1, a2, p1, b1]);
    await expect.poll(async () => (await centre.receivedDossiers(counter1.deviceId)).map((d) => [d.code, d.blobsMissing]), QUICK).toEqual([[code1, 0]]);
    const phase1 = new Map<string, number>();
    for (const m of machines) phase1.set(m.name, (await syncMeta(m.page)).heldSeq);

    // ── Phase 2: behind a hub, its link to the centre is cut ───────────────────────────────
    hub?.cut();
    const [a3, p2] = await Promise.all([takeTicket(kioskA.page, 'A'), takeTicket(kioskB.page, 'A', true)]);
    expect([a3, p2]).toEqual(['A0003', 'A1002']);
    await expect.poll(async () => boardWaiting(board), QUICK).toMatchObject({ A: { count: 2 }, B: { count: 1 } });

    // The interleave (3 normal calls per priority one): after A1001, A0001 and A0002, counter 1
    // still gets a normal ticket although A1002 waits; then the priority ticket's turn comes at
    // counter 2, ahead of B1001, which has waited since phase 1.
    expect(await callNext(counter1.page)).toMatchObject({ number: a3, state: 'called' });
    await serve(counter2.page);
    await finish(counter2.page);
    expect(await callNext(counter2.page)).toMatchObject({ number: p2, state: 'called' });
    await expect
      .poll(async () => currentCalls(board), QUICK)
      .toEqual([
        { number: p2, counter: 2 },
        { number: a3, counter: 1 },
      ]);
    if (hub) {
      // As the hall sees them once the new call's flash (three seconds) is over.
      await board.screenshot({ path: join(SCREENS_DIR, 'hub-cut-board.png'), animations: 'disabled' });
      await counter2.page.screenshot({ path: join(SCREENS_DIR, 'hub-cut-counter.png'), animations: 'disabled' });
    }
    const [code2] = await Promise.all([
      (async () => {
        await serve(counter2.page);
        const code = await receiveWithScans(counter2.page, p2, papers2);
        expect(await finish(counter2.page)).toMatchObject({ number: '' });
        return code;
      })(),
      (async () => {
        await serve(counter1.page);
        expect(await finish(counter1.page)).toMatchObject({ number: '' });
      })(),
    ]);
    // The board lists the last four calls, newest first; the branch does not notice the cut.
    await expect.poll(async () => (await lastCalls(board)).map((c) => `${c.number}→${c.counter}`), QUICK).toEqual([`${p2}→2`, `${a3}→1`, `${a2}→2`, `${a1}→2`]);
    await expect.poll(async () => currentCalls(board), QUICK).toEqual([]);
    await expect(board.getByTestId('board.offline')).toHaveCount(0);
    await Promise.all(machines.map(settled));

    if (hub) {
      await counter2.page.keyboard.press('F3');
      await expect(listRow(counter2.page, code2)).toBeVisible();
      await counter2.page.screenshot({ path: join(SCREENS_DIR, 'hub-cut-counter-list.png') });

      // What only the hub holds stays on the machines, even after one more run each.
      await Promise.all(machines.map(syncedOnce));
      let kept = 0;
      for (const m of machines) {
        const meta = await syncMeta(m.page);
        expect(meta.confirmedSeq, `${m.name}: the centre holds phase 1`).toBe(phase1.get(m.name));
        expect(meta.heldSeq, `${m.name}: the hub holds phase 2`).toBeGreaterThan(meta.confirmedSeq);
        expect(await outboxSeqs(m.page), `${m.name} keeps what only the hub has`).toEqual(range(meta.confirmedSeq + 1, meta.heldSeq));
        kept += meta.heldSeq - meta.confirmedSeq;
      }
      // The machines say so: sent to the branch, waiting for the centre (not "synced", not an error).
      await expect(counter2.page.getByTestId('status.sync')).toHaveAttribute('data-at-hub', 'true');
      await expect(counter2.page.getByTestId('status.sync')).toContainText('Đã tới máy chủ chi nhánh – chờ chuyển về trung tâm');
      await expect(counter2.page.getByTestId('status.pending')).toContainText('đã ở máy chủ chi nhánh');
      await expect(kioskA.page.getByTestId('status.sync')).toContainText('Đã gửi tới máy chủ chi nhánh');
      await counter2.page.screenshot({ path: join(SCREENS_DIR, 'hub-cut-counter-status.png') });
      const phase2Ticket = (await readRows(kioskA.page, 'tickets')).find((t) => t.number === a3);
      expect(phase2Ticket?.syncedAt ?? null).toBeNull();
      expect(await blobStates(counter2.page)).toEqual(['held', 'held']);
      expect(await blobStates(counter1.page)).toEqual(['verified', 'verified']);
      // The officer's list says where the dossier is: at the branch's server, not yet at the centre.
      await expect(listRow(counter2.page, code2)).toHaveAttribute('data-sync', 'at-hub');
      await expect(listRow(counter2.page, code2).getByTestId('list.sync')).toHaveText('Máy chủ chi nhánh đã nhận – chờ gửi lên trung tâm');
      expect(await hub.status()).toMatchObject({ upstreamReachable: false, unrelayedRecords: kept, unrelayedScans: 2, stalledJournals: [] });
      // The centre has nothing of phase 2.
      expect((await centre.tickets()).map((t) => t.number)).toEqual([a1, a2, p1, b1]);
      expect(await centre.receivedDossiers(counter2.deviceId)).toEqual([]);
      for (const m of machines) expect((await centre.mutations(m.deviceId)).length, `${m.name} at the centre`).toBe(phase1.get(m.name));

      // The link comes back: the hub relays on its own (its timer: a fraction of a second here).
      hub.restore();
      await expect
        .poll(async () => hub.status(), { ...QUICK, timeout: 20_000 })
        .toMatchObject({ upstreamReachable: true, unrelayedRecords: 0, unrelayedScans: 0, stalledJournals: [] });
      // The machines have not run since (their idle timer is a minute): they still keep every entry.
      for (const m of machines) {
        expect(await outboxSeqs(m.page), `${m.name} before it hears from the centre`).toEqual(range(phase1.get(m.name)! + 1, (await syncMeta(m.page)).heldSeq));
      }
    }

    // Every machine runs once more: what the centre holds leaves its outbox, its scans are verified.
    for (const m of machines) await syncNow(m.page);
    for (const m of machines) {
      const pruned = async () => {
        const meta = await syncMeta(m.page);
        return {
          outbox: await outboxSeqs(m.page),
          confirmed: meta.confirmedSeq === meta.heldSeq,
          unverified: (await blobStates(m.page)).filter((s) => s !== 'verified'),
        };
      };
      await expect.poll(pruned, { ...QUICK, message: `${m.name} pruned`, timeout: 20_000 }).toEqual({ outbox: [], confirmed: true, unverified: [] });
    }
    for (const m of [kioskA, kioskB]) expect((await readRows(m.page, 'tickets')).filter((t) => typeof t.syncedAt !== 'number')).toEqual([]);
    for (const m of [counter1, counter2]) expect((await readRows(m.page, 'dossiers')).filter((d) => typeof d.syncedAt !== 'number')).toEqual([]);
    if (hub) await expect(listRow(counter2.page, code2)).toHaveAttribute('data-sync', 'confirmed');

    // ── The centre holds every record and scan exactly once ───────────────────────────────
    expect((await centre.tickets()).map((t) => `${t.number} ${t.deviceId}`)).toEqual([
      `${a1} ${kioskA.deviceId}`,
      `${a2} ${kioskA.deviceId}`,
      `${a3} ${kioskA.deviceId}`,
      `${p1} ${kioskB.deviceId}`,
      `${p2} ${kioskB.deviceId}`,
      `${b1} ${kioskB.deviceId}`,
    ]);
    for (const m of machines) {
      const held = (await syncMeta(m.page)).heldSeq;
      const atCentre = await centre.mutations(m.deviceId);
      expect(
        atCentre.map((r) => r.deviceSeq),
        `${m.name}: every entry at the centre`,
      ).toEqual(range(1, held));
      expect(
        atCentre.filter((r) => r.copies !== 1 || r.status !== 'applied'),
        `${m.name}: each once, applied`,
      ).toEqual([]);
      if (hub) {
        // The centre's copy of the journal is the hub's: the same records under the same numbers.
        const atHub = await hub.db.query<{ device_seq: string | number; name: string }>(
          'SELECT device_seq, name FROM mutations WHERE device_id = $1 ORDER BY device_seq',
          [m.deviceId],
        );
        expect(atCentre.map((r) => `${r.deviceSeq} ${r.name}`)).toEqual(atHub.map((r) => `${Number(r.device_seq)} ${r.name}`));
      }
    }

    // The queue: every action once and applied, in each counter's order, each dossier on its ticket's finish.
    const log = await centreLog(centre);
    expect(log.filter((r) => r.outcome !== 'applied')).toEqual([]);
    expect(new Set(log.map((r) => r.id)).size).toBe(log.length);
    expect(log.filter((r) => r.line.endsWith('@1')).map((r) => r.line)).toEqual([
      `call ${p1} @1`,
      `serve ${p1} @1`,
      `finish ${p1} @1`,
      `call ${a3} @1`,
      `serve ${a3} @1`,
      `finish ${a3} @1`,
    ]);
    expect(log.filter((r) => r.line.endsWith('@2')).map((r) => r.line)).toEqual([
      `call ${a1} @2`,
      `serve ${a1} @2`,
      `finish ${a1} @2`,
      `call ${a2} @2`,
      `serve ${a2} @2`,
      `finish ${a2} @2`,
      `call ${p2} @2`,
      `serve ${p2} @2`,
      `finish ${p2} @2`,
    ]);
    expect(log.find((r) => r.line === `finish ${p1} @1`)?.dossierCodes).toEqual([code1]);
    expect(log.find((r) => r.line === `finish ${p2} @2`)?.dossierCodes).toEqual([code2]);
    const queueStates = async (db: Centre['db']) =>
      Object.fromEntries(
        (await db.query<{ number: string; state: string }>("SELECT number, state FROM queue_tickets WHERE branch_code = 'CN01'")).map((s) => [
          s.number,
          s.state,
        ]),
      );
    const expectedStates = { [a1]: 'served', [a2]: 'served', [a3]: 'served', [p1]: 'served', [p2]: 'served', [b1]: 'waiting' };
    expect(await queueStates(centre.db)).toEqual(expectedStates);
    if (hub) {
      // The queue's owner was the hub: its log holds the same actions, its tickets the same states.
      const owner = await hub.db.query<{ id: string }>("SELECT id FROM queue_actions WHERE branch_code = 'CN01'");
      expect(log.map((r) => r.id).sort()).toEqual(owner.map((r) => r.id).sort());
      expect(await queueStates(hub.db)).toEqual(expectedStates);
    }

    // Each dossier complete, each scan's bytes those the counter stored (the SHA-256 of the centre's
    // decrypted copy is the hash the counter recorded), owned by the counter that scanned it.
    for (const [m, code] of [
      [counter1, code1],
      [counter2, code2],
    ] as const) {
      const received = await centre.receivedDossiers(m.deviceId);
      expect(received.map((d) => ({ code: d.code, blobCount: d.blobCount, blobsMissing: d.blobsMissing }))).toEqual([{ code, blobCount: 2, blobsMissing: 0 }]);
      const shas = received[0]!.documents.map((d) => d.sha256).sort();
      expect(shas).toEqual((await readRows(m.page, 'blobs')).map((b) => String(b.sha256)).sort());
      for (const sha of shas) expect(await centre.storedBlobSha256(sha), `${m.name}'s scan ${sha.slice(0, 12)} at the centre`).toBe(sha);
      const owners = await centre.db.query<{ sha256: string; device_id: string }>(
        'SELECT sha256, device_id FROM blob_owners WHERE sha256 = ANY($1::text[]) ORDER BY sha256',
        [shas],
      );
      expect(owners).toEqual(shas.map((sha256) => ({ sha256, device_id: m.deviceId })));
    }
    const [blobCount] = await centre.db.query<{ n: string | number }>('SELECT count(*) AS n FROM blobs');
    expect(Number(blobCount!.n)).toBe(4);

    // The counter shows the dossier under its ticket.
    await counter2.page.keyboard.press('F3');
    await listRow(counter2.page, code2).getByTestId('list.open').click();
    await expect(counter2.page.getByTestId('details.screen')).toHaveAttribute('data-code', code2);
    await expect(counter2.page.getByTestId('details.ticket')).toHaveText(p2);

    expect(corsErrors).toEqual([]);
  });
}

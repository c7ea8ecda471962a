import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ticketNumberFor } from '../../src/domain/ticketNumbering';
import { BranchConfig } from '../../src/shared/branchConfig';
import { QueueActionAnswer, QueueBoard, type QueueActionKind } from '../../src/shared/queue';
import { EnrolResponse, PushResponse, SYNC_PROTOCOL_VERSION } from '../../src/shared/sync';
import {
  boardUrl,
  currentCalls,
  enableSound,
  lastCalls,
  openBoard,
  spokenPhrases,
  utteranceFor,
  waitForQuiet,
  waitForSpoken,
  waitingCounts,
} from './boardFlows';
import { startCentre, type Centre } from './centre';
import { SCREENS_DIR } from './helpers';
import { queueAction } from '../support/queueActions';
import { expect, test } from './fixtures';

/**
 * The display board in Chromium against a real centre (centre.ts: fastify + PGlite on its own
 * origin, CORS for the kiosk's origin), nothing stubbed between the page and the server: the board
 * reads GET /v1/queue/board and follows GET /v1/queue/events cross-origin, as the branch's TV does.
 * The calls it shows are made for real over HTTP: a citizen kiosk and a counter enrolled with
 * one-time codes (POST /v1/enrol, each in a slot of its own), the kiosk pushes `ticket.issue@1`
 * records numbered in its slot's blocks (POST /v1/sync/push), the counter acts on the queue (POST
 * /v1/queue/actions). A lost server is the centre stopped and started again.
 *
 * A centre of this file's own: its queue must not hold the other specs' tickets (the worker's
 * shared centre), and this test stops it.
 */
test.use({ viewport: { width: 1920, height: 1080 } });

const BRANCH = BranchConfig.parse(JSON.parse(readFileSync(new URL('../../assets/config/branch.json', import.meta.url), 'utf8')));
/** The journal's schema version the kiosk stamps on what it pushes (JOURNAL_SCHEMA_VERSION, src/storage/KioskDb.ts). */
const JOURNAL_SCHEMA_VERSION = 3;

/** Today in the branch's time: the day the queue owner serves (queueToday). */
const branchToday = (): string => new Date(Date.now() + BRANCH.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);

interface Device {
  readonly deviceId: string;
  readonly auth: { authorization: string };
}

async function post(centre: Centre, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${centre.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** Enrols a machine as its technician would: a one-time code from the centre, the machine's slot. */
async function enrolDevice(centre: Centre, role: 'citizen' | 'counter', slot: number): Promise<Device> {
  const deviceId = randomUUID();
  const res = await post(centre, '/v1/enrol', { code: await centre.enrolCode(role), deviceId, role, slot });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const { token } = EnrolResponse.parse(res.body);
  return { deviceId, auth: { authorization: `Bearer ${token}` } };
}

/** A citizen kiosk in `slot`: issues tickets numbered in that slot's blocks and pushes them as its sync does. */
function ticketKiosk(centre: Centre, device: Device, slot: number) {
  const journalId = randomUUID();
  let seq = 0;
  const issued = new Map<string, number>();
  return {
    async issue(groups: string[]): Promise<string[]> {
      const day = branchToday();
      const numbers: string[] = [];
      const mutations = groups.map((groupPrefix) => {
        const local = (issued.get(groupPrefix) ?? 0) + 1;
        issued.set(groupPrefix, local);
        const n = ticketNumberFor(groupPrefix, local, slot, BRANCH.numbering);
        numbers.push(n.display);
        const at = Date.now();
        const args = {
          id: randomUUID(),
          branchCode: 'CN01',
          kioskSlot: slot,
          day,
          groupPrefix,
          number: n.display,
          numeric: n.numeric,
          priority: false,
          issuedAt: at,
        };
        return { mutationId: randomUUID(), deviceSeq: ++seq, name: 'ticket.issue@1', args, schemaVersion: JOURNAL_SCHEMA_VERSION, createdAt: at };
      });
      const res = await post(centre, '/v1/sync/push', { protocolVersion: SYNC_PROTOCOL_VERSION, journalId, mutations }, device.auth);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(PushResponse.parse(res.body).results.map((r) => r.status)).toEqual(groups.map(() => 'applied'));
      return numbers;
    },
  };
}

/** A counter machine acting on the queue for any counter number it is set to. */
function counterDesk(centre: Centre, device: Device) {
  return async function act(counter: number, kind: QueueActionKind, what: { groups?: string[]; ticket?: string } = {}): Promise<string | null> {
    const action = queueAction({
      branchCode: 'CN01',
      day: branchToday(),
      counter,
      kind,
      groups: what.groups ?? [],
      ticketNumber: what.ticket ?? null,
      at: Date.now(),
    });
    const res = await post(centre, '/v1/queue/actions', action, device.auth);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return QueueActionAnswer.parse(res.body).ticket?.number ?? null;
  };
}

/** What the centre answers a board (read here as any client would, to compare with the screen). */
async function serverBoard(centre: Centre): Promise<QueueBoard> {
  const res = await fetch(`${centre.url}/v1/queue/board?branch=CN01`);
  expect(res.status).toBe(200);
  return QueueBoard.parse(await res.json());
}

const said = (number: string, counter: number): string => utteranceFor({ number, counter }).text;

/**
 * Calls and pokes travel on the live event stream: a call is on screen and said within this,
 * well before the board's own poll while connected (30 s, boardFeed.ts) would find it.
 */
const POKED_MS = 10_000;

let centre: Centre;
test.beforeAll(async () => {
  centre = await startCentre();
});
test.afterAll(async () => {
  await centre.close();
});

test('the board shows the queue, says new calls in order without cutting one off, and keeps the last board when the server is lost', async ({ context }) => {
  test.setTimeout(120_000);
  const kiosk = ticketKiosk(centre, await enrolDevice(centre, 'citizen', 0), 0);
  const act = counterDesk(centre, await enrolDevice(centre, 'counter', 1));

  // The morning so far: tickets taken at the kiosk; counter 1 served three of group A (what the
  // wait estimate is based on) and is calling the fourth.
  expect(await kiosk.issue(['A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'B', 'C'])).toEqual([
    'A0001', 'A0002', 'A0003', 'A0004', 'A0005', 'A0006', 'A0007', 'A0008', 'B0001', 'C0001',
  ]); // prettier-ignore
  for (const number of ['A0001', 'A0002', 'A0003']) {
    expect(await act(1, 'call', { groups: ['A'] })).toBe(number);
    await act(1, 'serve', { ticket: number });
    await act(1, 'finish', { ticket: number });
  }
  expect(await act(1, 'call', { groups: ['A'] })).toBe('A0004');

  const page = await openBoard(context, centre.url, 'CN01');
  await expect(page.getByTestId('board.branch')).toContainText('Chi nhánh số 1');
  expect(await currentCalls(page)).toEqual([{ number: 'A0004', counter: 1 }]);
  expect((await lastCalls(page)).map((c) => c.number)).toEqual(['A0004', 'A0003', 'A0002', 'A0001']);
  const first = await serverBoard(centre);
  const estimateA = first.waiting.find((g) => g.group === 'A')?.estimate ?? null;
  expect(estimateA, 'three served tickets of A and an open counter give an estimate').not.toBeNull();
  const counts = await waitingCounts(page);
  expect(counts).toMatchObject({
    A: { count: 4, estimate: `${estimateA!.low}-${estimateA!.high}` },
    B: { count: 1, estimate: null },
    C: { count: 1, estimate: null },
  });
  expect(Object.keys(counts).sort()).toEqual(BRANCH.serviceGroups.map((g) => g.prefix).sort());
  await expect(page.locator('[data-testid="board.waiting"][data-group="A"]')).toContainText(`khoảng ${estimateA!.low}–${estimateA!.high} phút`);

  // Sound: until Chromium lets the page play, the board offers "Bật âm thanh"; a click opens it, then
  // every committed clip decodes in Chromium. (Chromium usually holds a page's sound until a click,
  // but in about one run in four here it let the board's AudioContext run without one: then there
  // is no button to press.)
  // The gate and the button are read together: Chromium may let the context run at any moment,
  // and a gate read before that with the button counted after it is no disagreement.
  await expect
    .poll(() =>
      page.evaluate(() => {
        const gate = document.querySelector('[data-testid="board.voice"]')?.getAttribute('data-gate');
        const buttons = document.querySelectorAll('[data-testid="board.soundOn"]').length;
        return { gate, offered: buttons === 1, agree: gate === 'blocked' ? buttons === 1 : buttons === 0 };
      }),
    )
    .toMatchObject({ agree: true });
  await enableSound(page);
  await expect(page.getByTestId('board.voice')).toHaveAttribute('data-clips', '43');
  expect(await spokenPhrases(page)).toEqual([]); // the calls on the first board are history

  // Two counters call 100 ms apart: both said, in order, the second after the first.
  expect(await act(3, 'call', { groups: ['A'] })).toBe('A0005');
  await page.waitForTimeout(100);
  expect(await act(12, 'call', { groups: ['B'] })).toBe('B0001');
  expect(await waitForSpoken(page, 2, POKED_MS)).toEqual([said('A0005', 3), said('B0001', 12)]);
  await expect(page.getByTestId('board.current').first()).toHaveAttribute('data-number', 'B0001');
  await expect(page.getByTestId('board.current').first()).toHaveAttribute('data-newest', 'true');
  // While the new call flashes (3 s), both its number and its counter stay readable.
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENS_DIR, 'board-new-call-flash.png') });
  expect((await lastCalls(page)).slice(0, 2)).toEqual([
    { number: 'B0001', counter: 12 },
    { number: 'A0005', counter: 3 },
  ]);
  expect(await waitingCounts(page)).toMatchObject({ A: { count: 3 }, B: { count: 0 } });

  // A recall is said again.
  await act(3, 'recall', { ticket: 'A0005' });
  expect(await waitForSpoken(page, 3, POKED_MS)).toEqual([said('A0005', 3), said('B0001', 12), said('A0005', 3)]);
  await waitForQuiet(page);
  expect((await lastCalls(page))[0]).toEqual({ number: 'A0005', counter: 3 });

  // A reload says nothing again.
  await page.reload();
  await expect(page.getByTestId('board.screen')).not.toHaveAttribute('data-version', '');
  await enableSound(page);
  await page.waitForTimeout(1500);
  expect(await spokenPhrases(page)).toEqual([]);

  // The server goes away: the last board stays, with the time it was updated.
  const before = await serverBoard(centre);
  await centre.stop();
  await expect(page.getByTestId('board.offline')).toContainText('Mất kết nối – cập nhật lúc', { timeout: 20_000 });
  await expect(page.getByTestId('board.screen')).toHaveAttribute('data-reachable', 'false');
  expect(await currentCalls(page)).toEqual(before.current.map((c) => ({ number: c.number, counter: c.counter })));
  const shown = await lastCalls(page); // as many as the layout lists
  expect(shown.length).toBeGreaterThanOrEqual(4);
  expect(shown).toEqual(before.lastCalls.slice(0, shown.length).map((c) => ({ number: c.number, counter: c.counter })));
  // And comes back: a call made the moment it is up, before the board found it again, is shown and said.
  await centre.start();
  expect(await act(5, 'call', { groups: ['C'] })).toBe('C0001');
  expect(await waitForSpoken(page, 1, 30_000)).toEqual([said('C0001', 5)]);
  await expect(page.getByTestId('board.current').first()).toHaveAttribute('data-number', 'C0001');
  await expect(page.getByTestId('board.offline')).toHaveCount(0);
  await expect(page.getByTestId('board.screen')).toHaveAttribute('data-live', 'true', { timeout: 30_000 });
  // Live again: the next call arrives by a poke.
  expect(await act(1, 'call', { groups: ['A'] })).toBe('A0006');
  expect(await waitForSpoken(page, 2, POKED_MS)).toEqual([said('C0001', 5), said('A0006', 1)]);

  // Every call of the day finished: the board says no one is being called now, not "no calls today".
  for (const c of (await serverBoard(centre)).current) {
    await act(c.counter, 'serve', { ticket: c.number });
    await act(c.counter, 'finish', { ticket: c.number });
  }
  await expect(page.getByTestId('board.noCalls')).toContainText('Hiện chưa gọi khách nào, xin chờ', { timeout: POKED_MS });
  await expect(page.getByTestId('board.noCalls')).not.toContainText('Chưa có lượt gọi nào hôm nay');
  expect((await lastCalls(page)).length).toBeGreaterThanOrEqual(4);
  await page.screenshot({ path: join(SCREENS_DIR, 'board-all-finished.png'), animations: 'disabled' });
});

test('an address without server or branch says what to add', async ({ page }) => {
  await page.goto(boardUrl('', '').replace('server=&branch=', ''));
  await expect(page.getByTestId('board.params')).toHaveAttribute('data-missing', 'server branch');
  await expect(page.getByTestId('board.params')).toContainText('Thiếu địa chỉ máy chủ (server)');
  await expect(page.getByTestId('board.params.example')).toContainText('role=display&server=http://192.168.1.10:8787&branch=CN01');
  await page.goto(boardUrl(centre.url, 'cn 01'));
  await expect(page.getByTestId('board.params')).toHaveAttribute('data-invalid', 'branch');
});

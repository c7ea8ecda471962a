import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import type { QueueBoard } from '../../src/shared/queue';
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
import { expect, test } from './fixtures';

/**
 * The display board in Chromium against the queue contract answered by Playwright's router (the
 * real queue owner has its own end-to-end spec): what it shows, what it says and in which order,
 * the real clips decoded by Chromium, a reload without replay, and a lost server.
 */
const SERVER = 'http://127.0.0.1:9'; // allowed by the page's CSP; every request to it is routed below

test.use({ viewport: { width: 1920, height: 1080 } });

class FakeQueueOwner {
  up = true;
  board: QueueBoard = {
    branchCode: 'CN01',
    day: '2026-11-24',
    version: 1,
    current: [{ number: 'A014', counter: 1, calledAt: Date.now() - 60_000, calls: 1 }],
    lastCalls: [{ id: randomUUID(), number: 'A014', counter: 1, at: Date.now() - 60_000, recall: false }],
    waiting: [
      { group: 'A', name: { vi: 'Hộ tịch, chứng thực', en: 'Civil status and certification' }, waiting: 12, estimate: { low: 10, high: 20 } },
      { group: 'B', name: { vi: 'Đất đai, nhà ở, xây dựng', en: 'Land, housing and construction' }, waiting: 0, estimate: null },
    ],
  };

  async serve(page: Page): Promise<void> {
    await page
      .context()
      .route(`${SERVER}/v1/queue/board?*`, (route) =>
        this.up ? route.fulfill({ json: this.board, headers: { 'access-control-allow-origin': '*' } }) : route.abort('connectionrefused'),
      );
    // One poke per connection: the stream then ends and the board reconnects (with its backoff).
    await page.context().route(`${SERVER}/v1/queue/events?*`, (route) =>
      this.up
        ? route.fulfill({
            status: 200,
            headers: { 'content-type': 'text/event-stream', 'access-control-allow-origin': '*' },
            body: `: heartbeat\n\nevent: queue\ndata: {"version":${this.board.version}}\n\n`,
          })
        : route.abort('connectionrefused'),
    );
  }

  call(number: string, counter: number, recall = false): void {
    const at = Date.now();
    this.board = {
      ...this.board,
      version: this.board.version + 1,
      current: [{ number, counter, calledAt: at, calls: 1 }, ...this.board.current.filter((c) => c.number !== number)],
      lastCalls: [{ id: randomUUID(), number, counter, at, recall }, ...this.board.lastCalls].slice(0, 10),
    };
  }
}

const said = (number: string, counter: number): string => utteranceFor({ number, counter }).text;

test('the board shows the queue, says new calls in order without cutting one off, and keeps the last board when the server is lost', async ({ context }) => {
  const owner = new FakeQueueOwner();
  const probe = await context.newPage();
  await owner.serve(probe);
  await probe.close();

  const page = await openBoard(context, SERVER, 'CN01');
  await expect(page.getByTestId('board.branch')).toContainText('Chi nhánh số 1');
  expect(await currentCalls(page)).toEqual([{ number: 'A014', counter: 1 }]);
  expect(await waitingCounts(page)).toEqual({ A: { count: 12, estimate: '10-20' }, B: { count: 0, estimate: null } });
  await expect(page.getByTestId('board.waiting').first()).toContainText('khoảng 10–20 phút');

  // Sound: blocked until a click; then every committed clip decodes in Chromium.
  await expect(page.getByTestId('board.voice')).toHaveAttribute('data-gate', 'blocked');
  await enableSound(page);
  await expect(page.getByTestId('board.voice')).toHaveAttribute('data-clips', '43');
  expect(await spokenPhrases(page)).toEqual([]); // the call on the first board is history

  // Two calls 100 ms apart: both said, in order, the second after the first.
  owner.call('A015', 3);
  await page.waitForTimeout(100);
  owner.call('B007', 12);
  expect(await waitForSpoken(page, 2)).toEqual([said('A015', 3), said('B007', 12)]);
  await expect(page.getByTestId('board.current').first()).toHaveAttribute('data-number', 'B007');
  await expect(page.getByTestId('board.current').first()).toHaveAttribute('data-newest', 'true');
  expect((await lastCalls(page)).slice(0, 2)).toEqual([
    { number: 'B007', counter: 12 },
    { number: 'A015', counter: 3 },
  ]);

  // A recall is said again.
  owner.call('A015', 3, true);
  expect(await waitForSpoken(page, 3)).toEqual([said('A015', 3), said('B007', 12), said('A015', 3)]);
  await waitForQuiet(page);

  // A reload says nothing again.
  await page.reload();
  await expect(page.getByTestId('board.screen')).not.toHaveAttribute('data-version', '');
  await enableSound(page);
  await page.waitForTimeout(1500);
  expect(await spokenPhrases(page)).toEqual([]);

  // The server goes away: the last board stays, with the time it was updated.
  owner.up = false;
  await expect(page.getByTestId('board.offline')).toContainText('Mất kết nối – cập nhật lúc', { timeout: 20_000 });
  expect((await currentCalls(page))[0]).toEqual({ number: 'A015', counter: 3 });
  // And comes back: a call made meanwhile is shown and said.
  owner.call('C021', 5);
  owner.up = true;
  expect(await waitForSpoken(page, 1, 30_000)).toEqual([said('C021', 5)]);
  await expect(page.getByTestId('board.offline')).toHaveCount(0);
});

test('an address without server or branch says what to add', async ({ page }) => {
  await page.goto(boardUrl('', '').replace('server=&branch=', ''));
  await expect(page.getByTestId('board.params')).toHaveAttribute('data-missing', 'server branch');
  await expect(page.getByTestId('board.params')).toContainText('Thiếu địa chỉ máy chủ (server)');
  await expect(page.getByTestId('board.params.example')).toContainText('role=display&server=http://192.168.1.10:8787&branch=CN01');
  await page.goto(boardUrl(SERVER, 'cn 01'));
  await expect(page.getByTestId('board.params')).toHaveAttribute('data-invalid', 'branch');
});

import { join } from 'node:path';
import { chooseProcedure, listRow, saveDossier, typeApplicant } from './counterFlows';
import { currentCalls, enableSound, lastCalls, openBoard, utteranceFor, waitForSpoken, waitingCounts as boardWaiting } from './boardFlows';
import { expect, test } from './fixtures';
import { SCREENS_DIR } from './helpers';
import { enrolKiosk, newMachine, openCounter, takeTicket } from './kioskFlows';
import { callNext, callNumber, currentTicket, finish, receiveForTicket, serve } from './queueFlows';

/**
 * A branch served as one, without a hub: the centre is the queue owner for its branch (issue 12).
 * Two citizen kiosks, two counters and a display board, each its own browser profile, all against a
 * real centre on another origin — nothing stubbed between page and server. Tickets from both kiosks
 * reach the board; the counters call them in the published order (a priority ticket first, then by
 * arrival), the board shows and says each call in order; a counter serves its citizen and receives
 * a dossier linked to the ticket; every queue action reaches the centre's log once, also through
 * the counter's own sync.
 */

test('two kiosks, two counters and a board on one centre: order, board and voice, a dossier linked to its ticket, each action once at the centre', async ({
  browser,
  centre,
}) => {
  test.setTimeout(300_000);
  const kioskA = await newMachine(browser);
  const kioskB = await newMachine(browser);
  await enrolKiosk(kioskA, centre, 0);
  await enrolKiosk(kioskB, centre, 1);

  // Tickets from both kiosks, in this order of arrival: two normal A, one priority A, one B.
  const a1 = await takeTicket(kioskA, 'A');
  const a2 = await takeTicket(kioskA, 'A');
  const priority = await takeTicket(kioskB, 'A', true);
  const b1 = await takeTicket(kioskB, 'B');
  expect([a1, a2, priority, b1]).toEqual(['A0001', 'A0002', 'A1001', 'B1001']);
  // The kiosks sync as they save: the centre holds all four, whichever kiosk printed them.
  await expect.poll(async () => (await centre.tickets()).map((t) => t.number), { timeout: 30_000 }).toEqual(['A0001', 'A0002', 'A1001', 'B1001']);

  const boardContext = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const board = await openBoard(boardContext, centre.url, 'CN01');
  await enableSound(board);
  await expect.poll(async () => boardWaiting(board)).toMatchObject({ A: { count: 3 }, B: { count: 1 } });

  const counter1 = await newMachine(browser);
  const counter2 = await newMachine(browser);
  const counter1Id = await openCounter(counter1, centre, 2, 1, ['A']);
  await openCounter(counter2, centre, 3, 2, ['A', 'B']);

  // Priority first at the start of the day, then arrival: counter 1 gets A1001, counter 2 A0001.
  expect(await callNext(counter1)).toMatchObject({ number: priority, state: 'called' });
  expect(await callNext(counter2)).toMatchObject({ number: a1, state: 'called' });
  await expect
    .poll(async () => currentCalls(board))
    .toEqual([
      { number: a1, counter: 2 },
      { number: priority, counter: 1 },
    ]);
  // Spoken in the order called, each as the board says it.
  const spoken = await waitForSpoken(board, 2);
  expect(spoken.slice(0, 2)).toEqual([utteranceFor({ number: priority, counter: 1 }).text, utteranceFor({ number: a1, counter: 2 }).text]);
  await expect.poll(async () => boardWaiting(board)).toMatchObject({ A: { count: 1 }, B: { count: 1 } });
  await board.screenshot({ path: join(SCREENS_DIR, 'queue-board.png') });
  await counter1.screenshot({ path: join(SCREENS_DIR, 'queue-counter-called.png') });

  // Counter 1 serves its citizen and receives a dossier for that ticket.
  expect(await serve(counter1)).toMatchObject({ number: priority, state: 'serving' });
  expect(await receiveForTicket(counter1)).toBe(priority);
  await typeApplicant(counter1);
  await chooseProcedure(counter1, '1.003583');
  const { code } = await saveDossier(counter1);
  await counter1.getByTestId('desk.newDossier').click();
  expect(await finish(counter1)).toMatchObject({ number: '' });

  // Counter 2 finishes A0001 and calls again: the next by arrival among A and B is A0002.
  await serve(counter2);
  await finish(counter2);
  expect(await callNext(counter2)).toMatchObject({ number: a2 });
  // A ticket typed by its number (the path that also works without the queue owner): B1001.
  await serve(counter2);
  await finish(counter2);
  expect(await callNumber(counter2, 'B1001')).toMatchObject({ number: b1, state: 'called' });
  await expect.poll(async () => (await lastCalls(board)).map((c) => `${c.number}→${c.counter}`)).toEqual([`${b1}→2`, `${a2}→2`, `${a1}→2`, `${priority}→1`]);
  expect((await waitForSpoken(board, 4)).slice(0, 4)).toEqual(
    [
      { number: priority, counter: 1 },
      { number: a1, counter: 2 },
      { number: a2, counter: 2 },
      { number: b1, counter: 2 },
    ].map((c) => utteranceFor(c).text),
  );
  await expect.poll(async () => currentTicket(counter2)).toMatchObject({ number: b1 });

  // The centre's queue log: each ticket's life, the dossier listed on the priority ticket's finish.
  const log = await centre.db.query<{ kind: string; ticket_number: string | null; counter: number; args: { dossierCodes: string[] } }>(
    "SELECT kind, ticket_number, counter, args FROM queue_actions WHERE branch_code = 'CN01' ORDER BY version",
  );
  expect(log.map((r) => `${r.kind} ${r.ticket_number} @${r.counter}`)).toEqual([
    `call ${priority} @1`,
    `call ${a1} @2`,
    `serve ${priority} @1`,
    `finish ${priority} @1`,
    `serve ${a1} @2`,
    `finish ${a1} @2`,
    `call ${a2} @2`,
    `serve ${a2} @2`,
    `finish ${a2} @2`,
    `call ${b1} @2`,
  ]);
  expect(log.find((r) => r.kind === 'finish' && r.ticket_number === priority)?.args.dossierCodes).toEqual([code]);
  const states = await centre.db.query<{ number: string; state: string }>("SELECT number, state FROM queue_tickets WHERE branch_code = 'CN01' ORDER BY number");
  expect(Object.fromEntries(states.map((s) => [s.number, s.state]))).toEqual({ [a1]: 'served', [a2]: 'served', [priority]: 'served', [b1]: 'called' });

  // The counter's own records of its actions reach the centre through its sync, each once, applied.
  await expect
    .poll(async () => (await centre.mutations(counter1Id)).filter((m) => m.name === 'queue.action@1').map((m) => `${m.status}×${m.copies}`), {
      timeout: 30_000,
    })
    .toEqual(['applied×1', 'applied×1', 'applied×1']);
  expect(await centre.db.query("SELECT 1 FROM queue_actions WHERE device_id = $1 AND via = 'push'", [counter1Id])).toEqual([]);

  // The dossier remembers its ticket on the counter (its details screen says so).
  await counter1.keyboard.press('F3');
  await listRow(counter1, code).getByTestId('list.open').click();
  await expect(counter1.getByTestId('details.screen')).toHaveAttribute('data-code', code);
  await expect(counter1.getByTestId('details.ticket')).toHaveText(priority);
});

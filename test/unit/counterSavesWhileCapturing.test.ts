// @vitest-environment jsdom
import 'fake-indexeddb/auto';
import { Blob as NodeBlob } from 'node:buffer';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { initReactI18next } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { jpegPage } from '../support/capturedPages';
import { CCCD_SAMPLE_PAYLOAD } from '../support/qrFrames';
import { FIVE_DAY_PROCEDURE, fixtureCalendars, fixtureFonts, freshDb, nodeRandom, seededBranch } from './fixtures';
import type { DocumentScanner } from '../../src/app/capture';
import { initI18n } from '../../src/app/i18n';
import { startKioskApp, type KioskApp } from '../../src/app/KioskApp';
import { createFakePlatform } from '../../src/platform/fakePlatform';
import type { CapturedPage } from '../../src/scan/pages';
import { fixedClock } from '../../src/shared/clock';
import type { Result } from '../../src/shared/result';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { KioskContext } from '../../src/ui/KioskContext';
import { NewDossier } from '../../src/ui/counter/NewDossier';

/**
 * The counter's form in a DOM (jsdom): a page still on its way (the scanner, then compression) when
 * the officer saves must not be left out of the dossier while the receipt says it is saved (found
 * in review, 2026-12-07: the dossier was saved with the pages already on the strip).
 */
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
// jsdom's Blob has no arrayBuffer(): the pages and their PDFs are Node's, as they are Chromium's in the kiosk.
globalThis.Blob = NodeBlob as unknown as typeof Blob;
Element.prototype.scrollIntoView = () => undefined;

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
async function until<T>(f: () => T | null | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = f();
    if (v) return v;
    await act(() => tick());
  }
  throw new Error(`timed out waiting for ${what}`);
}
const q = <E extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<E>(selector);

/** The counter's form with page 1 of its one paper scanned and page 2 on its way (the scanner holds it until `landPage2`). */
async function formWithPage2OnItsWay() {
  await initI18n('vi', [initReactI18next]);
  const platform = createFakePlatform();
  const started = await startKioskApp({
    platform,
    db: freshDb(),
    reference: new ReferenceDb('ref', { indexedDB: new IDBFactory(), IDBKeyRange }),
    clock: fixedClock(Date.UTC(2026, 1, 12, 3, 0)),
    random: nodeRandom,
    loadFonts: async () => fixtureFonts(),
    seedBranch: seededBranch(),
    roleOverride: 'counter',
    loadSeedCatalog: async () => [FIVE_DAY_PROCEDURE],
    seedCalendars: fixtureCalendars(),
    sync: { isOnline: () => false },
  });
  // Page 1 comes back at once; page 2 stays on its way until the test lets it go.
  let landPage2: ((r: Result<readonly CapturedPage[]>) => void) | null = null;
  let scans = 0;
  const scanner: DocumentScanner = {
    supported: true,
    available: async () => true,
    scanPage: () => {
      scans += 1;
      if (scans === 1) return Promise.resolve({ ok: true, value: [jpegPage('page-1', 1654, 2339, 200, 'one')] });
      return new Promise((resolve) => (landPage2 = resolve));
    },
  };
  const app = { ...started, documentScanner: scanner } as KioskApp;

  const host = document.createElement('div');
  document.body.append(host);
  const root = createRoot(host);
  await act(async () => {
    root.render(
      createElement(
        KioskContext.Provider,
        { value: app },
        createElement(NewDossier, { desk: app.dossiers, cardScan: { text: CCCD_SAMPLE_PAYLOAD, source: 'camera', seq: 1 }, onReset: () => undefined }),
      ),
    );
  });
  const search = await until(() => q<HTMLInputElement>('[data-testid="desk.procedureSearch"]'), 'the procedure search');
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(search, 'thu nghiem');
    search.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const option = await until(() => q('[data-testid="desk.procedureOption"]'), 'the procedure');
  await act(async () => option.click());
  const scan = () => q<HTMLButtonElement>('[data-document-id="d1"] [data-testid="desk.scanPage"]');
  await act(async () => (await until(() => (scan()?.disabled === false ? scan() : null), 'the scan button')).click());
  await until(() => q('[data-document-id="d1"][data-pages="1"]'), 'page 1');
  await act(async () => (await until(() => (scan()?.disabled === false ? scan() : null), 'the scanner free again')).click());
  expect(landPage2).not.toBeNull();

  return { platform, app, root, landPage2: landPage2! };
}

const ctrlEnter = () => window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));

describe('the counter form while a page is on its way', () => {
  it('does not save until the page has landed, says why in Vietnamese, and then saves every page', async () => {
    const { platform, app, root, landPage2 } = await formWithPage2OnItsWay();
    // Page 2 on its way: the save button waits, and Ctrl+Enter is refused with the reason.
    const save = q<HTMLButtonElement>('[data-testid="desk.submit"]')!;
    expect(save.disabled).toBe(true);
    expect(save.dataset.capturing).toBe('true');
    expect(save.textContent).toBe('Đang xử lý trang quét…');
    await act(async () => {
      ctrlEnter();
      await tick(100);
    });
    expect(q('[data-testid="desk.submitError"]')?.dataset.code).toBe('dossier.pages-pending');
    expect(q('[data-testid="desk.submitError"]')?.textContent).toContain('Chờ trang hiện trên màn hình rồi bấm lưu lại');
    expect(q('[data-testid="desk.done"]')).toBeNull();
    expect(platform.printed).toHaveLength(0);

    // Page 2 lands: saved with both pages, one receipt.
    await act(async () => {
      landPage2({ ok: true, value: [jpegPage('page-2', 1654, 2339, 200, 'two')] });
      await tick(50);
    });
    await until(() => q('[data-document-id="d1"][data-pages="2"]'), 'page 2');
    expect(save.disabled).toBe(false);
    await act(async () => save.click());
    const done = await until(() => q('[data-testid="desk.done"]'), 'the saved dossier');
    await until(() => platform.printed.length > 0 || null, 'the receipt');
    const saved = await app.dossiers.get(done.dataset.code!);
    expect(saved?.args.documents.map((d) => d.pages)).toEqual([2]);
    expect(platform.printed).toHaveLength(1);
    await act(async () => root.unmount());
  });

  it('Ctrl+Enter right as the page lands saves it with the dossier, or waits; never the dossier without it', async () => {
    const { app, root, landPage2 } = await formWithPage2OnItsWay();
    // The capture ends, and Ctrl+Enter comes before React drew the page: the form still held one
    // page while no capture was under way any more (found in review of the fix, 2026-12-07).
    landPage2({ ok: true, value: [jpegPage('page-2', 1654, 2339, 200, 'two')] });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    ctrlEnter();
    await act(async () => tick(50));
    const done = q('[data-testid="desk.done"]');
    const outcome = done
      ? (await app.dossiers.get(done.dataset.code!))?.args.documents.map((d) => d.pages)
      : q('[data-testid="desk.submitError"]')?.dataset.code;
    expect([[2], 'dossier.pages-pending']).toContainEqual(outcome);
    await act(async () => root.unmount());
  });
});

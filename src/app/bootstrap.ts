import calendar2025 from '../../assets/calendar/2025.json';
import calendar2026 from '../../assets/calendar/2026.json';
import calendar2027 from '../../assets/calendar/2027.json';
import seedBranch from '../../assets/config/branch.json';
import seedSynonyms from '../../assets/search/synonyms.vi.json';
import boldFontUrl from '../../assets/fonts/BeVietnamPro-Bold.ttf?url';
import regularFontUrl from '../../assets/fonts/BeVietnamPro-Regular.ttf?url';
import seedCatalogUrl from '../../assets/catalog/procedures.vi.json?url';
import { createBrowserPlatform } from '../platform/browserPlatform';
import { createVoice } from '../platform/voice/chooseVoice';
import { createElectronPlatform, getElectronBridge } from '../platform/electronPlatform';
import type { Platform } from '../platform/Platform';
import { systemClock } from '../shared/clock';
import { DeviceRole } from '../shared/deviceConfig';
import { KioskDb } from '../storage/KioskDb';
import { startKioskApp, type KioskApp } from './KioskApp';
import { createInlineTicketRenderer, createWorkerTicketRenderer } from './ticketRenderer';

/** Wires the real adapters for the renderer: Electron when the preload bridge is there, else the browser. */
export function createPlatform(): Platform {
  const bridge = getElectronBridge();
  if (bridge) return createElectronPlatform(bridge);
  return createBrowserPlatform({ document, storage: localStorage, appVersion: __APP_VERSION__, userAgent: navigator.userAgent });
}

/** The voice clips "Đọc to" may play: the screen guides, and the board's letters and digits for a ticket number. */
const voiceClipModules = import.meta.glob<string>(['../../assets/voice/vi/*.opus', '../../assets/voice/vi-screens/*.opus'], {
  query: '?url',
  import: 'default',
  eager: true,
});

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export async function bootstrapKiosk(): Promise<KioskApp> {
  const platform = createPlatform();
  const roleParam = platform.kind === 'browser' ? new URLSearchParams(location.search).get('role') : null;
  const roleOverride = DeviceRole.safeParse(roleParam);
  // Tickets render on the main thread: on a 2-core machine a worker was never faster (npm run bench:
  // worker p95 between 0.97× and 1.4× the main thread's). ?pdf=worker selects it for comparison.
  const workerPdf = platform.kind === 'browser' && new URLSearchParams(location.search).get('pdf') === 'worker';
  return startKioskApp({
    platform,
    db: new KioskDb(),
    clock: systemClock,
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    loadFonts: async () => {
      const [regular, bold] = await Promise.all([fetchBytes(regularFontUrl), fetchBytes(boldFontUrl)]);
      return { regular, bold };
    },
    createRenderer: workerPdf ? createWorkerTicketRenderer : createInlineTicketRenderer,
    makeVoice: () =>
      createVoice({
        clipUrls: Object.fromEntries(Object.entries(voiceClipModules).map(([path, url]) => [path.replace(/^.*\/|\.opus$/g, ''), url])),
        createContext: () => new AudioContext({ latencyHint: 'playback' }),
        fetch: (input, init) => fetch(input, init),
        synth: 'speechSynthesis' in window ? window.speechSynthesis : undefined,
        makeUtterance: (text) => new SpeechSynthesisUtterance(text),
        // ?voice=clips: the shipped clips even where the OS has a Vietnamese voice (diagnostics, tests).
        force: platform.kind === 'browser' && new URLSearchParams(location.search).get('voice') === 'clips' ? 'clips' : null,
      }),
    seedBranch,
    // The seed catalog (≈ 1 MB) is its own file, fetched (and precached) when a desk opens. fetch, not
    // import(): a failed import() is remembered by the document and never retried.
    loadSeedCatalog: async () => JSON.parse(new TextDecoder().decode(await fetchBytes(seedCatalogUrl))) as unknown,
    seedCalendars: [calendar2025, calendar2026, calendar2027],
    seedSynonyms,
    storageManager: navigator.storage,
    roleOverride: roleOverride.success ? roleOverride.data : null,
  });
}

import seedBranch from '../../assets/config/branch.json';
import { createVoice } from '../platform/voice/chooseVoice';
import { systemClock } from '../shared/clock';
import { ActivityTracker } from './ActivityTracker';
import { readBoardParams, startBoardApp, type BoardApp, type BoardParams } from './boardApp';
import { storageMemory } from './callAnnouncer';

/**
 * The real adapters of the display board: fetch and EventSource to the queue owner, the voice
 * (the OS's Vietnamese voice, else the shipped clips), localStorage for the announced ids. No
 * IndexedDB, no device configuration, no enrolment.
 */
const clipModules = import.meta.glob<string>('../../assets/voice/vi/*.opus', { query: '?url', import: 'default', eager: true });

/** Clip id (file name without extension) → the build's URL for it. */
export function voiceClipUrls(): Record<string, string> {
  return Object.fromEntries(Object.entries(clipModules).map(([path, url]) => [path.replace(/^.*\/|\.opus$/g, ''), url]));
}

export type BoardStart =
  | { readonly kind: 'board'; readonly app: BoardApp; readonly activity: ActivityTracker }
  | { readonly kind: 'params'; readonly params: BoardParams & { ok: false } };

export async function bootstrapBoard(search: string): Promise<BoardStart> {
  const params = readBoardParams(search);
  if (!params.ok) return { kind: 'params', params };
  const activity = new ActivityTracker(systemClock);
  const voice = await createVoice({
    clipUrls: voiceClipUrls(),
    createContext: () => new AudioContext({ latencyHint: 'playback' }),
    fetch: (input, init) => fetch(input, init),
    synth: 'speechSynthesis' in window ? window.speechSynthesis : undefined,
    makeUtterance: (text) => new SpeechSynthesisUtterance(text),
    force: params.voice,
  });
  // A new app version is applied only when the board is quiet (not in the middle of a call).
  const speaking = { end: null as (() => void) | null };
  const app = startBoardApp({
    serverUrl: params.serverUrl,
    branch: params.branch,
    seedBranch,
    clock: systemClock,
    voice: {
      ...voice,
      engine: voice.engine,
      voiceName: voice.voiceName,
      async say(u) {
        speaking.end = activity.begin();
        try {
          return await voice.say(u);
        } finally {
          speaking.end();
          speaking.end = null;
        }
      },
    },
    memory: storageMemory(localStorage, params.branch),
    fetch: (input, init) => fetch(input, init),
    openEvents: (url) => new EventSource(url),
  });
  return { kind: 'board', app, activity };
}

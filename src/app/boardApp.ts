import type { AudioGate, VoiceEngine, VoicePort } from '../platform/voice/VoicePort';

export type { AudioGate, VoiceEngine };
import type { Clock } from '../shared/clock';
import { BranchCode } from '../shared/wireTypes';
import { createCallAnnouncer, type AnnouncedMemory, type CallAnnouncer } from './callAnnouncer';
import { createBoardFeed, type BoardFeed, type EventStream } from './boardFeed';

/**
 * The display board (`?role=display&server=…&branch=…`): a screen for the branch's TV that needs no
 * enrolment and keeps nothing of its own but the ids of the calls it announced. It reads the
 * public board of the queue owner (the hub, or the centre), shows it and speaks each new call.
 */
export type BoardParams =
  | { readonly ok: true; readonly serverUrl: string; readonly branch: string; readonly voice: 'speech' | 'clips' | null }
  | { readonly ok: false; readonly missing: readonly ('server' | 'branch')[]; readonly invalid: readonly ('server' | 'branch')[] };

/** Reads `server`, `branch` (and `voice=clips|speech` to force an engine) from the page's query. */
export function readBoardParams(search: string): BoardParams {
  const q = new URLSearchParams(search);
  const server = q.get('server')?.trim() ?? '';
  const branch = q.get('branch')?.trim().toUpperCase() ?? '';
  const missing: ('server' | 'branch')[] = [];
  const invalid: ('server' | 'branch')[] = [];
  if (server === '') missing.push('server');
  else if (!isHttpUrl(server)) invalid.push('server');
  if (branch === '') missing.push('branch');
  else if (!BranchCode.safeParse(branch).success) invalid.push('branch');
  if (missing.length > 0 || invalid.length > 0) return { ok: false, missing, invalid };
  const voice = q.get('voice');
  return { ok: true, serverUrl: server.replace(/\/+$/, ''), branch, voice: voice === 'clips' || voice === 'speech' ? voice : null };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function isDisplayRole(search: string): boolean {
  return new URLSearchParams(search).get('role') === 'display';
}

export interface BoardApp {
  readonly serverUrl: string;
  readonly branch: string;
  /** The branch's name when this build's seed configuration knows the code; null otherwise (the board shows the code). */
  readonly branchName: { readonly vi: string; readonly en: string } | null;
  readonly utcOffsetMinutes: number;
  now(): number;
  readonly feed: BoardFeed;
  readonly announcer: CallAnnouncer;
  readonly voice: {
    readonly engine: VoiceEngine;
    readonly voiceName: string | null;
    gate(): AudioGate;
    onGateChange(listener: (gate: AudioGate) => void): () => void;
    /** From the "Bật âm thanh" click. */
    unlock(): Promise<AudioGate>;
    /** Clips decoded ahead of the first call (the board shows the count as `data-clips`). */
    prepare(): Promise<{ readonly ready: number; readonly failed: readonly string[] }>;
  };
  stop(): void;
}

export interface BoardAppDeps {
  readonly serverUrl: string;
  readonly branch: string;
  readonly seedBranch: { readonly branchCode: string; readonly name: { readonly vi: string; readonly en: string }; readonly utcOffsetMinutes: number };
  readonly clock: Clock;
  readonly voice: VoicePort;
  readonly memory: AnnouncedMemory;
  readonly fetch: typeof fetch;
  readonly openEvents: (url: string) => EventStream;
}

export function startBoardApp(deps: BoardAppDeps): BoardApp {
  const feed = createBoardFeed({ serverUrl: deps.serverUrl, branch: deps.branch, fetch: deps.fetch, openEvents: deps.openEvents, clock: deps.clock });
  const announcer = createCallAnnouncer({ voice: deps.voice, clock: deps.clock, memory: deps.memory });
  let lastOffered: unknown = null;
  const off = feed.onChange((s) => {
    if (s.board && s.board.lastCalls !== lastOffered) {
      lastOffered = s.board.lastCalls;
      announcer.offer(s.board.lastCalls);
    }
  });
  feed.start();
  const known = deps.seedBranch.branchCode === deps.branch;
  return {
    serverUrl: deps.serverUrl,
    branch: deps.branch,
    branchName: known ? deps.seedBranch.name : null,
    // Vietnam keeps one offset all year; a branch the seed does not know is still in Hà Nội.
    utcOffsetMinutes: known ? deps.seedBranch.utcOffsetMinutes : 420,
    now: () => deps.clock.now(),
    feed,
    announcer,
    voice: {
      engine: deps.voice.engine,
      voiceName: deps.voice.voiceName,
      gate: () => deps.voice.gate(),
      onGateChange: (l) => deps.voice.onGateChange(l),
      unlock: () => deps.voice.unlock(),
      prepare: () => deps.voice.prepare(),
    },
    stop() {
      off();
      feed.stop();
      announcer.stop();
    },
  };
}

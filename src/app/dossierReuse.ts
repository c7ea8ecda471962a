import { distinctDocuments, reuseWindowStart } from '../domain/documentReuse';
import type { Clock } from '../shared/clock';
import { normalizeIdNumber } from '../shared/idNumber';
import type { ReuseIndexEntry } from '../shared/reuseIndex';
import { describeUnknown, err, ok, type Result } from '../shared/result';
import { sha256OfBlob } from '../storage/blobRepository';
import { documentsOf } from '../storage/dossierRepository';
import type { KioskDb } from '../storage/KioskDb';
import { TransportError } from '../sync/Transport';
import type { ReuseCandidate, ReuseReach } from './dossierTypes';
import type { ReuseCentre } from './syncService';

/**
 * Which earlier papers of a citizen the counter may reuse: those given at this machine (its local
 * index, always) and those the centre lists for the citizen (given at any counter of any branch),
 * when the centre can be asked. The officer is never kept waiting on the centre: an answer that does
 * not come within `centreWaitMs`, or a kiosk offline or not enrolled, leaves the local papers, and
 * `watchReach` says so for the screen.
 *
 * Guarantees:
 * - A paper is listed once (by hash): this machine's copy first (no download needed), then the
 *   centre's, newest first; both within the branch's reuse window.
 * - A centre paper's PDF is downloaded only when the officer reuses it (`fetch`), and is accepted
 *   only when its SHA-256 is the one the index listed.
 * - `reusable(idNumber)` is what submit checks a reused paper against: this machine's papers of the
 *   citizen and the papers the centre listed for that same citizen during this session (kept in
 *   memory only, never written to disk).
 */
export interface DossierReuseDeps {
  readonly db: KioskDb;
  readonly clock: Clock;
  readonly reuseValidityDays: number;
  /** The centre's reuse routes now, or why they cannot be asked; absent = local papers only. */
  readonly centre?: () => ReuseCentre | 'not-enrolled' | 'offline';
  /** How long to wait for the centre's index before offering the local papers alone. */
  readonly centreWaitMs?: number;
}

export interface DossierReuse {
  candidates(idNumber: string): Promise<readonly ReuseCandidate[]>;
  fetch(candidate: ReuseCandidate): Promise<Result<ReuseCandidate>>;
  reusable(idNumber: string): Promise<ReadonlySet<string>>;
  watchReach(onChange: (reach: ReuseReach) => void): () => void;
}

export const DEFAULT_CENTRE_WAIT_MS = 5_000;
/** Citizens whose centre index is kept in memory (the few served at this counter lately). */
const REMEMBERED_CITIZENS = 20;

export function createDossierReuse(deps: DossierReuseDeps): DossierReuse {
  const { db, clock } = deps;
  /** Normalised ID number → the centre's entries for that citizen (this session only). */
  const fromCentre = new Map<string, readonly ReuseIndexEntry[]>();
  const listeners = new Set<(reach: ReuseReach) => void>();
  let reach: ReuseReach = { state: 'idle' };
  let asked = 0;

  const setReach = (next: ReuseReach): void => {
    reach = next;
    for (const l of listeners) l(next);
  };
  const since = (): number => reuseWindowStart(clock.now(), deps.reuseValidityDays);

  async function local(id: string): Promise<ReuseCandidate[]> {
    return distinctDocuments(await documentsOf(db, id, since())).map((r) => ({
      sha256: r.sha256,
      size: r.size,
      pages: r.pages,
      name: r.name,
      documentId: r.documentId,
      dossierCode: r.dossierCode,
      procedureName: r.procedureName,
      receivedAt: r.receivedAt,
      source: 'machine',
    }));
  }

  function remember(id: string, entries: readonly ReuseIndexEntry[]): void {
    fromCentre.delete(id);
    fromCentre.set(id, entries);
    if (fromCentre.size > REMEMBERED_CITIZENS) fromCentre.delete(fromCentre.keys().next().value as string);
  }

  /** The centre's entries for this citizen, or why there are none. */
  async function askCentre(id: string): Promise<readonly ReuseIndexEntry[] | 'not-enrolled' | 'offline' | 'failed'> {
    const centre = deps.centre?.() ?? 'not-enrolled';
    if (typeof centre === 'string') return centre;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'failed'>((resolve) => {
      timer = setTimeout(() => resolve('failed'), deps.centreWaitMs ?? DEFAULT_CENTRE_WAIT_MS);
    });
    try {
      const answer = await Promise.race([centre.index(id), late]);
      if (answer === 'failed') return 'failed';
      remember(id, answer.entries);
      return answer.entries;
    } catch (e) {
      if (e instanceof TransportError && (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'blocked')) return 'offline';
      console.warn('reuse index from the centre failed:', describeUnknown(e));
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async candidates(idNumber) {
      const id = normalizeIdNumber(idNumber);
      const mine = ++asked;
      setReach({ state: 'asking' });
      const [here, centre] = await Promise.all([local(id), askCentre(id)]);
      const merged: ReuseCandidate[] = [...here];
      if (typeof centre !== 'string') {
        const held = new Set(here.map((c) => c.sha256));
        const start = since();
        for (const e of centre) {
          if (held.has(e.sha256) || e.receivedAt < start) continue;
          held.add(e.sha256);
          merged.push({ ...e, documentId: '', procedureName: '', source: 'centre' });
        }
      }
      // Only the latest question speaks for the screen (a card read again meanwhile wins).
      if (mine === asked) setReach(typeof centre === 'string' ? { state: 'local-only', reason: centre } : { state: 'centre' });
      return merged.sort((a, b) => b.receivedAt - a.receivedAt);
    },

    async fetch(candidate) {
      if (candidate.source !== 'centre' || candidate.pdf) return ok(candidate);
      const id = [...fromCentre].reverse().find(([, entries]) => entries.some((e) => e.sha256 === candidate.sha256))?.[0];
      if (!id) return err('reuse.not-found', 'this paper is not in the index the centre gave for this citizen');
      const centre = deps.centre?.() ?? 'not-enrolled';
      if (typeof centre === 'string') return err('reuse.offline', `the centre cannot be asked now (${centre})`);
      try {
        const blob = await centre.pdf({ idNumber: id, sha256: candidate.sha256, dossierCode: candidate.dossierCode });
        if ((await sha256OfBlob(blob)) !== candidate.sha256) return err('reuse.pdf-mismatch', 'the PDF the centre sent is not the listed paper');
        return ok({ ...candidate, size: blob.size, pdf: new Blob([blob], { type: 'application/pdf' }) });
      } catch (e) {
        if (!(e instanceof TransportError)) return err('reuse.failed', describeUnknown(e));
        if (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'blocked') return err('reuse.offline', e.message);
        if (e.status === 404) return err('reuse.not-found', e.message);
        if (e.status === 429) return err('reuse.rate-limited', e.message);
        return err('reuse.failed', e.message);
      }
    },

    async reusable(idNumber) {
      const id = normalizeIdNumber(idNumber);
      const start = since();
      const hashes = new Set((await local(id)).map((c) => c.sha256));
      for (const e of fromCentre.get(id) ?? []) if (e.receivedAt >= start) hashes.add(e.sha256);
      return hashes;
    },

    watchReach(onChange) {
      listeners.add(onChange);
      onChange(reach);
      return () => listeners.delete(onChange);
    },
  };
}

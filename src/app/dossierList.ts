import { maskApplicantIdNumber } from '../domain/citizenId';
import { localDayKey } from '../domain/localDay';
import { normalizeForSearch } from '../domain/normalizeText';
import type { BranchConfig } from '../shared/branchConfig';
import type { Clock } from '../shared/clock';
import { branchScope, type DossierStatus } from '../shared/published';
import { describeUnknown } from '../shared/result';
import { isStuckScan } from '../storage/blobRepository';
import { allDossiers, blobStates, dossiersOfDay, rejectedDossierCodes } from '../storage/dossierRepository';
import type { BlobState, DossierRow, KioskDb } from '../storage/KioskDb';
import type { ReferenceDb } from '../storage/referenceDb';
import { readPublishedOne } from '../storage/referenceRepository';
import { recordIdsHeldAtHub } from '../storage/syncRepository';
import { watchQuery } from '../storage/watch';
import type { DossierListRow, DossierSyncState } from './dossierTypes';

/**
 * The officer's dossier list: today's dossiers of this machine, live, and search over every dossier
 * still on it. A row carries personal data only as the officer may see it (the ID masked).
 */
export interface DossierListDeps {
  readonly db: KioskDb;
  readonly reference: ReferenceDb;
  readonly branch: BranchConfig;
  readonly clock: Clock;
  /** A scan failing to reach the centre this long marks its dossier 'scans-stuck'. */
  readonly stuckScanAfterMs: number;
}

export interface DossierList {
  watchToday(onChange: (rows: readonly DossierListRow[]) => void): () => void;
  search(query: string): Promise<readonly DossierListRow[]>;
}

/** What the sync state is made of: the centre's verdict, the record's confirmation and each fresh scan's state. */
export interface SyncFacts {
  readonly rejected: boolean;
  readonly syncedAt: number | null;
  /** A branch hub holds the record and the centre does not yet (its outbox entry is held: syncRepository). */
  readonly heldAtHub?: boolean;
  /** One per scan captured for this dossier (reused papers are the earlier dossier's); null = no longer on this machine. */
  readonly scans: readonly ({ readonly state: BlobState; readonly failingSince: number | null } | null)[];
}

/**
 * Where a dossier stands on its way to the centre. The record goes first (SyncEngine), so the centre
 * has the dossier complete only once every scan is verified too.
 */
export function dossierSyncState(facts: SyncFacts, now: number, stuckScanAfterMs: number): DossierSyncState {
  const { scans } = facts;
  const unsent = scans.filter((s) => s !== null && s.state !== 'verified');
  if (facts.rejected) return 'rejected';
  if (scans.some((s) => s === null)) return 'scans-lost';
  if (unsent.some((s) => isStuckScan(s!.failingSince, now, stuckScanAfterMs))) return 'scans-stuck';
  if (facts.syncedAt !== null) return unsent.length > 0 ? 'scans-pending' : 'confirmed';
  // Behind a hub: record and every scan there, none still travelling from this machine.
  if (facts.heldAtHub && scans.every((s) => s!.state === 'held' || s!.state === 'verified')) return 'at-hub';
  if (scans.some((s) => s!.state === 'uploading' || s!.state === 'held' || s!.state === 'verified')) return 'uploading';
  return 'local';
}

export function createDossierList(deps: DossierListDeps): DossierList {
  const { db, reference, branch, clock } = deps;

  /** List rows; the sync issues are read once for all of them. */
  async function listRows(rows: readonly DossierRow[]): Promise<DossierListRow[]> {
    const [rejected, held] = await Promise.all([
      rejectedDossierCodes(
        db,
        rows.map((r) => r.code),
      ),
      recordIdsHeldAtHub(db),
    ]);
    return Promise.all(rows.map((row) => listRow(row, rejected.has(row.code), held.has(row.id))));
  }

  async function listRow(row: DossierRow, rejected: boolean, heldAtHub: boolean): Promise<DossierListRow> {
    const a = row.args;
    const scans = await blobStates(
      db,
      a.documents.filter((d) => d.reusedFrom === null).map((d) => d.sha256),
    );
    const syncState = dossierSyncState({ rejected, syncedAt: row.syncedAt, heldAtHub, scans }, clock.now(), deps.stuckScanAfterMs);
    const centreStatus = await readPublishedOne<DossierStatus>(reference, branchScope(branch.branchCode), 'dossierStatus', row.code);
    return {
      id: row.id,
      code: row.code,
      receivedAt: row.receivedAt,
      applicantName: a.applicant.fullName,
      idNumberMasked: maskApplicantIdNumber(a.applicant.idNumber),
      procedureCode: a.procedure.code,
      procedureName: a.procedure.name,
      documents: a.documents.length,
      missing: a.missing.length,
      syncState,
      centreStatus,
      appointment: a.appointment,
      printedAt: row.printedAt,
    };
  }

  return {
    watchToday(onChange) {
      return watchQuery(
        async () => listRows(await dossiersOfDay(db, localDayKey(clock.now(), branch.utcOffsetMinutes))),
        onChange,
        (e) => console.error('dossier list failed', describeUnknown(e)),
      );
    },

    async search(query) {
      const q = normalizeForSearch(query).trim();
      if (q === '') return [];
      const digits = query.replace(/\D/g, '');
      const words = q.split(/\s+/);
      const rows = (await allDossiers(db)).filter((r) => {
        if (r.code.toLowerCase().includes(query.trim().toLowerCase())) return true;
        if (digits.length >= 4 && r.args.applicant.idNumber.includes(digits)) return true;
        const name = normalizeForSearch(r.args.applicant.fullName);
        return words.every((w) => name.includes(w));
      });
      return listRows(rows.slice(0, 100));
    },
  };
}

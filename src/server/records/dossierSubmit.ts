import { parseDossierCode } from '../../domain/dossierCode';
import { reusedFromCounts } from '../../domain/documentReuse';
import { localDayKey } from '../../domain/localDay';
import { DossierReception } from '../../shared/branchConfig';
import { branchScope, type DossierStatus } from '../../shared/published';
import type { DossierSubmitArgs } from '../../shared/records';
import type { WireError } from '../../shared/sync';
import { recordAudit } from '../audit';
import { publishChanges } from '../changes';
import type { Db } from '../db/Db';
import { hashLookupSecret, lockBlobBuckets, normaliseLookupSecret } from '../dossiers';
import { personalColumns } from '../personalData';
import { wireError } from '../wireErrors';
import type { AuthenticatedDevice, Batch, RecordHandler } from './types';

/**
 * `dossier.submit@1`: a dossier received at a counter. Before the transaction, its look-up secret
 * is hashed (scrypt ≈ 40 ms each, in parallel in libuv's pool: never under the stream's row lock);
 * the server keeps only the hash. In the transaction: the status row (unique code), the received
 * dossier with its personal fields sealed (personalData.ts), the processing time the officer set
 * (if any: `processing_set`, beside the appointment computed from it), its blob references and completeness,
 * and its `dossierStatus` published to the branch. The receipt with this code is already in the
 * citizen's hands, so a code that does not fit the branch's published numbering is stored and
 * flagged for the centre (`code_warning`), never refused: the unique code prevents collisions.
 */
export const dossierSubmit: RecordHandler<'dossier.submit@1', string> = {
  prepare: (a) => hashLookupSecret(normaliseLookupSecret(a.lookupSecret)),

  async store(tx, items, batch, reasons) {
    const reception = await receptionNumbering(batch);
    const dossiers: DossierItem[] = [];
    for (const { i, a, prepared } of items) {
      const warning = slotViolation(a, batch.device) ?? receptionViolation(a, reception);
      dossiers.push({ i, a, secretHash: prepared, codeWarning: warning ? `${warning.code}: ${warning.detail}` : null });
    }
    await storeDossiers(tx, batch, dossiers, reasons);
  },
};

interface DossierItem {
  readonly i: number;
  readonly a: DossierSubmitArgs;
  readonly secretHash: string;
  /** Why the code does not fit the branch's published numbering (stored for the centre), or null. */
  readonly codeWarning: string | null;
}

/** The branch's published dossier numbering (BranchConfig.reception), as the code check needs it. */
interface ReceptionNumbering {
  readonly unitCode: string;
  readonly utcOffsetMinutes: number;
  readonly numbering: { readonly blockSize: number; readonly slots: number; readonly digits: number };
}

/** The branch's published reception numbering, read once per batch; null when none is usable. */
async function receptionNumbering(batch: Batch): Promise<ReceptionNumbering | null> {
  const config = await batch.branchConfig();
  const reception = DossierReception.safeParse(config?.reception);
  const offset = Number(config?.utcOffsetMinutes);
  return reception.success && Number.isInteger(offset)
    ? { unitCode: reception.data.unitCode, utcOffsetMinutes: offset, numbering: reception.data.numbering }
    : null;
}

/** A dossier numbered in another slot than the one its device is enrolled with (deviceSlots.ts). */
function slotViolation(a: DossierSubmitArgs, device: AuthenticatedDevice): WireError | null {
  if (typeof device.slot !== 'number' || a.slot === device.slot) return null;
  return wireError('dossier.slot-not-enrolled', `dossier ${a.code} is numbered in slot ${a.slot}, but its device is enrolled with slot ${device.slot}`);
}

/**
 * A dossier code must be one the sending device could have made under the branch's published
 * reception numbering (src/domain/dossierCode.ts): the branch's unit code, the receipt's local date
 * (branch time), and a sequence from the blocks of the device's slot. Without a published
 * reception configuration (or with one no code could be made under) the check is skipped; the
 * unique code still holds.
 */
function receptionViolation(a: DossierSubmitArgs, r: ReceptionNumbering | null): WireError | null {
  if (!r) return null;
  if (a.slot >= r.numbering.slots) return wireError('dossier.slot-out-of-range', `device slot ${a.slot} is not below the branch's ${r.numbering.slots} slots`);
  let parsed: ReturnType<typeof parseDossierCode>;
  try {
    parsed = parseDossierCode(a.code, r.numbering, r.unitCode);
  } catch (e) {
    if (e instanceof RangeError) return null; // numbering no device can use: nothing to check against
    throw e;
  }
  if (!parsed.ok) {
    if (parsed.error.code === 'dossier.code-other-unit') {
      return wireError('dossier.wrong-unit', `dossier ${a.code} is not under the branch's receiving unit ${r.unitCode}`);
    }
    return wireError('dossier.number-out-of-range', `dossier ${a.code}: ${parsed.error.detail}`);
  }
  if (parsed.value.slot !== a.slot) {
    return wireError('dossier.number-out-of-range', `dossier ${a.code} is outside the sequence blocks of device slot ${a.slot}`);
  }
  const day = localDayKey(a.receivedAt, r.utcOffsetMinutes);
  if (parsed.value.date !== day) {
    return wireError('dossier.date-mismatch', `dossier ${a.code} carries date ${parsed.value.date} but was received on ${day} (branch time)`);
  }
  return null;
}

/**
 * Stores the valid dossiers of a batch, set-based, in the push's transaction:
 *  1. in-batch repeats: a second dossier with an earlier one's code (another id) is
 *     `dossier.code-taken`; the same id again is a repeat of the first (same outcome), or
 *     `dossier.id-taken` when its code differs;
 *  2. a dossier whose id is already stored: the same dossier (same code and branch) is applied
 *     without writing anything, anything else is `dossier.id-taken`;
 *  3. one INSERT of the status rows (`dossiers`: status received, the secret's hash): a code
 *     already there (another id, or a status the centre recorded) is `dossier.code-taken`;
 *  4. one INSERT of the received dossiers with their completeness, one of their blob references;
 *  5. one publish of their `dossierStatus` to the branch scope (numbered at commit order), except
 *     on a branch hub, whose scopes mirror the centre's (`Batch.publishes`);
 *  6. one `dossier.reuse` audit entry per earlier dossier whose papers a new one reuses, from any
 *     branch (who: the device and the dossier's officer name; which dossier; which source).
 */
async function storeDossiers(tx: Db, batch: Batch, items: readonly DossierItem[], reasons: (WireError | null)[]): Promise<void> {
  const { device, now, protection } = batch;
  const codeTaken = (a: DossierSubmitArgs) =>
    wireError('dossier.code-taken', `dossier code ${a.code} is already used by another dossier (two devices with one slot?)`);
  const idTaken = () => wireError('dossier.id-taken', 'a dossier with this id already exists with another code');

  const firstById = new Map<string, DossierItem>();
  const firstByCode = new Map<string, DossierItem>();
  const repeats: { item: DossierItem; first: DossierItem }[] = [];
  let candidates: DossierItem[] = [];
  for (const item of items) {
    const first = firstById.get(item.a.id);
    if (first) repeats.push({ item, first });
    else if (firstByCode.has(item.a.code)) reasons[item.i] = codeTaken(item.a);
    else {
      firstById.set(item.a.id, item);
      firstByCode.set(item.a.code, item);
      candidates.push(item);
    }
  }

  const stored = new Map(
    (
      await tx.query<{ id: string; code: string; branch_code: string }>('SELECT id, code, branch_code FROM received_dossiers WHERE id = ANY($1::uuid[])', [
        candidates.map(({ a }) => a.id),
      ])
    ).map((r) => [r.id, r]),
  );
  candidates = candidates.filter(({ i, a }) => {
    const row = stored.get(a.id);
    if (!row) return true;
    // The same dossier sent again in a new mutation (e.g. a kiosk database rebuilt from its journal file).
    if (row.code !== a.code || row.branch_code !== a.branchCode) reasons[i] = idTaken();
    return false;
  });

  let accepted: DossierItem[] = [];
  if (candidates.length > 0) {
    const statusRows = candidates.map(({ a, secretHash }, ord) => ({
      ord,
      code: a.code,
      branch_code: a.branchCode,
      lookup_secret_hash: secretHash,
      status_at: now,
      appointment_date: a.appointment.kind === 'date' ? a.appointment.date : null,
    }));
    const created = new Set(
      (
        await tx.query<{ code: string }>(
          `INSERT INTO dossiers (code, branch_code, lookup_secret_hash, status, status_at, appointment_date, note)
           SELECT x.code, x.branch_code, x.lookup_secret_hash, 'received', x.status_at, x.appointment_date, ''
           FROM jsonb_to_recordset($1::jsonb) AS x(code text, branch_code text, lookup_secret_hash text, status_at bigint, appointment_date text, ord bigint)
           ORDER BY x.ord
           ON CONFLICT (code) DO NOTHING RETURNING code`,
          [JSON.stringify(statusRows)],
        )
      ).map((r) => r.code),
    );
    accepted = candidates.filter(({ i, a }) => {
      if (created.has(a.code)) return true;
      reasons[i] = codeTaken(a);
      return false;
    });
  }

  if (accepted.length > 0) {
    const missing = await missingBlobs(
      tx,
      accepted.flatMap(({ a }) => a.documents.map((d) => d.sha256)),
    );
    const records = accepted.map(({ a, codeWarning }, ord) => {
      const shas = [...new Set(a.documents.map((d) => d.sha256))];
      return {
        ord,
        id: a.id,
        code: a.code,
        branch_code: a.branchCode,
        slot: a.slot,
        received_at: a.receivedAt,
        procedure_code: a.procedure.code,
        procedure_name: a.procedure.name,
        processing_time: a.procedure.processingTime,
        processing_unit: a.procedure.unit,
        // The applicant, delivery detail and reason are sealed under the dossier's own key (personalData.ts).
        ...personalColumns(protection, a.id, { applicant: a.applicant, resultDeliveryDetail: a.resultDelivery.detail, incompleteReason: a.incompleteReason }),
        documents: a.documents,
        missing: a.missing,
        sets: a.sets,
        appointment_kind: a.appointment.kind,
        appointment_at: a.appointment.kind === 'date' ? a.appointment.at : null,
        appointment_date: a.appointment.kind === 'date' ? a.appointment.date : null,
        appointment_provisional: a.appointment.kind === 'date' ? a.appointment.provisional : null,
        result_delivery_method: a.resultDelivery.method,
        officer_name: a.officerName,
        officer_id: a.officerId ?? null,
        register_book: a.register?.book ?? null,
        register_serial: a.register?.serial ?? null,
        processing_set: a.processingSet ?? null,
        code_warning: codeWarning,
        blob_count: shas.length,
        blobs_missing: shas.filter((h) => missing.has(h)).length,
      };
    });
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO received_dossiers (id, code, branch_code, device_id, slot, received_at, procedure_code, procedure_name, processing_time,
         processing_unit, applicant, documents, missing, incomplete_reason, sets, appointment_kind, appointment_at, appointment_date,
         appointment_provisional, result_delivery_method, result_delivery_detail, officer_name, officer_id, register_book, register_serial, processing_set,
         code_warning, blob_count, blobs_missing, personal, personal_dek, personal_kek_id, id_number_index)
       SELECT x.id, x.code, x.branch_code, $2::uuid, x.slot, x.received_at, x.procedure_code, x.procedure_name, x.processing_time,
         x.processing_unit, x.applicant, x.documents, x.missing, x.incomplete_reason, x.sets, x.appointment_kind, x.appointment_at,
         x.appointment_date, x.appointment_provisional, x.result_delivery_method, x.result_delivery_detail, x.officer_name, x.officer_id, x.register_book,
         x.register_serial, x.processing_set, x.code_warning, x.blob_count,
         x.blobs_missing, decode(x.personal, 'base64'), decode(x.personal_dek, 'base64'), x.personal_kek_id, x.id_number_index
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, code text, branch_code text, slot integer, received_at bigint, procedure_code text,
         procedure_name text, processing_time double precision, processing_unit text, applicant jsonb, documents jsonb, missing jsonb,
         incomplete_reason text, sets integer, appointment_kind text, appointment_at bigint, appointment_date text,
         appointment_provisional boolean, result_delivery_method text, result_delivery_detail text, officer_name text, officer_id text, register_book text,
         register_serial integer, processing_set jsonb, code_warning text,
         blob_count integer, blobs_missing integer, personal text, personal_dek text, personal_kek_id text, id_number_index text, ord bigint)
       ORDER BY x.ord
       ON CONFLICT DO NOTHING RETURNING id`,
      [JSON.stringify(records), device.deviceId],
    );
    if (inserted.length !== records.length) {
      // Only a concurrent push of the same id with another code gets here (the codes are ours by
      // now): roll back and let the kiosk retry, when step 2 will see the stored id.
      throw Object.assign(new Error('a dossier id was stored concurrently'), { code: '40001' });
    }
    const references = accepted.flatMap(({ a }) => [...new Set(a.documents.map((d) => d.sha256))].map((sha256) => ({ dossier_id: a.id, sha256 })));
    if (references.length > 0) {
      await tx.query(
        `INSERT INTO dossier_blobs (dossier_id, sha256) SELECT x.dossier_id, x.sha256 FROM jsonb_to_recordset($1::jsonb) AS x(dossier_id uuid, sha256 text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(references)],
      );
    }
    if (batch.publishes) {
      const statuses: DossierStatus[] = accepted.map(({ a }) => ({
        code: a.code,
        status: 'received',
        statusAt: now,
        appointmentDate: a.appointment.kind === 'date' ? a.appointment.date : null,
        note: '',
      }));
      const published = await publishChanges(tx, {
        scope: branchScope(device.branchCode),
        changes: statuses.map((data) => ({ entity: 'dossierStatus' as const, op: 'put' as const, data })),
      });
      if (!published.ok) throw new Error(`publishing received dossiers failed: ${published.error.code}`);
    }
    await auditReuse(tx, device, accepted, now);
  }

  for (const { item, first } of repeats) reasons[item.i] = item.a.code === first.a.code ? reasons[first.i]! : idTaken();
}

/**
 * The centre's record of every reuse, written from the dossier itself in the push's transaction (a
 * kiosk cannot leave it out): per earlier dossier whose papers went into a new one, the device, the
 * officer named on the dossier when there is one, the new dossier and the count. The source may be
 * of any branch (reuse.ts hands out another branch's papers); the new dossier is complete as soon
 * as the centre holds a verified copy of each paper, whoever uploaded it.
 */
async function auditReuse(tx: Db, device: AuthenticatedDevice, accepted: readonly DossierItem[], now: number): Promise<void> {
  for (const { a } of accepted) {
    const officer = a.officerName.trim();
    for (const [from, count] of reusedFromCounts(a.documents)) {
      await recordAudit(tx, {
        actorKind: 'device',
        actorId: device.deviceId,
        branchCode: a.branchCode,
        action: 'dossier.reuse',
        target: from,
        outcome: 'ok',
        detail: `into ${a.code}: ${count} document(s)${officer ? `; officer: ${officer}` : ''}`,
        at: now,
      });
    }
  }
}

/**
 * The referenced blobs of which the server holds no verified copy. A blob still missing at the
 * first look is checked again under its completeness lock (lockBlobBuckets), which a blob's
 * verification takes too before recomputing the dossiers that reference it: whichever of the two
 * transactions comes second sees the other's work, so a dossier cannot stay incomplete for a blob
 * verified while it was being stored.
 */
async function missingBlobs(tx: Db, shas: readonly string[]): Promise<Set<string>> {
  const distinct = [...new Set(shas)];
  if (distinct.length === 0) return new Set();
  const verified = async (hashes: readonly string[]) =>
    new Set((await tx.query<{ sha256: string }>('SELECT sha256 FROM blobs WHERE sha256 = ANY($1::text[])', [hashes])).map((r) => r.sha256));
  const first = await verified(distinct);
  const missing = distinct.filter((h) => !first.has(h));
  if (missing.length === 0) return new Set();
  await lockBlobBuckets(tx, missing);
  const now = await verified(missing);
  return new Set(missing.filter((h) => !now.has(h)));
}

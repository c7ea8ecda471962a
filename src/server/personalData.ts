import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ID_NUMBER_PATTERN } from '../shared/idNumber';
import type { DossierApplicantArgs } from '../shared/records';
import { recordAudit, type AuditActorKind } from './audit';
import { findBlob, readBlob, sealedKey, type BlobStorage } from './blobStore';
import { sealBlobStream, sealedBlobSize } from './blobCipher';
import { normaliseIdNumber, openRecord, sealRecord, type DataProtection } from './dataProtection';
import type { Db } from './db/Db';
import { lockBlobBuckets } from './dossiers';
import { foldersMade, fsyncDirs, writeFileDurably } from './durableFiles';

/**
 * A citizen's personal data at the centre: sealed at rest, found by a blind index, kept for a
 * retention period, exported and erased on request (issue 11, item 5). The keys: dataProtection.ts.
 *
 * Guarantees:
 * - A received dossier's personal fields — the applicant (ID number, name, birth date, gender,
 *   address, phone, e-mail), the result delivery detail (a postal address or phone for 'post') and
 *   the officer's incompleteness reason (free text) — are stored only sealed in `personal`, under
 *   the dossier's own data key bound to its id. What stays readable is what statistics and the
 *   status look-up need: code, branch, device, procedure, dates, documents (catalog names and
 *   content hashes), completeness, delivery method, officer.
 * - `id_number_index` (an HMAC under DATA_INDEX_KEY) finds one citizen's dossiers without opening
 *   any other.
 * - Erasure (retention or the citizen's request) empties the personal fields, the wrapped key and
 *   the index in one transaction, and deletes the scans no other live dossier references (their
 *   rows, with their wrapped keys, in the same transaction; the files just after). The row keeps
 *   code, branch, procedure, dates and status, and `dossiers` (code → status) is untouched, so the
 *   citizen's look-up and the statistics still work. Erasure is irreversible and idempotent.
 * - Every export, erasure, purge and key rotation leaves an audit entry (audit.ts) naming dossier
 *   codes and counts, never the person.
 */
export interface PersonalFields {
  readonly applicant: DossierApplicantArgs;
  readonly resultDeliveryDetail: string;
  readonly incompleteReason: string | null;
}

/** Statuses after which the centre has nothing more to do with the citizen: the retention clock starts. */
export const FINAL_STATUSES = ['returned', 'rejected', 'withdrawn'] as const;

/**
 * The columns a new received dossier is stored with (push.ts), bytea as base64 for the JSON record
 * set. Sealed normally; as plaintext columns only under the benchmark's unencrypted baseline.
 */
export function personalColumns(
  protection: DataProtection,
  dossierId: string,
  fields: PersonalFields,
): {
  applicant: DossierApplicantArgs | null;
  result_delivery_detail: string | null;
  incomplete_reason: string | null;
  personal: string | null;
  personal_dek: string | null;
  personal_kek_id: string | null;
  id_number_index: string;
} {
  const id_number_index = protection.blindIndex(fields.applicant.idNumber);
  if (protection.mode !== 'encrypted') {
    return {
      applicant: fields.applicant,
      result_delivery_detail: fields.resultDeliveryDetail,
      incomplete_reason: fields.incompleteReason,
      personal: null,
      personal_dek: null,
      personal_kek_id: null,
      id_number_index,
    };
  }
  const key = protection.newDataKey('dossier', dossierId);
  const sealed = sealRecord(key.dek, 'dossier', dossierId, Buffer.from(JSON.stringify(fields), 'utf8'));
  return {
    applicant: null,
    result_delivery_detail: null,
    incomplete_reason: null,
    personal: sealed.toString('base64'),
    personal_dek: key.wrapped.toString('base64'),
    personal_kek_id: key.keyId,
    id_number_index,
  };
}

const bytes = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

interface PersonalRow {
  id: string;
  applicant: DossierApplicantArgs | null;
  result_delivery_detail: string | null;
  incomplete_reason: string | null;
  personal: unknown;
  personal_dek: unknown;
  personal_kek_id: string | null;
}

/** The plaintext personal fields of a row (sealed, or written before sealing existed); null once erased. */
export function openPersonal(protection: DataProtection, row: PersonalRow): PersonalFields | null {
  if (row.personal !== null && row.personal_kek_id !== null) {
    const dek = protection.unwrap('dossier', row.id, { keyId: row.personal_kek_id, wrapped: bytes(row.personal_dek) });
    return JSON.parse(openRecord(dek, 'dossier', row.id, bytes(row.personal)).toString('utf8')) as PersonalFields;
  }
  if (row.applicant === null) return null;
  return { applicant: row.applicant, resultDeliveryDetail: row.result_delivery_detail ?? '', incompleteReason: row.incomplete_reason };
}

/** A `received_dossiers` row as stored, with the personal columns opened in place and the key material left out. */
export type StoredDossierRow = Record<string, unknown> & {
  readonly id: string;
  readonly code: string;
  readonly applicant: DossierApplicantArgs | null;
  readonly result_delivery_detail: string | null;
  readonly incomplete_reason: string | null;
};

export interface StoredDossierFilter {
  readonly ids?: readonly string[];
  readonly codes?: readonly string[];
  readonly deviceId?: string;
  readonly branchCode?: string;
}

/**
 * Received dossiers as the kiosks sent them, decrypted: the one way tests and tools read
 * `received_dossiers` with its personal fields. Ordered by code.
 */
export async function readReceivedDossiers(db: Db, protection: DataProtection, filter: StoredDossierFilter = {}): Promise<StoredDossierRow[]> {
  const rows = await db.query<Record<string, unknown> & PersonalRow & { code: string }>(
    `SELECT * FROM received_dossiers
     WHERE ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) AND ($2::text[] IS NULL OR code = ANY($2::text[]))
       AND ($3::uuid IS NULL OR device_id = $3::uuid) AND ($4::text IS NULL OR branch_code = $4)
     ORDER BY code`,
    [filter.ids ?? null, filter.codes ?? null, filter.deviceId ?? null, filter.branchCode ?? null],
  );
  return rows.map((row) => {
    const fields = openPersonal(protection, row);
    const { personal: _p, personal_dek: _d, personal_kek_id: _k, ...rest } = row;
    return {
      ...rest,
      applicant: fields?.applicant ?? null,
      result_delivery_detail: fields?.resultDeliveryDetail ?? null,
      incomplete_reason: fields?.incompleteReason ?? null,
    };
  });
}

const BATCH = 200;

export interface SealReport {
  readonly dossiers: number;
  readonly blobs: number;
}

/**
 * Seals what is still stored in plaintext: rows and files written before migration 008, or by the
 * benchmark's unencrypted baseline. Run by the server's data job and by rotate-data-keys.
 * Without a store (a server without blob routes) only the rows are sealed.
 */
export async function sealUnsealed(db: Db, protection: DataProtection, storage: BlobStorage | null): Promise<SealReport> {
  if (protection.mode !== 'encrypted') return { dossiers: 0, blobs: 0 };
  let dossiers = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const rows = await tx.query<PersonalRow>(
        `SELECT id, applicant, result_delivery_detail, incomplete_reason, personal, personal_dek, personal_kek_id FROM received_dossiers
         WHERE personal IS NULL AND personal_erased_at IS NULL AND applicant IS NOT NULL ORDER BY id LIMIT $1 FOR UPDATE`,
        [BATCH],
      );
      for (const row of rows) {
        const c = personalColumns(protection, row.id, openPersonal(protection, row)!);
        await tx.query(
          `UPDATE received_dossiers SET personal = decode($2, 'base64'), personal_dek = decode($3, 'base64'), personal_kek_id = $4, id_number_index = $5,
             applicant = NULL, result_delivery_detail = NULL, incomplete_reason = NULL WHERE id = $1`,
          [row.id, c.personal, c.personal_dek, c.personal_kek_id, c.id_number_index],
        );
      }
      return rows.length;
    });
    dossiers += done;
    if (done < BATCH) break;
  }
  let blobs = 0;
  if (storage !== null) {
    let after = '';
    for (;;) {
      const page = await db.query<{ sha256: string; size: unknown; storage_key: string }>(
        'SELECT sha256, size, storage_key FROM blobs WHERE kek_id IS NULL AND sha256 > $1 ORDER BY sha256 LIMIT $2',
        [after, BATCH],
      );
      for (const row of page) {
        const key = protection.newDataKey('blob', row.sha256);
        const storageKey = sealedKey(row.sha256, `resealed-${randomBytes(8).toString('hex')}`);
        await storage.writeStored(storageKey, sealBlobStream(key.dek, await storage.readStored(row.storage_key)), sealedBlobSize(Number(row.size)));
        const updated = await db.query('UPDATE blobs SET storage_key = $2, dek = $3, kek_id = $4 WHERE sha256 = $1 AND kek_id IS NULL RETURNING 1', [
          row.sha256,
          storageKey,
          key.wrapped,
          key.keyId,
        ]);
        // Sealed by someone else meanwhile (another replica): ours is the copy to drop.
        await storage.removeStored(updated.length > 0 ? row.storage_key : storageKey);
        if (updated.length > 0) blobs++;
      }
      if (page.length < BATCH) break;
      after = page.at(-1)!.sha256;
    }
  }
  return { dossiers, blobs };
}

export interface RotationReport extends SealReport {
  readonly keyId: string;
  /** Records a branch hub holds for the centre (relay_outbox), personal ones sealed. */
  readonly relayRecords: number;
  /** Rows and files found in plaintext and sealed on the way. */
  readonly sealed: SealReport;
}

/**
 * Wraps every data key under the current KEK (DATA_KEY_ID) again; the sealed records and files are
 * not touched. After it, the older KEKs can be removed from DATA_KEYS. Plaintext leftovers are
 * sealed first.
 */
export async function rotateDataKeys(db: Db, protection: DataProtection, storage: BlobStorage | null): Promise<RotationReport> {
  if (protection.mode !== 'encrypted') throw new Error('rotate-data-keys needs the centre keys (DATA_KEYS)');
  const sealed = await sealUnsealed(db, protection, storage);
  const current = protection.currentKeyId;
  const dossiers = await rewrapAll(db, protection, {
    kind: 'dossier',
    table: 'received_dossiers',
    key: 'id',
    dek: 'personal_dek',
    kek: 'personal_kek_id',
    first: '00000000-0000-0000-0000-000000000000',
    cast: '::uuid',
  });
  const blobs = await rewrapAll(db, protection, { kind: 'blob', table: 'blobs', key: 'sha256', dek: 'dek', kek: 'kek_id', first: '', cast: '' });
  const relayRecords = await rewrapRelay(db, protection);
  return { keyId: current, dossiers, blobs, relayRecords, sealed };
}

/**
 * The relay rows of a branch hub (hub/relayStore.ts): keyed by (device, journal, seq), each with its
 * own data key bound to its mutation id — one mutation id may sit at two seqs (a reused id), so
 * never rewrapped by mutation id alone.
 */
async function rewrapRelay(db: Db, protection: DataProtection): Promise<number> {
  const current = protection.currentKeyId;
  let count = 0;
  let after = { device: '00000000-0000-0000-0000-000000000000', journal: '00000000-0000-0000-0000-000000000000', seq: 0 };
  for (;;) {
    const page = await db.query<{ device_id: string; journal_id: string; device_seq: unknown; mutation_id: string; dek: unknown; kek_id: string }>(
      `SELECT device_id, journal_id, device_seq, mutation_id, dek, kek_id FROM relay_outbox
       WHERE kek_id IS NOT NULL AND kek_id <> $1 AND (device_id, journal_id, device_seq) > ($2::uuid, $3::uuid, $4::bigint)
       ORDER BY device_id, journal_id, device_seq LIMIT $5`,
      [current, after.device, after.journal, after.seq, BATCH],
    );
    for (const row of page) {
      const next = protection.rewrap('relay', row.mutation_id, { keyId: row.kek_id, wrapped: bytes(row.dek) });
      const done = await db.query(
        `UPDATE relay_outbox SET dek = $5, kek_id = $6 WHERE device_id = $1 AND journal_id = $2 AND device_seq = $3 AND kek_id = $4 RETURNING 1`,
        [row.device_id, row.journal_id, row.device_seq, row.kek_id, next.wrapped, next.keyId],
      );
      count += done.length;
    }
    if (page.length < BATCH) break;
    const last = page.at(-1)!;
    after = { device: last.device_id, journal: last.journal_id, seq: Number(last.device_seq) };
  }
  return count;
}

/** Where one kind of record keeps its wrapped data key (fixed identifiers, never user input). */
interface WrappedKeyColumns {
  readonly kind: 'dossier' | 'blob';
  readonly table: 'received_dossiers' | 'blobs';
  readonly key: 'id' | 'sha256';
  readonly dek: 'personal_dek' | 'dek';
  readonly kek: 'personal_kek_id' | 'kek_id';
  /** A key below every real one, and the cast the key column needs. */
  readonly first: string;
  readonly cast: '' | '::uuid';
}

/**
 * Rewraps, page by page in key order, every data key of one table that is not yet under the
 * current KEK; a row changed meanwhile (another rotation) is left to it. Returns how many it rewrapped.
 */
async function rewrapAll(db: Db, protection: DataProtection, c: WrappedKeyColumns): Promise<number> {
  const current = protection.currentKeyId;
  let count = 0;
  for (let after = c.first; ;) {
    const page = await db.query<{ key: string; dek: unknown; kek: string }>(
      `SELECT ${c.key} AS key, ${c.dek} AS dek, ${c.kek} AS kek FROM ${c.table}
       WHERE ${c.kek} IS NOT NULL AND ${c.kek} <> $1 AND ${c.key} > $2${c.cast} ORDER BY ${c.key} LIMIT $3`,
      [current, after, BATCH],
    );
    for (const row of page) {
      const next = protection.rewrap(c.kind, row.key, { keyId: row.kek, wrapped: bytes(row.dek) });
      const done = await db.query(`UPDATE ${c.table} SET ${c.dek} = $3, ${c.kek} = $4 WHERE ${c.key} = $1${c.cast} AND ${c.kek} = $2 RETURNING 1`, [
        row.key,
        row.kek,
        next.wrapped,
        next.keyId,
      ]);
      count += done.length;
    }
    if (page.length < BATCH) break;
    after = page.at(-1)!.key;
  }
  return count;
}

/** Data keys still wrapped under each KEK: what must be rotated before a KEK may leave DATA_KEYS. */
export async function dataKeyUsage(db: Db): Promise<{ keyId: string; dossiers: number; blobs: number; relayRecords: number }[]> {
  const rows = await db.query<{ key_id: string; dossiers: unknown; blobs: unknown; relay: unknown }>(
    `SELECT key_id, sum(d) AS dossiers, sum(b) AS blobs, sum(r) AS relay FROM (
       SELECT personal_kek_id AS key_id, count(*) AS d, 0 AS b, 0 AS r FROM received_dossiers WHERE personal_kek_id IS NOT NULL GROUP BY personal_kek_id
       UNION ALL SELECT kek_id, 0, count(*), 0 FROM blobs WHERE kek_id IS NOT NULL GROUP BY kek_id
       UNION ALL SELECT kek_id, 0, 0, count(*) FROM relay_outbox WHERE kek_id IS NOT NULL GROUP BY kek_id) u
     GROUP BY key_id ORDER BY key_id`,
  );
  return rows.map((r) => ({ keyId: r.key_id, dossiers: Number(r.dossiers), blobs: Number(r.blobs), relayRecords: Number(r.relay) }));
}

export interface ErasureReport {
  /** Codes of the dossiers whose personal fields were erased now. */
  readonly codes: string[];
  /** Scans deleted (no live dossier referenced them any more). */
  readonly blobs: number;
}

/**
 * Erases the personal fields of these dossiers and the scans no live dossier references any more.
 * Dossiers already erased are skipped.
 */
async function eraseDossiers(
  db: Db,
  storage: BlobStorage | null,
  ids: readonly string[],
  reason: 'retention' | 'citizen-request',
  now: number,
  onFileError: (error: unknown) => void,
  /** Records the erasure in the audit log, inside its transaction: both commit or neither. */
  audit: (tx: Db, erased: ErasureReport) => Promise<void>,
): Promise<ErasureReport> {
  if (ids.length === 0) return { codes: [], blobs: 0 };
  const { codes, keys } = await db.transaction(async (tx) => {
    const erased = await tx.query<{ id: string; code: string; branch_code: string }>(
      `UPDATE received_dossiers SET applicant = NULL, result_delivery_detail = NULL, incomplete_reason = NULL, personal = NULL, personal_dek = NULL,
         personal_kek_id = NULL, id_number_index = NULL, personal_erased_at = $2, personal_erased_reason = $3
       WHERE id = ANY($1::uuid[]) AND personal_erased_at IS NULL RETURNING id, code, branch_code`,
      [ids, now, reason],
    );
    if (erased.length === 0) return { codes: [] as string[], keys: [] as string[] };
    const references = await tx.query<{ sha256: string }>('DELETE FROM dossier_blobs WHERE dossier_id = ANY($1::uuid[]) RETURNING sha256', [
      erased.map((r) => r.id),
    ]);
    const shas = [...new Set(references.map((r) => r.sha256))];
    // Under the completeness locks, like a blob's verification: a dossier stored meanwhile either
    // committed its reference (the blob stays) or will find the blob missing.
    await lockBlobBuckets(tx, shas);
    // A scan another branch's live dossier still needs stays, but a branch whose last dossier
    // referencing it was erased no longer owns it (blob_owners): it reads it by hash no more.
    await tx.query(
      `DELETE FROM blob_owners o WHERE o.sha256 = ANY($1::text[]) AND o.branch_code = ANY($2::text[])
         AND NOT EXISTS (SELECT 1 FROM dossier_blobs d JOIN received_dossiers r ON r.id = d.dossier_id WHERE d.sha256 = o.sha256 AND r.branch_code = o.branch_code)`,
      [shas, [...new Set(erased.map((r) => r.branch_code))]],
    );
    // The owners of a scan no live dossier references go with its row (ON DELETE CASCADE).
    const removed = await tx.query<{ storage_key: string }>(
      `DELETE FROM blobs b WHERE b.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM dossier_blobs d WHERE d.sha256 = b.sha256) RETURNING storage_key`,
      [shas],
    );
    const report = { codes: erased.map((r) => r.code).sort(), keys: removed.map((r) => r.storage_key) };
    await audit(tx, { codes: report.codes, blobs: report.keys.length });
    return report;
  });
  // The rows and their wrapped keys are gone: a file left by a failure here can no longer be opened.
  for (const key of keys) {
    if (storage) await storage.removeStored(key).catch(onFileError);
  }
  return { codes, blobs: keys.length };
}

export interface RetentionPolicy {
  /** Personal data of a dossier is erased this many days after its final status (FINAL_STATUSES). */
  readonly retentionDays: number;
}

/** 90 days: see src/server/README.md, "What the centre keeps, and for how long". */
export const DEFAULT_RETENTION_DAYS = 90;
const DAY_MS = 24 * 3600 * 1000;

/** RETENTION_DAYS; a malformed value stops the server at start, naming the variable. */
export function retentionDaysFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.RETENTION_DAYS?.trim();
  if (raw === undefined || raw === '') return DEFAULT_RETENTION_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 36_500) throw new Error(`RETENTION_DAYS must be a whole number of days, 1–36500, got "${raw.slice(0, 40)}"`);
  return n;
}

export interface Actor {
  readonly kind: AuditActorKind;
  readonly id: string;
}

/**
 * Erases the personal data of every dossier whose final status (returned, rejected, withdrawn) is
 * older than the retention period. Safe to run on several replicas at once.
 */
export async function purgeExpired(
  db: Db,
  storage: BlobStorage | null,
  options: { now: number; retentionDays: number; actor: Actor; onFileError?: (error: unknown) => void },
): Promise<ErasureReport> {
  const cutoff = options.now - options.retentionDays * DAY_MS;
  const codes: string[] = [];
  let blobs = 0;
  for (;;) {
    const page = await db.query<{ id: string }>(
      `SELECT r.id FROM received_dossiers r JOIN dossiers d ON d.code = r.code
       WHERE r.personal_erased_at IS NULL AND d.status = ANY($1::text[]) AND d.status_at < $2 ORDER BY r.id LIMIT $3`,
      [FINAL_STATUSES, cutoff, BATCH],
    );
    const report = await eraseDossiers(
      db,
      storage,
      page.map((r) => r.id),
      'retention',
      options.now,
      options.onFileError ?? (() => undefined),
      // One entry per dossier: the trail of a code shows when its personal data went, and why.
      async (tx, erased) => {
        for (const code of erased.codes) {
          await recordAudit(tx, {
            actorKind: options.actor.kind,
            actorId: options.actor.id,
            action: 'retention.purge',
            target: code,
            outcome: 'erased',
            detail: `personal fields erased ${options.retentionDays} days after the final status; ${erased.blobs} scan(s) of this batch deleted`,
            at: options.now,
          });
        }
      },
    );
    codes.push(...report.codes);
    blobs += report.blobs;
    if (page.length < BATCH || report.codes.length === 0) break;
  }
  return { codes, blobs };
}

/** One citizen's dossiers, by the blind index (or, for rows not yet sealed, the plaintext ID number). */
async function citizenDossierIds(db: Db, protection: DataProtection, idNumber: string): Promise<{ id: string; code: string; branch_code: string }[]> {
  const normalised = normaliseIdNumber(idNumber);
  if (!ID_NUMBER_PATTERN.test(normalised)) throw new Error('an ID number is 6–20 letters or digits');
  return db.query(
    `SELECT id, code, branch_code FROM received_dossiers
     WHERE id_number_index = $1 OR (personal IS NULL AND personal_erased_at IS NULL AND applicant->>'idNumber' = $2) ORDER BY code`,
    [protection.blindIndex(normalised), normalised],
  );
}

export interface CitizenExport {
  readonly file: string;
  readonly dossiers: { readonly code: string; readonly scans: number; readonly missingScans: number }[];
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Writes one citizen's dossiers, decrypted, to `outDir/dossiers.json` and their scans to
 * `outDir/scans/<code>/<documentId>.pdf` (folder 0700, files 0600), and audits it per dossier.
 */
export async function exportCitizen(
  db: Db,
  protection: DataProtection,
  storage: BlobStorage | null,
  idNumber: string,
  outDir: string,
  options: { actor: Actor; now: number },
): Promise<CitizenExport> {
  const found = await citizenDossierIds(db, protection, idNumber);
  const rows = await readReceivedDossiers(db, protection, { ids: found.map((r) => r.id) });
  const statuses = new Map(
    (
      await db.query<{ code: string; status: string; status_at: unknown }>('SELECT code, status, status_at FROM dossiers WHERE code = ANY($1::text[])', [
        rows.map((r) => r.code),
      ])
    ).map((s) => [s.code, s]),
  );
  // Recorded before anything is written: no export leaves the centre untraced.
  await auditEach(
    db,
    options,
    'citizen.export',
    'exported',
    rows.map((r) => ({ code: r.code, detail: `personal fields and ${((r.documents as unknown[] | null) ?? []).length} scan(s) exported` })),
  );
  // Every file written whole or not at all and on disk, every folder's entries too, before this
  // returns: an export handed over (or followed by the citizen's erasure) survives a power cut.
  const createdFrom = await mkdir(outDir, { recursive: true, mode: 0o700 });
  await chmod(outDir, 0o700);
  const folders = new Set<string>();
  const summary: { code: string; scans: number; missingScans: number }[] = [];
  const dossiers = [];
  for (const row of rows) {
    const documents = (row.documents as { documentId: string; name: string; sha256: string; pages: number }[]) ?? [];
    const scans = [];
    let missingScans = 0;
    for (const d of documents) {
      const blob = await findBlob(db, d.sha256);
      if (!blob || !storage) {
        missingScans++;
        scans.push({ documentId: d.documentId, name: d.name, sha256: d.sha256, file: null });
        continue;
      }
      const relative = path.join('scans', safeName(row.code), `${safeName(d.documentId)}.pdf`);
      const target = path.join(outDir, relative);
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await writeFileDurably(target, await readBlob(storage, protection, blob), 0o600);
      folders.add(path.dirname(target));
      scans.push({ documentId: d.documentId, name: d.name, sha256: d.sha256, file: relative });
    }
    const status = statuses.get(row.code);
    dossiers.push({
      code: row.code,
      branchCode: row.branch_code,
      receivedAt: new Date(Number(row.received_at)).toISOString(),
      procedure: { code: row.procedure_code, name: row.procedure_name, processingTime: row.processing_time, unit: row.processing_unit },
      applicant: row.applicant,
      documents: row.documents,
      missing: row.missing,
      incompleteReason: row.incomplete_reason,
      sets: row.sets,
      appointment:
        row.appointment_kind === 'date'
          ? { kind: 'date', at: new Date(Number(row.appointment_at)).toISOString(), date: row.appointment_date, provisional: row.appointment_provisional }
          : { kind: row.appointment_kind },
      resultDelivery: { method: row.result_delivery_method, detail: row.result_delivery_detail },
      officerName: row.officer_name,
      officerId: row.officer_id ?? null,
      processingSet: row.processing_set ?? null,
      status: status?.status ?? null,
      statusAt: status ? new Date(Number(status.status_at)).toISOString() : null,
      personalDataErasedAt: row.personal_erased_at === null ? null : new Date(Number(row.personal_erased_at)).toISOString(),
      scans,
    });
    summary.push({ code: row.code, scans: scans.length - missingScans, missingScans });
  }
  const file = path.join(outDir, 'dossiers.json');
  await writeFileDurably(file, `${JSON.stringify({ exportedAt: new Date(options.now).toISOString(), dossiers }, null, 2)}\n`, 0o600);
  // Deepest first: each folder's entries, then the folder's own entry in its parent, up to the
  // first folder this export did not create.
  if (folders.size > 0) folders.add(path.join(outDir, 'scans'));
  for (const folder of foldersMade(outDir, createdFrom)) folders.add(folder);
  await fsyncDirs([...folders].sort((a, b) => b.length - a.length));
  return { file, dossiers: summary };
}

/** Erases one citizen's personal fields and scans from every dossier of every branch; audited per dossier. */
export async function deleteCitizen(
  db: Db,
  protection: DataProtection,
  storage: BlobStorage | null,
  idNumber: string,
  options: { actor: Actor; now: number; reason: string; onFileError?: (error: unknown) => void },
): Promise<ErasureReport & { alreadyErased: string[] }> {
  const found = await citizenDossierIds(db, protection, idNumber);
  const report = await eraseDossiers(
    db,
    storage,
    found.map((r) => r.id),
    'citizen-request',
    options.now,
    options.onFileError ?? (() => undefined),
    (tx, erased) =>
      auditEach(
        tx,
        options,
        'citizen.delete',
        'erased',
        erased.codes.map((code) => ({ code, detail: `reason: ${options.reason.slice(0, 300)}; ${erased.blobs} scan(s) of this request deleted` })),
      ),
  );
  // Nothing left to erase (unknown, or erased before): the request is recorded all the same.
  if (report.codes.length === 0) await auditEach(db, options, 'citizen.delete', 'erased', []);
  const alreadyErased = found.map((r) => r.code).filter((c) => !report.codes.includes(c));
  return { ...report, alreadyErased };
}

async function auditEach(
  db: Db,
  options: { actor: Actor; now: number },
  action: string,
  outcome: string,
  entries: readonly { code: string; detail: string }[],
): Promise<void> {
  // A request that found nothing is recorded too: who asked is part of the trail.
  if (entries.length === 0) {
    await recordAudit(db, { actorKind: options.actor.kind, actorId: options.actor.id, action, outcome: 'not-found', at: options.now });
    return;
  }
  for (const e of entries) {
    await recordAudit(db, { actorKind: options.actor.kind, actorId: options.actor.id, action, target: e.code, outcome, detail: e.detail, at: options.now });
  }
}

/** A rotation leaves its trail too. */
export async function auditRotation(db: Db, actor: Actor, report: RotationReport, now: number): Promise<void> {
  await recordAudit(db, {
    actorKind: actor.kind,
    actorId: actor.id,
    action: 'data-keys.rotate',
    target: report.keyId,
    outcome: 'ok',
    detail: `rewrapped ${report.dossiers} dossier key(s), ${report.blobs} scan key(s) and ${report.relayRecords} relay record key(s) under ${report.keyId}; sealed ${report.sealed.dossiers} dossier(s) and ${report.sealed.blobs} scan(s) left in plaintext`,
    at: now,
  });
}

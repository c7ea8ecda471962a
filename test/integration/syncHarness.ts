import type { SyncStatus } from '../../src/sync/SyncStatus';
import { kioskBlobQueue } from '../../src/sync/kioskBlobQueue';
import type { KioskApp } from '../../src/app/KioskApp';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { FastifyInstance } from 'fastify';
import { createAdminToken, createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { blobStorageFromEnv, readBlobBytes } from '../../src/server/blobStore';
import { resolveDataProtection } from '../../src/server/dataProtection';
import { readReceivedDossiers } from '../../src/server/personalData';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { BranchConfig } from '../../src/shared/branchConfig';
import type { Clock } from '../../src/shared/clock';
import { KioskDb } from '../../src/storage/KioskDb';
import { ReferenceDb } from '../../src/storage/referenceDb';
import { issueTicket } from '../../src/storage/ticketRepository';
import { submitRating } from '../../src/storage/ratingRepository';
import type { Ticket } from '../../src/domain/ticket';
import { PersonalCipher } from '../../src/storage/personalCipher';
import type { DossierSubmitArgs, RatingSubmitArgs } from '../../src/shared/records';
import { createHttpTransport } from '../../src/sync/httpTransport';
import { SyncEngine } from '../../src/sync/SyncEngine';
import type { Transport } from '../../src/sync/Transport';
import { nodeRandom, seededBranch } from '../unit/fixtures';

/** A kiosk as the sync engine sees it: its two databases, its credential, an engine. */
export interface TestKiosk {
  readonly deviceId: string;
  readonly slot: number;
  db: KioskDb;
  reference: ReferenceDb;
  token: string;
  transport: Transport;
  engine: SyncEngine;
  /** Simulates the process dying: drop every in-memory object and reopen the same databases. */
  restart(): void;
  /** Restarts talking to another server (a kiosk moved between a branch hub and the centre). */
  moveTo(baseUrl: string): void;
}

export function makeKioskDbs(idb: IDBFactory, name: string): { db: KioskDb; reference: ReferenceDb } {
  return {
    db: new KioskDb(`${name}-journal`, { indexedDB: idb, IDBKeyRange }),
    reference: new ReferenceDb(`${name}-reference`, { indexedDB: idb, IDBKeyRange }),
  };
}

export async function enrolKiosk(
  db: Db,
  baseUrl: string,
  clock: Clock,
  slot: number,
  options: { branch?: string; fetch?: typeof fetch; timeoutMs?: number; role?: 'citizen' | 'counter' } = {},
): Promise<TestKiosk> {
  const branch = options.branch ?? 'CN01';
  const role = options.role ?? 'citizen';
  const { code } = await createEnrolCode(db, branch, role, clock.now());
  const deviceId = randomUUID();
  const idb = new IDBFactory();
  const name = `kiosk-${deviceId}`;
  const plain = createHttpTransport({ baseUrl, token: () => null, fetch: options.fetch, timeoutMs: options.timeoutMs });
  const { token } = await plain.enrol({ code, deviceId, role });
  const kiosk = {} as TestKiosk;
  let serverUrl = baseUrl;
  // The machine's data key (the OS keystore's in Electron): the same across restarts.
  const cipher = await PersonalCipher.fromDataKey(new Uint8Array(randomBytes(32)));
  const wire = () => {
    const dbs = makeKioskDbs(idb, name);
    dbs.db.personal = cipher;
    kiosk.db = dbs.db;
    kiosk.reference = dbs.reference;
    kiosk.transport = createHttpTransport({ baseUrl: serverUrl, token: () => kiosk.token, fetch: options.fetch, timeoutMs: options.timeoutMs });
    const local = dbs.db;
    // A counter uploads its scans (tus) the way the app's sync service wires it.
    const blobs = role === 'counter' ? kioskBlobQueue(local, clock) : undefined;
    kiosk.engine = new SyncEngine({ db: kiosk.db, reference: kiosk.reference, transport: kiosk.transport, branchCode: branch, clock, pullLimit: 7, blobs });
  };
  Object.assign(kiosk, {
    deviceId,
    slot,
    token,
    restart() {
      kiosk.db.close();
      kiosk.reference.close();
      wire();
    },
    moveTo(url: string) {
      serverUrl = url;
      kiosk.restart();
    },
  });
  wire();
  return kiosk;
}

export async function takeTicket(k: TestKiosk, clock: Clock, branch: BranchConfig = seededBranch(), prefix = 'A'): Promise<string> {
  const group = branch.serviceGroups.find((g) => g.prefix === prefix)!;
  const { ticket } = await issueTicket(k.db, { deviceId: k.deviceId, kioskSlot: k.slot, branch, group, priority: false }, clock, nodeRandom);
  return ticket.id;
}

export async function rate(k: TestKiosk, clock: Clock, level: 'satisfied' | 'dissatisfied' = 'satisfied'): Promise<string> {
  const r = await submitRating(
    k.db,
    k.deviceId,
    {
      branchCode: 'CN01',
      ticketId: null,
      dossierCode: null,
      counter: null,
      level,
      reasons: level === 'dissatisfied' ? ['time'] : [],
      comment: '',
      questionnaireId: null,
      questionnaireVersion: null,
    },
    clock,
    nodeRandom,
  );
  return r.rating.id;
}

/** A server with branches CN01/CN02, CN01's configuration published, and a centre admin token. */
export async function startCentre(
  clock: Clock,
  db?: Db,
  options: { blobDir?: string } = {},
): Promise<{ db: Db; app: FastifyInstance; baseUrl: string; adminToken: string; close(): Promise<void> }> {
  const database = db ?? (await openPgliteDb(null));
  await migrate(database);
  await createBranch(database, 'CN01', 'Chi nhánh số 1');
  await createBranch(database, 'CN02', 'Chi nhánh số 2');
  const adminToken = await createAdminToken(database, 'tests', clock.now());
  const app = buildServer({ db: database, clock, version: 'test', blobDir: options.blobDir ?? null });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  await publish(baseUrl, adminToken, 'branch:CN01', [{ entity: 'branchConfig', op: 'put', data: BranchConfig.parse(seededBranch()) }]);
  return {
    db: database,
    app,
    baseUrl,
    adminToken,
    async close() {
      await app.close();
      if (!db) await database.close();
    },
  };
}

export async function publish(baseUrl: string, adminToken: string, scope: string, changes: unknown[]): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/v1/admin/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ scope, changes }),
  });
  return { status: res.status, body: await res.json() };
}

export function procedure(code: string, name: string, active = true) {
  return {
    code,
    name,
    field: 'Hộ tịch',
    level: ['xa'],
    agency: 'Ủy ban nhân dân xã, phường',
    channels: [{ channel: 'in-person', workingDays: 5, timeText: '5 Ngày làm việc', feeVnd: 0, feeText: 'Miễn phí' }],
    documents: [{ id: 'd1', name: 'Tờ khai theo mẫu', originals: 1, copies: 0, optional: false, formTemplate: null }],
    applicants: 'Công dân Việt Nam',
    conditions: '',
    result: 'Giấy chứng nhận',
    legalBasis: ['Luật Hộ tịch 2014'],
    active,
  };
}

/** Resolves with the first sync status of `app` that passes `test` (rejects after `ms`). */
export function untilStatus(app: KioskApp, test: (s: SyncStatus) => boolean, ms = 20_000): Promise<SyncStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sync status never matched')), ms);
    const stop = app.sync.watchStatus((s) => {
      if (test(s)) {
        clearTimeout(timer);
        queueMicrotask(() => stop());
        resolve(s);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Content comparison: a record as the kiosk wrote it and as the centre stored it, in one shape.
// ---------------------------------------------------------------------------------------------

/** JSON with the keys of every object sorted: equal content, equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** SHA-256 of the canonical JSON of a record. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A ticket's content as `ticket.issue@1` carries it, plus the device that sent it. */
export type TicketContent = Omit<Ticket, 'localSeq' | 'status' | 'printStatus' | 'syncedAt'>;
/** A rating's content as `rating.submit@1` carries it, plus the device that sent it. */
export type RatingContent = RatingSubmitArgs & { deviceId: string };
/** A dossier's content as `dossier.submit@1` carries it (the centre keeps only the secret's hash), plus the device. */
export type DossierContent = Omit<DossierSubmitArgs, 'lookupSecret'> & { deviceId: string };

export function ticketContent(t: Ticket): TicketContent {
  return {
    id: t.id,
    branchCode: t.branchCode,
    deviceId: t.deviceId,
    kioskSlot: t.kioskSlot,
    day: t.day,
    groupPrefix: t.groupPrefix,
    number: t.number,
    numeric: t.numeric,
    priority: t.priority,
    issuedAt: t.issuedAt,
  };
}

export function ratingContent(deviceId: string, a: RatingSubmitArgs): RatingContent {
  return { ...a, deviceId };
}

export function dossierContent(deviceId: string, a: DossierSubmitArgs): DossierContent {
  const { lookupSecret: _secret, ...rest } = a;
  return { ...rest, deviceId };
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const bool = (v: unknown): boolean => v === true || v === 't';

/** The tickets the centre stored (all, or those with the given ids), by id. */
export async function storedTickets(db: Db, ids?: readonly string[]): Promise<Map<string, TicketContent>> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, branch_code, device_id, kiosk_slot, day, group_prefix, number, numeric, priority, issued_at FROM tickets
     ${ids ? 'WHERE id = ANY($1::uuid[])' : ''}`,
    ids ? [ids] : [],
  );
  return new Map(
    rows.map((r) => [
      String(r.id),
      {
        id: String(r.id),
        branchCode: String(r.branch_code),
        deviceId: String(r.device_id),
        kioskSlot: num(r.kiosk_slot),
        day: String(r.day),
        groupPrefix: String(r.group_prefix),
        number: String(r.number),
        numeric: num(r.numeric),
        priority: bool(r.priority),
        issuedAt: num(r.issued_at),
      },
    ]),
  );
}

/** The ratings the centre stored (all, or those with the given ids), by id. */
export async function storedRatings(db: Db, ids?: readonly string[]): Promise<Map<string, RatingContent>> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, branch_code, device_id, ticket_id, dossier_code, counter, level, reasons, comment, questionnaire_id, questionnaire_version, submitted_at
     FROM ratings ${ids ? 'WHERE id = ANY($1::uuid[])' : ''}`,
    ids ? [ids] : [],
  );
  return new Map(
    rows.map((r) => [
      String(r.id),
      {
        id: String(r.id),
        branchCode: String(r.branch_code),
        deviceId: String(r.device_id),
        ticketId: r.ticket_id === null ? null : String(r.ticket_id),
        dossierCode: (r.dossier_code as string | null) ?? null,
        counter: (r.counter as string | null) ?? null,
        level: r.level as RatingContent['level'],
        reasons: r.reasons as RatingContent['reasons'],
        comment: String(r.comment),
        questionnaireId: (r.questionnaire_id as string | null) ?? null,
        questionnaireVersion: numOrNull(r.questionnaire_version),
        submittedAt: num(r.submitted_at),
      },
    ]),
  );
}

/** A received dossier as the centre keeps it. */
export interface StoredDossier {
  /** What the counter sent, in the shape it sent it (minus the look-up secret), plus the sending device. */
  readonly content: DossierContent;
  /** Why the code does not fit the branch's published numbering, or null. */
  readonly codeWarning: string | null;
  readonly blobCount: number;
  readonly blobsMissing: number;
  readonly blobsVerified: boolean;
  /** The scans it references (dossier_blobs), sorted. */
  readonly blobs: readonly string[];
  /** Its row in `dossiers` (what the look-up and the branch pull show), if any. */
  readonly status: { status: string; statusAt: number; appointmentDate: string | null; note: string; lookupSecretHash: string } | null;
}

/**
 * The received dossiers the centre stored (all, or those with the given ids), by id. The ONE place
 * these tests read `received_dossiers`: through the server's own decrypting read
 * (personalData.ts), with the keyring every server of this test process uses.
 */
export async function storedDossiers(db: Db, ids?: readonly string[]): Promise<Map<string, StoredDossier>> {
  const rows = await readReceivedDossiers(db, resolveDataProtection(undefined), ids ? { ids } : {});
  const extra = await db.query<Record<string, unknown>>(
    `SELECT r.id, s.status, s.status_at, s.appointment_date AS s_appointment_date, s.note, s.lookup_secret_hash,
       coalesce((SELECT array_agg(b.sha256 ORDER BY b.sha256) FROM dossier_blobs b WHERE b.dossier_id = r.id), '{}') AS blob_refs
     FROM received_dossiers r LEFT JOIN dossiers s ON s.code = r.code
     ${ids ? 'WHERE r.id = ANY($1::uuid[])' : ''}`,
    ids ? [ids] : [],
  );
  const byId = new Map(extra.map((e) => [String(e.id), e]));
  return new Map(
    rows.map((r) => {
      const e = byId.get(String(r.id)) ?? {};
      const content: DossierContent = {
        id: String(r.id),
        code: String(r.code),
        branchCode: String(r.branch_code),
        deviceId: String(r.device_id),
        slot: num(r.slot),
        receivedAt: num(r.received_at),
        procedure: {
          code: String(r.procedure_code),
          name: String(r.procedure_name),
          processingTime: num(r.processing_time),
          unit: r.processing_unit as DossierContent['procedure']['unit'],
        },
        applicant: r.applicant as DossierContent['applicant'],
        documents: r.documents as DossierContent['documents'],
        missing: r.missing as DossierContent['missing'],
        incompleteReason: r.incomplete_reason ?? null,
        sets: num(r.sets),
        appointment:
          r.appointment_kind === 'date'
            ? { kind: 'date', at: num(r.appointment_at), date: String(r.appointment_date), provisional: bool(r.appointment_provisional) }
            : { kind: 'needs-confirmation' },
        resultDelivery: { method: r.result_delivery_method as DossierContent['resultDelivery']['method'], detail: String(r.result_delivery_detail) },
        officerName: String(r.officer_name),
      };
      const stored: StoredDossier = {
        content,
        codeWarning: (r.code_warning as string | null) ?? null,
        blobCount: num(r.blob_count),
        blobsMissing: num(r.blobs_missing),
        blobsVerified: bool(r.blobs_verified),
        blobs: (e.blob_refs as string[] | undefined) ?? [],
        status:
          e.status === null || e.status === undefined
            ? null
            : {
                status: String(e.status),
                statusAt: num(e.status_at),
                appointmentDate: (e.s_appointment_date as string | null) ?? null,
                note: String(e.note),
                lookupSecretHash: String(e.lookup_secret_hash),
              },
      };
      return [content.id, stored];
    }),
  );
}

/** The plaintext of a verified scan as the centre stored it (its own decrypting read), or null when it holds none. */
export async function storedBlobBytes(db: Db, blobDir: string, sha256: string): Promise<Buffer | null> {
  return readBlobBytes(db, blobStorageFromEnv(process.env, blobDir), resolveDataProtection(undefined), sha256);
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DossierReception } from '../shared/branchConfig';
import type { Clock } from '../shared/clock';
import {
  MAX_REUSE_INDEX_ENTRIES,
  REUSE_INDEX_PATH,
  REUSE_PDF_PATH,
  ReuseIndexRequest,
  ReusePdfRequest,
  type ReuseIndexEntry,
  type ReuseIndexResponse,
} from '../shared/reuseIndex';
import { recordAudit } from './audit';
import { requireDevice } from './auth';
import { findBlob, readBlob, type BlobStorage } from './blobStore';
import { publishedBranchConfig } from './changes';
import type { DataProtection } from './dataProtection';
import type { Db } from './db/Db';
import { countAddress } from './lookup';
import type { AuthenticatedDevice } from './records';
import { wireError } from './wireErrors';

/**
 * "Never ask again for a paper the state already holds", across branches (src/shared/reuseIndex.ts):
 * a counter of any branch asks the centre for the papers a citizen gave anywhere, and downloads
 * the one the officer reuses.
 *
 * Guarantees:
 * - Counters only (403 `reuse.role-forbidden` for any other role), on the device token as every
 *   route; each device is limited per minute (429 `reuse.rate-limited`, counted in `rate_limits`,
 *   so replicas count together).
 * - The index is found through the keyed-hash blind index of the ID number (dataProtection.ts):
 *   no other dossier is opened, and no sealed field is decrypted. Each entry carries only the
 *   paper's hash, name, page count and size, and the code and date of its dossier; the papers of
 *   dossiers whose personal data was erased, older than the asking branch's reuse window
 *   (`reception.reuseValidityDays`, else 365 days) or whose scan the centre does not hold are left
 *   out. At most MAX_REUSE_INDEX_ENTRIES, newest first.
 * - A PDF is handed out exactly when its hash is in that citizen's index under that dossier (the
 *   request names the citizen again; the centre keeps no state between the two calls), and only
 *   after the download is recorded in the audit log (`reuse.pdf`, target the source dossier), in
 *   the transaction that makes the asking branch an owner of the scan (blob_owners): it now holds
 *   the bytes, so its kiosk never uploads them again. Anything else is the same 404
 *   (`reuse.not-found`), recorded too.
 * - Every index read is audited per source dossier listed (`reuse.index`); no ID number, name or
 *   other personal field is ever written to the log. The reuse itself is recorded when the new
 *   dossier arrives (`dossier.reuse`, records/dossierSubmit.ts).
 */
export interface ReuseLimits {
  /** Index look-ups per device per minute. */
  readonly indexPerMinute: number;
  /** PDF downloads per device per minute. */
  readonly pdfPerMinute: number;
}

export const DEFAULT_REUSE_LIMITS: ReuseLimits = { indexPerMinute: 30, pdfPerMinute: 120 };
/** Used when the asking branch has published no reception settings. */
export const DEFAULT_REUSE_WINDOW_DAYS = 365;
export const REUSE_ROLES: readonly string[] = ['counter'];

const DAY_MS = 86_400_000;
const WINDOW_MS = 60_000;
/** Document rows read per look-up before de-duplication (a citizen's papers, newest first). */
const MAX_INDEX_ROWS = 1_000;

export interface ReuseRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly protection: DataProtection;
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Where scans are stored; null = the PDF route answers 503 (no blob store mounted). */
  readonly storage: BlobStorage | null;
  readonly limits?: Partial<ReuseLimits>;
}

export function registerReuseRoutes(app: FastifyInstance, options: ReuseRouteOptions): void {
  const { db, clock, protection, storage } = options;
  const limits: ReuseLimits = { ...DEFAULT_REUSE_LIMITS, ...options.limits };

  /** The device when it may use these routes; otherwise the refusal has been sent. */
  async function admit(request: FastifyRequest, reply: FastifyReply, kind: 'index' | 'pdf'): Promise<AuthenticatedDevice | null> {
    const device = requireDevice(request);
    if (!REUSE_ROLES.includes(device.role ?? '')) {
      void reply.code(403).send(wireError('reuse.role-forbidden', `only ${REUSE_ROLES.join(', ')} devices reuse a citizen's papers`));
      return null;
    }
    const max = kind === 'index' ? limits.indexPerMinute : limits.pdfPerMinute;
    const waitMs = await countAddress(db, `reuse-${kind}:${device.deviceId}`, clock.now(), { perAddressMax: max, perAddressWindowMs: WINDOW_MS });
    if (waitMs > 0) {
      request.log.warn({ deviceId: device.deviceId, kind }, 'reuse requests over the limit');
      void reply
        .code(429)
        .header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))))
        .send(wireError('reuse.rate-limited', `at most ${max} requests a minute from one counter; wait and try again`));
      return null;
    }
    return device;
  }

  /** The earliest receipt time whose papers the asking branch may still reuse. */
  async function windowStart(branchCode: string): Promise<number> {
    const config = await publishedBranchConfig(db, branchCode);
    const reception = DossierReception.safeParse(config?.reception);
    const days = reception.success ? reception.data.reuseValidityDays : DEFAULT_REUSE_WINDOW_DAYS;
    return clock.now() - days * DAY_MS;
  }

  app.post(REUSE_INDEX_PATH, { onRequest: options.authenticate }, async (request, reply) => {
    const device = await admit(request, reply, 'index');
    if (!device) return reply;
    const parsed = ReuseIndexRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('reuse.bad-request', 'expected {"idNumber": an ID number}'));
    const rows = await db.query<{ code: string; received_at: unknown; doc: { sha256?: unknown; name?: unknown; pages?: unknown; size?: unknown } }>(
      `SELECT r.code, r.received_at, d.doc FROM received_dossiers r CROSS JOIN LATERAL jsonb_array_elements(r.documents) AS d(doc)
       WHERE r.id_number_index = $1 AND r.personal_erased_at IS NULL AND r.received_at >= $2
         AND EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = d.doc->>'sha256')
       ORDER BY r.received_at DESC, r.code LIMIT $3`,
      [protection.blindIndex(parsed.data.idNumber), await windowStart(device.branchCode), MAX_INDEX_ROWS],
    );
    const seen = new Set<string>();
    const entries: ReuseIndexEntry[] = [];
    let truncated = rows.length >= MAX_INDEX_ROWS;
    for (const r of rows) {
      const sha256 = String(r.doc.sha256);
      if (seen.has(sha256)) continue;
      seen.add(sha256);
      if (entries.length === MAX_REUSE_INDEX_ENTRIES) {
        truncated = true;
        break;
      }
      entries.push({
        sha256,
        name: String(r.doc.name),
        dossierCode: r.code,
        receivedAt: Number(r.received_at),
        pages: Number(r.doc.pages),
        size: Number(r.doc.size),
      });
    }
    const sources = [...new Set(entries.map((e) => e.dossierCode))];
    const now = clock.now();
    await db.transaction(async (tx) => {
      const base = { actorKind: 'device' as const, actorId: device.deviceId, branchCode: device.branchCode, action: 'reuse.index', at: now };
      if (sources.length === 0) await recordAudit(tx, { ...base, target: null, outcome: 'none', detail: 'no paper to offer' });
      for (const code of sources) {
        const count = entries.filter((e) => e.dossierCode === code).length;
        await recordAudit(tx, { ...base, target: code, outcome: 'found', detail: `${count} paper(s) offered for reuse` });
      }
    });
    request.log.info({ deviceId: device.deviceId, entries: entries.length, truncated }, 'reuse index');
    const body: ReuseIndexResponse = { entries, truncated };
    return reply.code(200).header('cache-control', 'no-store').send(body);
  });

  app.post(REUSE_PDF_PATH, { onRequest: options.authenticate }, async (request, reply) => {
    const device = await admit(request, reply, 'pdf');
    if (!device) return reply;
    const parsed = ReusePdfRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('reuse.bad-request', 'expected {"idNumber", "sha256", "dossierCode"}'));
    if (!storage) return reply.code(503).send(wireError('server.unavailable', 'this server stores no scans'));
    const { idNumber, sha256, dossierCode } = parsed.data;
    const listed = await db.query(
      `SELECT 1 FROM received_dossiers r
       WHERE r.code = $1 AND r.id_number_index = $2 AND r.personal_erased_at IS NULL AND r.received_at >= $3
         AND r.documents @> jsonb_build_array(jsonb_build_object('sha256', $4::text))`,
      [dossierCode, protection.blindIndex(idNumber), await windowStart(device.branchCode), sha256],
    );
    const blob = listed.length > 0 ? await findBlob(db, sha256) : null;
    const now = clock.now();
    const entry = { actorKind: 'device' as const, actorId: device.deviceId, branchCode: device.branchCode, action: 'reuse.pdf', target: dossierCode, at: now };
    if (!blob) {
      await recordAudit(db, { ...entry, outcome: 'not-found', detail: `scan ${sha256.slice(0, 12)} not in this citizen's index` });
      return reply.code(404).send(wireError('reuse.not-found', "no such paper in this citizen's index"));
    }
    // Recorded, and the branch made an owner of the bytes it receives, before a byte leaves.
    await db.transaction(async (tx) => {
      await recordAudit(tx, { ...entry, outcome: 'ok', detail: `scan ${sha256.slice(0, 12)} downloaded for reuse` });
      await tx.query(
        `INSERT INTO blob_owners (sha256, branch_code, device_id, verified_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256, branch_code) DO NOTHING`,
        [sha256, device.branchCode, device.deviceId, now],
      );
    });
    request.log.info({ deviceId: device.deviceId, size: blob.size }, 'reuse pdf');
    const stream = await readBlob(storage, protection, blob);
    return reply
      .code(200)
      .header('content-type', 'application/pdf')
      .header('content-length', String(blob.size))
      .header('cache-control', 'no-store')
      .send(stream);
  });
}

/**
 * What sealing personal data at rest costs the centre (issue 11, item 5): "receive a 20-page
 * dossier, encrypted vs not". Run: `npx tsx scripts/bench/privacy.bench.ts`.
 * - One round = what a counter sends for one dossier: 20 page scans of 300 kB (a scanned A4 page
 *   as a compressed JPEG in a PDF), each over tus (create, PATCH, SHA-256 check, row), then the
 *   `dossier.submit@1` push that references them, all over real HTTP to a real server (in-memory
 *   PGlite, temporary blob folder).
 * - encrypted: the centre as it runs (dataProtection.ts): each scan sealed into its own file under
 *   its own data key once verified, the applicant sealed in the push's transaction.
 * - not encrypted: the same server with unencryptedForBenchmarkOnly() (the baseline only: no
 *   configuration reaches it) — scans renamed into place, the applicant in plaintext columns.
 * - The two servers run interleaved round by round (this machine is shared, so both see the same
 *   load), after warm-up rounds; medians and p95 per round, and the ratio of the medians.
 * - For scale: AES-256-GCM sealing of the same 20 scans alone, in memory. Most of the difference
 *   is not the cipher but writing a second file and fsyncing it before the `blobs` row commits
 *   (the kiosk may delete its copy once the centre confirms); the baseline renames the upload.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createBranch, createEnrolCode } from '../../src/server/admin';
import { buildServer } from '../../src/server/app';
import { sealBlobStream } from '../../src/server/blobCipher';
import { ephemeralDataProtection, unencryptedForBenchmarkOnly, type DataProtection } from '../../src/server/dataProtection';
import type { Db } from '../../src/server/db/Db';
import { migrate } from '../../src/server/db/migrate';
import { openPgliteDb } from '../../src/server/db/pgliteDb';
import { EnrolResponse, PushResponse, SYNC_PROTOCOL_VERSION } from '../../src/shared/sync';
import { type DossierSubmitArgs } from '../../src/shared/records';
import { uploadBlobWithTus } from '../../src/sync/tusUpload';
import { recordFigure } from './figures';
import { percentile, round } from './stats';

const PAGES = 20;
const PAGE_BYTES = 300_000;
const ROUNDS = 12;
const WARM_ROUNDS = 2;

export interface PrivacyBenchResult {
  readonly pages: number;
  readonly pageBytes: number;
  readonly rounds: number;
  readonly encrypted: { readonly medianMs: number; readonly p95Ms: number };
  readonly plain: { readonly medianMs: number; readonly p95Ms: number };
  /** encrypted ÷ not encrypted, medians. */
  readonly ratio: number;
  /** Sealing the 20 scans alone (AES-256-GCM segments, in memory), median ms. */
  readonly sealOnlyMs: number;
}

interface Centre {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly dir: string;
  readonly base: string;
  readonly token: string;
  readonly journal: string;
  seq: number;
}

async function startCentre(protection: DataProtection): Promise<Centre> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hpasc-privacy-bench-'));
  const db = await openPgliteDb(null);
  await migrate(db);
  await createBranch(db, 'CN01', 'Chi nhánh số 1');
  const app = buildServer({ db, blobDir: path.join(dir, 'blobs'), dataProtection: protection });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const { code } = await createEnrolCode(db, 'CN01', 'counter', Date.now());
  const res = await fetch(`${base}/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, deviceId: randomUUID(), role: 'counter' }),
  });
  const { token } = EnrolResponse.parse(await res.json());
  return { app, db, dir, base, token, journal: randomUUID(), seq: 0 };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
let codeCounter = 0;

function dossier(pages: readonly Uint8Array[]): DossierSubmitArgs {
  return {
    id: randomUUID(),
    code: `000.21.01.H26-261124-${String(++codeCounter).padStart(4, '0')}`,
    branchCode: 'CN01',
    slot: 0,
    receivedAt: Date.now(),
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: {
      idNumber: '001090012345',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: '1990-02-01',
      gender: 'male',
      address: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội',
      phone: '0912345678',
      email: '',
      fromCard: true,
    },
    documents: pages.map((bytes, i) => ({
      documentId: `trang-${i + 1}`,
      name: `Trang ${i + 1}`,
      originals: 1,
      copies: 0,
      sha256: sha256(bytes),
      size: bytes.length,
      pages: 1,
      reusedFrom: null,
    })),
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'date', at: Date.UTC(2026, 11, 1, 2, 0, 0), date: '2026-12-01', provisional: false },
    resultDelivery: { method: 'post', detail: 'Số 1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội' },
    lookupSecret: 'K7P4X9QM',
    officerName: 'Trần Thị Bình',
  };
}

/** One dossier received: its scans over tus one after another (as the kiosk sends them), then the push. */
async function receive(c: Centre, pages: readonly Uint8Array<ArrayBuffer>[]): Promise<number> {
  const t = performance.now();
  for (const bytes of pages) {
    await uploadBlobWithTus({
      baseUrl: c.base,
      token: c.token,
      blob: { sha256: sha256(bytes), size: bytes.length, mimeType: 'application/pdf', data: new Blob([bytes]), uploadUrl: null },
      hooks: { onUploadUrl: () => undefined },
    });
  }
  const args = dossier(pages);
  const res = await fetch(`${c.base}/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
    body: JSON.stringify({
      protocolVersion: SYNC_PROTOCOL_VERSION,
      journalId: c.journal,
      mutations: [{ mutationId: randomUUID(), deviceSeq: ++c.seq, name: 'dossier.submit@1', args, schemaVersion: 1, createdAt: Date.now() }],
    }),
  });
  const body = PushResponse.parse(await res.json());
  if (body.results[0]?.status !== 'applied') throw new Error(`push not applied: ${JSON.stringify(body.results[0])}`);
  return performance.now() - t;
}

const newPages = () => Array.from({ length: PAGES }, () => new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(PAGE_BYTES - 9)])));

export async function runPrivacyBench(): Promise<PrivacyBenchResult> {
  const encrypted = await startCentre(ephemeralDataProtection());
  const plain = await startCentre(unencryptedForBenchmarkOnly());
  try {
    for (let i = 0; i < WARM_ROUNDS; i++) {
      await receive(encrypted, newPages());
      await receive(plain, newPages());
    }
    const times = { encrypted: [] as number[], plain: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      // Fresh scans per round and server (content-addressed: a repeat would be skipped); the order alternates.
      const first = i % 2 === 0 ? encrypted : plain;
      const second = first === encrypted ? plain : encrypted;
      for (const c of [first, second]) (c === encrypted ? times.encrypted : times.plain).push(await receive(c, newPages()));
    }
    const seal: number[] = [];
    const dek = randomBytes(32);
    for (let i = 0; i < ROUNDS; i++) {
      const pages = newPages();
      const t = performance.now();
      for (const page of pages) for await (const chunk of sealBlobStream(dek, [Buffer.from(page)])) void chunk;
      seal.push(performance.now() - t);
    }
    const stats = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return { medianMs: round(percentile(sorted, 50), 1), p95Ms: round(percentile(sorted, 95), 1) };
    };
    const e = stats(times.encrypted);
    const p = stats(times.plain);
    return {
      pages: PAGES,
      pageBytes: PAGE_BYTES,
      rounds: ROUNDS,
      encrypted: e,
      plain: p,
      ratio: round(e.medianMs / p.medianMs),
      sealOnlyMs: stats(seal).medianMs,
    };
  } finally {
    for (const c of [encrypted, plain]) {
      await c.app.close();
      await c.db.close();
      await rm(c.dir, { recursive: true, force: true });
    }
  }
}

export function printPrivacyBench(r: PrivacyBenchResult): void {
  const what = `${r.pages} scans × ${r.pageBytes / 1000} kB over tus + the dossier push, per dossier, ${r.rounds} rounds each`;
  console.log(`encrypted      median ${r.encrypted.medianMs} ms, p95 ${r.encrypted.p95Ms} ms (${what})`);
  console.log(`not encrypted  median ${r.plain.medianMs} ms, p95 ${r.plain.p95Ms} ms (same server, unencryptedForBenchmarkOnly)`);
  console.log(`ratio          encrypted/not ${r.ratio}× (medians); sealing the ${r.pages} scans alone: ${r.sealOnlyMs} ms`);
  console.log('               (the sealed path also fsyncs each scan before its row commits; the baseline renames the tus file into place)');
  recordFigure({
    figure: `centre receives a ${r.pages}-page dossier, sealed at rest`,
    measured: `median ${r.encrypted.medianMs} ms (${r.ratio}× not sealed)`,
    target: '—',
    pass: null,
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printPrivacyBench(await runPrivacyBench());
}

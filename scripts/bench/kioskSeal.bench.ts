/**
 * Personal data at rest on the kiosk (issue 11 item 5): what sealing a received dossier costs the
 * counter. A 20-page dossier as the counter stores it — 20 document PDFs of ≈ 250 KB (the capture's
 * JPEG target per page) and the dossier's arguments — sealed with AES-256-GCM (src/storage/
 * personalCipher.ts, WebCrypto) and opened again, against its peer in the same run: the SHA-256 the
 * kiosk already computes over the same bytes before storing them. Node's WebCrypto (OpenSSL) stands
 * in for Chromium's (BoringSSL); both use AES-NI where the CPU has it.
 * Run alone: `BENCH_ONLY=seal npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import { PersonalCipher } from '../../src/storage/personalCipher';
import { recordFigure } from './figures';
import { percentile, round } from './stats';

const PAGES = 20;
const PAGE_BYTES = 250 * 1024;
const ROUNDS = 30;

export interface KioskSealBench {
  readonly bytes: number;
  readonly sha256P50Ms: number;
  readonly sealP50Ms: number;
  readonly openP50Ms: number;
  readonly argsSealP50Ms: number;
  readonly blindIndexP50Ms: number;
}

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export async function runKioskSealBench(): Promise<KioskSealBench> {
  const cipher = await PersonalCipher.fromDataKey(new Uint8Array(randomBytes(32)));
  const pages = Array.from({ length: PAGES }, () => new Blob([new Uint8Array(randomBytes(PAGE_BYTES))], { type: 'application/pdf' }));
  const hashes = pages.map((_, i) => i.toString(16).padStart(64, '0'));
  const args = {
    applicant: { idNumber: '001095012345', fullName: 'Nguyễn Thị Thu Hằng', address: 'Số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm', phone: '0912345678' },
    documents: hashes.map((sha256, i) => ({ documentId: `doc-${i}`, name: `Giấy tờ số ${i + 1}`, sha256, size: PAGE_BYTES, pages: 1 })),
    lookupSecret: 'K7M4P2XQ',
  };
  // Warm-up, then measured rounds.
  const sealed = await Promise.all(pages.map((p, i) => cipher.sealBlob(p, hashes[i]!)));
  const sha = await timed(async () => {
    for (const p of pages) await crypto.subtle.digest('SHA-256', await p.arrayBuffer());
  });
  const seal = await timed(async () => {
    for (const [i, p] of pages.entries()) await cipher.sealBlob(p, hashes[i]!);
  });
  const open = await timed(async () => {
    for (const [i, s] of sealed.entries()) await cipher.openBlob(s, hashes[i]!, 'application/pdf');
  });
  const argsSeal = await timed(() => cipher.sealJson(args, 'dossier.submit@1'));
  const blind = await timed(() => cipher.blindIndex('001095012345'));
  return {
    bytes: PAGES * PAGE_BYTES,
    sha256P50Ms: percentile(sha, 50),
    sealP50Ms: percentile(seal, 50),
    openP50Ms: percentile(open, 50),
    argsSealP50Ms: percentile(argsSeal, 50),
    blindIndexP50Ms: percentile(blind, 50),
  };
}

export function printKioskSealBench(r: KioskSealBench): void {
  const mb = r.bytes / 1024 / 1024;
  console.log(`  ${PAGES} pages, ${round(mb, 1)} MB, median of ${ROUNDS} rounds`);
  console.log(`  SHA-256 of the pages (already done before storing): ${round(r.sha256P50Ms)} ms`);
  console.log(
    `  seal the pages (AES-256-GCM):                        ${round(r.sealP50Ms)} ms  (${round(r.sealP50Ms / r.sha256P50Ms)}× the SHA-256, ${round(mb / (r.sealP50Ms / 1000), 0)} MB/s)`,
  );
  console.log(`  open them again (reprint, upload):                   ${round(r.openP50Ms)} ms`);
  console.log(`  seal the dossier's arguments: ${round(r.argsSealP50Ms, 3)} ms; blind index of the ID number: ${round(r.blindIndexP50Ms, 3)} ms`);
  recordFigure({
    figure: `kiosk seals a ${PAGES}-page dossier (AES-256-GCM)`,
    measured: `${round(r.sealP50Ms)} ms (${round(r.sealP50Ms / r.sha256P50Ms)}× its SHA-256)`,
    target: '—',
    pass: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) printKioskSealBench(await runKioskSealBench());

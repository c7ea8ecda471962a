/**
 * `npm run bench`: every benchmark the issues ask for, each against its peer or baseline in the
 * same run, printing figures, ratios and PASS/MISS against the targets. Not a test: nothing fails
 * on a slow machine; the figures are for people. It ends with the table of every figure of the run
 * (figures.ts), also written to bench-results/figures.md for the README.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { printBlobBench, runBlobBench } from './blobs.bench';
import { printBrowserBench, runBrowserBench } from './browser.bench';
import { printCitizenBench, runCitizenBench } from './citizen.bench';
import { printDrainBench, runDrainBench } from './drain.bench';
import { printFiguresOfRun, skippable } from './figures';
import { printHubBench, runHubBench } from './hub.bench';
import { printIngestBench, runIngestBench } from './ingest.bench';
import { printKioskSealBench, runKioskSealBench } from './kioskSeal.bench';
import { printLinkBench, runLinkBench } from './link.bench';
import { printLookupPageBench, runLookupPageBench } from './lookupPage.bench';
import { printPinBench, runPinBench } from './pin.bench';
import { printPrivacyBench, runPrivacyBench } from './privacy.bench';
import { printQueueBench, runQueueBench } from './queue.bench';
import { printQrBench, runQrBench } from './qr.bench';
import { printReceiptBench, runReceiptBench } from './receipt.bench';
import { printScanToPdfBench, runScanToPdfBench } from './scanToPdf.bench';
import { printSearchBench, runSearchBench } from './search.bench';
import { printTicketPdfBench, runTicketPdfBench } from './ticketPdf.bench';

const started = { date: new Date(), load: loadavg() };
console.log(`HPASC kiosk benchmarks — ${started.date.toISOString()}`);
console.log(
  `machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}, load ${started.load.map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`,
);

/** BENCH_ONLY=drain,ingest (or `-- drain ingest`) runs only those benches: pdf (Node and Chromium), drain, ingest, blobs, link, privacy, seal, search, receipt, qr, scan, pin, lookup, queue, hub, citizen. */
const only = (process.env.BENCH_ONLY ?? process.argv.slice(2).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const wants = (name: string): boolean => only.length === 0 || only.includes(name);

if (wants('pdf')) {
  console.log('\nTicket PDF (node, pdf-lib + fontkit): subset font vs full font');
  const pdf = await runTicketPdfBench();
  printTicketPdfBench(pdf);
  await skippable('web kiosk in Chromium', async () => printBrowserBench(await runBrowserBench(), pdf.subset.p95Ms));
}
if (wants('drain')) {
  console.log('\nSync drain: 10,000 offline tickets, SyncEngine → server on PGlite on disk and on durable PostgreSQL, vs PouchDB replicate → express-pouchdb');
  printDrainBench(await runDrainBench());
}
if (wants('ingest')) {
  console.log('\nServer ingest: 20 kiosks pushing concurrently over HTTP, PostgreSQL (PGlite for comparison)');
  printIngestBench(await runIngestBench());
}
if (wants('blobs')) {
  console.log('\nBlobs: 100 × 2 MB scans over tus to the server (PGlite, disk) vs one plain PUT per file; resume after a cut');
  printBlobBench(await runBlobBench());
}
if (wants('link')) {
  console.log(
    "\nSync over a branch link: a counter's 20-page dossier (≈ 4.5 MB) + 100 records to the centre through 20 Mbit/s, 40 ms RTT, vs line rate; again with a cut every 2 MB",
  );
  printLinkBench(await runLinkBench());
}
if (wants('privacy')) {
  console.log('\nCentre: receive a 20-page dossier (20 scans over tus + the push), personal data and scans sealed at rest vs not');
  printPrivacyBench(await runPrivacyBench());
}
if (wants('seal')) {
  console.log('\nKiosk: seal a received 20-page dossier at rest (AES-256-GCM, WebCrypto) vs the SHA-256 the kiosk already computes over the same bytes');
  printKioskSealBench(await runKioskSealBench());
}
if (wants('search')) {
  console.log(
    '\nProcedure search: inverted index with the seeded synonyms (src/app/catalogSearch) vs a substring scan of normalised names, 1,700 and 100,000 procedures',
  );
  printSearchBench(runSearchBench());
}
if (wants('qr')) {
  console.log('\nQR codes of citizen ID cards (node): zxing-wasm vs @zxing/library on the same camera-like frames, 640×480 and 1280×720');
  printQrBench(await runQrBench());
}
if (wants('receipt')) {
  console.log('\nDossier receipt PDF (node, A4, two copies) vs ticket PDF');
  printReceiptBench(await runReceiptBench());
}
if (wants('scan')) {
  console.log(
    '\nDocument capture (Chromium): A4 pages at 200 dpi → gray/colour JPEG or bilevel G4 → PDF → IndexedDB; the worker pool fed like a scanner: pages/s, wait after the last page',
  );
  await skippable('document capture in Chromium', async () => printScanToPdfBench(await runScanToPdfBench()));
}

if (wants('queue')) {
  console.log(
    '\nCalling the queue: the queue owner on PGlite in a folder (a hub) while 4 counters call, serve and finish and 2 kiosks issue; a board on the SSE pokes',
  );
  printQueueBench(await runQueueBench());
}
if (wants('hub')) {
  console.log(
    '\nBranch hub: records and a dossier relayed kiosk → hub → centre vs kiosk → centre, on loopback and over 20 Mbit/s, 40 ms RTT; a busy day (1,500 tickets, 600 dossiers, 20 machines) on the hub: CPU, RSS',
  );
  printHubBench(await runHubBench());
}
if (wants('lookup')) {
  console.log("\nThe centre's dossier look-up page for phones: first load, and a look-up answered over loopback vs GET /health");
  printLookupPageBench(await runLookupPageBench());
}

if (wants('citizen')) {
  console.log(
    "\nCitizen kiosk (Chromium, 1,700 procedures): tap → next screen vs the frame floor, on-screen key → search results vs the key's echo, renderer heap over visits with idle resets",
  );
  await skippable('citizen kiosk in Chromium', async () => printCitizenBench(await runCitizenBench()));
}
if (wants('pin')) {
  console.log('\nOfficer sign-in: PIN check against its PBKDF2 verifier in Chromium (the counter) and Node, vs 210k iterations and one SHA-256');
  await skippable('PIN check in Chromium', async () => printPinBench(await runPinBench()));
}

printFiguresOfRun(started, only);

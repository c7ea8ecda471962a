/**
 * `npm run bench`: every benchmark the issues ask for, each against its peer or baseline in the
 * same run, printing figures, ratios and PASS/MISS against the targets. Not a test: nothing fails
 * on a slow machine; the figures are for people.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { printBrowserBench, runBrowserBench } from './browser.bench';
import { printTicketPdfBench, runTicketPdfBench } from './ticketPdf.bench';

console.log(`HPASC kiosk benchmarks — ${new Date().toISOString()}`);
console.log(
  `machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}`,
);

console.log('\nTicket PDF (node, pdf-lib + fontkit): subset font vs full font');
const pdf = await runTicketPdfBench();
printTicketPdfBench(pdf);
const browser = await runBrowserBench();
printBrowserBench(browser, pdf.subset.p95Ms);

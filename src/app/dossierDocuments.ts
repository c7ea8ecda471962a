import { assembleDocumentPdf } from '../scan/pages';
import { AppFailure, describeUnknown, err, ok, type Result } from '../shared/result';
import { MAX_BLOB_BYTES } from '../shared/sync';
import { type DossierDocumentArgs } from '../shared/records';
import { sha256OfBlob } from '../storage/blobRepository';
import type { NewDocumentPdf } from '../storage/dossierRepository';
import type { DraftDocument } from './dossierTypes';

/**
 * A dossier's papers from what the officer captured: each one either reused by hash from an earlier
 * dossier, or its captured pages assembled into one PDF and hashed — here, once, at submit.
 *
 * Guarantees:
 * - `checkDocuments` runs before any PDF is made: a reused paper must be one of `reusable` (this
 *   applicant's, given here or listed by the centre, still valid), and a centre paper must have
 *   been downloaded; a captured one needs at least one page.
 * - `assembleDocuments` makes one PDF per paper, pages in order, titled with the paper's name
 *   (never personal data) and dated `createdAt` (the receipt time, from the clock port); each PDF
 *   is hashed once, and the hash is both its storage key and what the dossier references.
 * - A reused paper is referenced, never stored again; one downloaded from the centre is stored with
 *   the dossier (the centre already holds it, so it is not uploaded). A paper set to reuse ignores
 *   its pages.
 */

export interface AssembledDocuments {
  readonly documents: readonly DossierDocumentArgs[];
  /** The new PDFs to store with the dossier (reused papers are already stored). */
  readonly pdfs: readonly NewDocumentPdf[];
}

export function checkDocuments(drafts: readonly DraftDocument[], reusable: ReadonlySet<string>): Result<void> {
  for (const d of drafts) {
    if (d.reuse) {
      if (!reusable.has(d.reuse.sha256)) {
        return err('dossier.reuse-not-allowed', `document ${d.documentId}: the reused PDF is not one this applicant gave`);
      }
      if (d.reuse.source === 'centre' && !d.reuse.pdf) {
        return err('dossier.reuse-not-fetched', `document ${d.documentId}: the reused PDF was not downloaded from the centre`);
      }
    } else if (d.pages.length === 0) {
      return err('dossier.document-empty', `document ${d.documentId} has no pages; capture it or remove it`);
    }
  }
  return ok(undefined);
}

export async function assembleDocuments(drafts: readonly DraftDocument[], createdAt: number): Promise<Result<AssembledDocuments>> {
  const documents: DossierDocumentArgs[] = [];
  const pdfs: NewDocumentPdf[] = [];
  for (const d of drafts) {
    const base = { documentId: d.documentId, name: d.name, originals: d.originals, copies: d.copies };
    if (d.reuse) {
      documents.push({ ...base, sha256: d.reuse.sha256, size: d.reuse.size, pages: d.reuse.pages, reusedFrom: d.reuse.dossierCode });
      if (d.reuse.pdf && !pdfs.some((p) => p.sha256 === d.reuse!.sha256)) pdfs.push({ sha256: d.reuse.sha256, data: d.reuse.pdf });
      continue;
    }
    const pdf = await documentPdf(d, createdAt);
    if (!pdf.ok) return pdf;
    if (pdf.value.size > MAX_BLOB_BYTES) return err('dossier.document-too-large', `document ${d.documentId} has ${pdf.value.size} bytes`);
    const sha256 = await sha256OfBlob(pdf.value);
    pdfs.push({ sha256, data: pdf.value });
    documents.push({ ...base, sha256, size: pdf.value.size, pages: d.pages.length, reusedFrom: null });
  }
  return ok({ documents, pdfs });
}

async function documentPdf(d: DraftDocument, createdAt: number): Promise<Result<Blob>> {
  try {
    const bytes = await assembleDocumentPdf(d.pages, { title: d.name, createdAt });
    return ok(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }));
  } catch (e) {
    if (e instanceof AppFailure) return err(e.code, e.message);
    return err('scan.file-unreadable', `assembling the document PDF failed: ${describeUnknown(e)}`.slice(0, 300));
  }
}

import { z } from 'zod';
import { ID_NUMBER_PATTERN } from './idNumber';
import { DossierCode } from './published';
import { EpochMs, Sha256Hex } from './wireTypes';

/**
 * Reusing a paper the citizen gave at any counter of any branch (src/server/reuse.ts), counters only:
 *
 * - `POST /v1/reuse/index {idNumber}` → the citizen's document index at the centre: per distinct
 *   PDF its hash, the paper's name, the date and code of the dossier it came with, and its page
 *   count and size (needed to reference it in a new dossier). Nothing else about the citizen or the
 *   dossier travels; the ID number is looked up through the centre's keyed-hash index.
 * - `POST /v1/reuse/pdf {idNumber, sha256, dossierCode}` → the PDF's bytes, only when that hash is
 *   in that citizen's index under that dossier; every download is recorded in the centre's audit log.
 */
export const REUSE_INDEX_PATH = '/v1/reuse/index';
export const REUSE_PDF_PATH = '/v1/reuse/pdf';

/** Entries per answer, newest first: far more papers than one citizen brings within a reuse window. */
export const MAX_REUSE_INDEX_ENTRIES = 200;

export const ReuseIndexRequest = z.object({ idNumber: z.string().regex(ID_NUMBER_PATTERN) }).strict();
export type ReuseIndexRequest = z.infer<typeof ReuseIndexRequest>;

export const ReuseIndexEntry = z
  .object({
    sha256: Sha256Hex,
    /** The paper's name as the dossier listed it (a catalog name, not personal data). */
    name: z.string().min(1).max(2000),
    /** The dossier the paper came with, and when it was received (the counter's clock). */
    dossierCode: DossierCode,
    receivedAt: EpochMs,
    pages: z.number().int().min(1).max(1000),
    size: z
      .number()
      .int()
      .min(1)
      .max(200 * 1024 * 1024),
  })
  .strict();
export type ReuseIndexEntry = z.infer<typeof ReuseIndexEntry>;

export const ReuseIndexResponse = z
  .object({
    entries: z.array(ReuseIndexEntry).max(MAX_REUSE_INDEX_ENTRIES),
    /** True when the citizen has more papers than one answer holds (the newest were sent). */
    truncated: z.boolean(),
  })
  .strict();
export type ReuseIndexResponse = z.infer<typeof ReuseIndexResponse>;

export const ReusePdfRequest = z
  .object({
    idNumber: z.string().regex(ID_NUMBER_PATTERN),
    sha256: Sha256Hex,
    /** The dossier the index listed the paper under. */
    dossierCode: DossierCode,
  })
  .strict();
export type ReusePdfRequest = z.infer<typeof ReusePdfRequest>;

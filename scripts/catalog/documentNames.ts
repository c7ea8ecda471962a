/**
 * Splits a portal document text into what a counter lists and prints (a short name) and the rest
 * (notes), and tells information the office looks up itself from a paper the citizen hands in.
 *
 * The national portal puts legal notes into the document list: 1.004222's "Thông tin chứng minh …
 * được khai thác trong căn cước điện tử … Cơ sở dữ liệu quốc gia về dân cư …" is ~1,000 characters
 * about data the office reads from the national databases, listed as "1 Bản chính". Rules, in order:
 * - "Thông tin chứng minh … được khai thác trong …" (or "… trong Cơ sở dữ liệu …"): looked up by the
 *   office, not a paper; the name is the text before "được khai thác" / "trong Cơ sở dữ liệu";
 * - a text of at most DOCUMENT_NAME_SHORT characters is its own name, without notes;
 * - otherwise the first sentence (up to ". " or "; " before a capital, a bullet or a bracket), if it
 *   is short enough;
 * - otherwise the longest prefix up to a clause boundary (", ", " (", ": ", " hoặc ", " và ", " – ")
 *   within the limit, or else up to a space, ending with "…".
 * The whole portal text is kept as `notes` whenever the name is not all of it: nothing is lost.
 * Deterministic and idempotent: splitting an already split document gives the same result.
 */

/** Longest document name the seed catalog lists (a receipt's name column fits ~3 lines of it). */
export const DOCUMENT_NAME_SHORT = 120;

export interface SplitDocumentName {
  readonly name: string;
  /** The portal's full text when the name is shorter; null when the name is all of it. */
  readonly notes: string | null;
  /** Information the office looks up (national databases), not a paper the citizen hands in. */
  readonly lookedUp: boolean;
}

/**
 * "Thông tin chứng minh … được khai thác trong …" / "… trong Cơ sở dữ liệu quốc gia …": data the
 * office reads from the national databases. ("Thông tin về Quyết định … để cơ quan … tra cứu" is
 * information the applicant gives, so it stays a document.)
 */
const LOOKED_UP = /^thông tin chứng minh\b.*?(?:\skhai thác\s+(?:trong|từ|tại|qua)\b|\strong cơ sở dữ liệu\b)/iu;
const LOOKED_UP_CUT = /\s(?:được\s+)?khai thác\s+(?:trong|từ|tại|qua)\b|\s(?:của công dân\s+)?trong cơ sở dữ liệu\b/iu;
/** A sentence end: "." or ";" followed by a capital, a bullet, a number or a bracket. */
const SENTENCE_END = /[.;](?=\s+(?:[A-ZĐÀ-ỸẠ-Ỹ(+\-–]|\d))/gu;
const CLAUSE_BOUNDARIES = [', ', ' (', ': ', ' hoặc ', ' và ', ' – ', ' - '];

export function splitDocumentName(text: string, max = DOCUMENT_NAME_SHORT): SplitDocumentName {
  const full = text.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (LOOKED_UP.test(full)) {
    const cut = LOOKED_UP_CUT.exec(full);
    const head = cut ? full.slice(0, cut.index).trim() : full;
    return { name: shorten(head, max), notes: full, lookedUp: true };
  }
  if (full.length <= max) return { name: full, notes: null, lookedUp: false };
  return { name: shorten(full, max), notes: full, lookedUp: false };
}

/** At most `max` characters: the first sentence, a clause prefix, or a word prefix with "…". */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  for (const m of text.matchAll(SENTENCE_END)) {
    if (m.index < 20) continue;
    if (m.index <= max) return text.slice(0, m.index).trim();
    break;
  }
  const room = max - 1; // the ellipsis
  let best = -1;
  for (const b of CLAUSE_BOUNDARIES) {
    const at = text.lastIndexOf(b, room - b.length + 1);
    if (at >= 40) best = Math.max(best, at);
  }
  if (best < 0) best = text.lastIndexOf(' ', room);
  if (best <= 0) best = room;
  let head = text.slice(0, best);
  // Never leave a bracket open: "… (01 bản chính…" ends before the bracket instead.
  if ((head.match(/\(/g) ?? []).length > (head.match(/\)/g) ?? []).length) head = head.slice(0, head.lastIndexOf('('));
  return `${head.replace(/[\s,;:(–-]+$/u, '').trim()}…`;
}

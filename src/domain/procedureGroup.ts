import type { ServiceGroup } from '../shared/branchConfig';
import { normalizeForSearch } from './normalizeText';

/**
 * Which service group a citizen takes a ticket for, for a procedure of the catalog. The catalog has
 * no group (the national database knows fields, lĩnh vực, not a branch's queues) and a branch
 * names its groups itself, so the rule reads the branch configuration the centre publishes:
 *
 * 1. a group that lists the procedure's field in `fields` (compared without diacritics or case);
 * 2. else a group whose name holds, as whole words, one of its comma-separated parts ("Hộ tịch,
 *    chứng thực" → "hộ tịch", "chứng thực"; "Đất đai, nhà ở, xây dựng" → … "xây dựng" matches
 *    the field "Hoạt động xây dựng") — so a configuration without `fields` still routes the
 *    common fields;
 * 3. else none: the kiosk says to ask at the information desk instead of guessing a queue.
 *
 * Only active groups are considered, in the configuration's order (the first match wins).
 */
export function serviceGroupFor(field: string, groups: readonly ServiceGroup[]): ServiceGroup | null {
  const active = groups.filter((g) => g.active);
  const wanted = words(field);
  const listed = active.find((g) => (g.fields ?? []).some((f) => words(f) === wanted));
  if (listed) return listed;
  const padded = ` ${wanted} `;
  return active.find((g) => g.name.vi.split(/[,;]/u).some((part) => words(part) !== '' && padded.includes(` ${words(part)} `))) ?? null;
}

/** Search form, punctuation as spaces, single-spaced. */
function words(text: string): string {
  return normalizeForSearch(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

import type { CapturedPage } from './CapturedPage';

/**
 * Pure list edits for the page strip, so the counter UI stays thin. Every function returns a new
 * array (or page) and leaves its input untouched; an index out of range returns the list as it was.
 */

/** The page turned by a quarter turn: +90 clockwise, -90 counter-clockwise. Bytes are not re-encoded. */
export function rotate(page: CapturedPage, quarterTurn: 90 | -90): CapturedPage {
  const rotation = (((page.rotation + quarterTurn) % 360) + 360) % 360;
  return { ...page, rotation: rotation as CapturedPage['rotation'] };
}

/** Moves the page at `from` to index `to` (clamped to the list). */
export function movePage(pages: readonly CapturedPage[], from: number, to: number): CapturedPage[] {
  const list = [...pages];
  if (from < 0 || from >= list.length) return list;
  const [page] = list.splice(from, 1);
  const target = Math.min(Math.max(0, to), list.length);
  list.splice(target, 0, page as CapturedPage);
  return list;
}

/** Removes the page with this id. */
export function removePage(pages: readonly CapturedPage[], id: string): CapturedPage[] {
  return pages.filter((p) => p.id !== id);
}

/** Retake: puts `replacement` where the page with this id was (appends it if the id is gone). */
export function replacePage(pages: readonly CapturedPage[], id: string, replacement: CapturedPage): CapturedPage[] {
  const index = pages.findIndex((p) => p.id === id);
  if (index < 0) return [...pages, replacement];
  return pages.map((p, i) => (i === index ? replacement : p));
}

/** Total bytes of the pages (what the document PDF will roughly weigh). */
export function totalBytes(pages: readonly CapturedPage[]): number {
  return pages.reduce((sum, p) => sum + p.sizeBytes, 0);
}

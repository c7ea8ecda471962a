import { formatLocalDateTime } from '../../domain/localDay';

/** "2026-02-26" → "26/02/2026", the way the receipt and officers write dates. */
export function viDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : isoDate;
}

/** "dd/MM/yyyy" of an instant at the branch's offset. */
export function localDate(epochMs: number, utcOffsetMinutes: number): string {
  return formatLocalDateTime(epochMs, utcOffsetMinutes).slice(0, 10);
}

/** "HH:mm" of an instant at the branch's offset. */
export function localHm(epochMs: number, utcOffsetMinutes: number): string {
  return formatLocalDateTime(epochMs, utcOffsetMinutes).slice(11, 16);
}

/** "84 KB", "1,2 MB": page and document sizes for the officer (Vietnamese decimal comma). */
export function sizeText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
}

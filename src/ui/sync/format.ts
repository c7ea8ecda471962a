import { formatLocalDateTime } from '../../domain/localDay';

/** "HH:mm" (or "HH:mm:ss") at the branch's UTC offset: the kiosk shows branch time, whatever its OS zone. */
export function localTime(epochMs: number, utcOffsetMinutes: number, withSeconds = false): string {
  const hm = formatLocalDateTime(epochMs, utcOffsetMinutes).slice(11, 16);
  if (!withSeconds) return hm;
  const s = new Date(epochMs + utcOffsetMinutes * 60_000).getUTCSeconds();
  return `${hm}:${String(s).padStart(2, '0')}`;
}

export function megabytes(bytes: number): string {
  return bytes >= 10 * 1_073_741_824 ? `${(bytes / 1_073_741_824).toFixed(0)} GB` : `${(bytes / 1_048_576).toFixed(0)} MB`;
}

/**
 * Calendar arithmetic in the branch's local time, from an epoch and a fixed UTC offset. Vietnam has
 * no daylight saving time, so a fixed offset is exact; it comes from branch configuration, never
 * from the machine's time zone (a mis-set kiosk time zone must not move tickets to another day).
 */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

export function toLocalDateTime(epochMs: number, utcOffsetMinutes: number): LocalDateTime {
  const d = new Date(epochMs + utcOffsetMinutes * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** "2026-11-23": the key that daily sequences reset on. */
export function localDayKey(epochMs: number, utcOffsetMinutes: number): string {
  const t = toLocalDateTime(epochMs, utcOffsetMinutes);
  return `${t.year}-${pad2(t.month)}-${pad2(t.day)}`;
}

/** "23/11/2026 08:05", the Vietnamese way of writing a date and time. */
export function formatLocalDateTime(epochMs: number, utcOffsetMinutes: number): string {
  const t = toLocalDateTime(epochMs, utcOffsetMinutes);
  return `${pad2(t.day)}/${pad2(t.month)}/${t.year} ${pad2(t.hour)}:${pad2(t.minute)}`;
}

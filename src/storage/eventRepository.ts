import type { DeviceEvent, KioskDb } from './KioskDb';

export async function recordEvent(db: KioskDb, event: Omit<DeviceEvent, 'id'>): Promise<void> {
  await db.events.add(event);
}

export async function recentEvents(db: KioskDb, limit = 50): Promise<DeviceEvent[]> {
  return db.events.orderBy('at').reverse().limit(limit).toArray();
}

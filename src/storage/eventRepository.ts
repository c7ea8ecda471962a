import type { DeviceEvent, KioskDb } from './KioskDb';

export async function recentEvents(db: KioskDb, limit = 50): Promise<DeviceEvent[]> {
  return db.events.orderBy('at').reverse().limit(limit).toArray();
}

import type { DeviceEvent, KioskDb } from './KioskDb';

export async function recentEvents(db: KioskDb, limit = 50): Promise<DeviceEvent[]> {
  return db.events.orderBy('at').reverse().limit(limit).toArray();
}

/** Records what a technician must know (never personal data); failures to record are not fatal. */
export async function recordEvent(db: KioskDb, event: Omit<DeviceEvent, 'id'>): Promise<void> {
  try {
    await db.events.add(event);
  } catch (e) {
    console.error('could not record a device event', e);
  }
}

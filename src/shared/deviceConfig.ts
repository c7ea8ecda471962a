import { z } from 'zod';

/**
 * The device configuration a technician sets when provisioning a machine. It lives outside
 * IndexedDB (a JSON file in Electron's user-data folder, localStorage in the browser build) so that
 * it survives an IndexedDB reset and can be read before the database opens.
 */
export const DEVICE_ROLES = ['citizen', 'counter', 'technician'] as const;
export const DeviceRole = z.enum(DEVICE_ROLES);
export type DeviceRole = z.infer<typeof DeviceRole>;

export const DeviceConfig = z
  .object({
    /** Stable id of this machine, a UUID generated once at first start. */
    deviceId: z.string().uuid(),
    role: DeviceRole,
    /** Branch code, e.g. "CN01". */
    branchCode: z.string().regex(/^[A-Z0-9]{2,12}$/),
    /**
     * This kiosk's slot among the ticket-issuing kiosks of its branch (0-based). Each slot owns its
     * own range of ticket numbers, so two kiosks never issue the same number while offline.
     */
    kioskSlot: z.number().int().min(0).max(49),
    /** OS printer name for tickets and receipts; null = the system default printer. */
    printerName: z.string().min(1).max(256).nullable(),
    /** Central server base URL, or null before enrolment. */
    serverUrl: z.string().url().max(2048).nullable(),
    locale: z.enum(['vi', 'en']),
  })
  .strict();
export type DeviceConfig = z.infer<typeof DeviceConfig>;

export function defaultDeviceConfig(deviceId: string): DeviceConfig {
  return {
    deviceId,
    role: 'citizen',
    branchCode: 'CN01',
    kioskSlot: 0,
    printerName: null,
    serverUrl: null,
    locale: 'vi',
  };
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from './db/Db';
import type { AuthenticatedDevice } from './records';
import { sha256Hex } from './secrets';
import { wireError } from './wireErrors';

/**
 * Request authentication, run as an `onRequest` hook, before the body is read: an unknown or
 * revoked credential costs one indexed look-up and nothing else. Devices and centre staff present
 * `Authorization: Bearer <token>`; the server stores only SHA-256 hashes of tokens.
 */
declare module 'fastify' {
  interface FastifyRequest {
    device?: AuthenticatedDevice;
    adminLabel?: string;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{20,128})$/;

/**
 * `refreshUnknown`: a branch hub's copy of the devices is the centre's as of its last mirror pass;
 * an unknown credential asks it to read them now (mirror.devicesNow) and looks once more.
 */
export function deviceAuth(db: Db, options: { refreshUnknown?: () => Promise<boolean> } = {}) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const m = BEARER.exec(request.headers.authorization ?? '');
    if (!m) return void reply.code(401).send(wireError('auth.missing', 'Authorization: Bearer <device token> required'));
    const hash = sha256Hex(m[1]!);
    const find = async () =>
      (
        await db.query<{ device_id: string; branch_code: string; role: string; revoked_at: unknown; slot: number | null }>(
          'SELECT device_id, branch_code, role, revoked_at, slot FROM devices WHERE token_hash = $1',
          [hash],
        )
      )[0];
    let d = await find();
    if (!d && options.refreshUnknown && (await options.refreshUnknown())) d = await find();
    if (!d) return void reply.code(401).send(wireError('auth.unknown-device', 'unknown device credential'));
    if (d.revoked_at !== null) return void reply.code(401).send(wireError('auth.revoked', 'this device has been revoked; re-enrol it'));
    request.device = { deviceId: d.device_id, branchCode: d.branch_code, role: d.role, slot: d.slot };
  };
}

export function adminAuth(db: Db) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const m = BEARER.exec(request.headers.authorization ?? '');
    if (!m) return void reply.code(401).send(wireError('auth.missing', 'Authorization: Bearer <admin token> required'));
    const rows = await db.query<{ label: string; revoked_at: unknown }>('SELECT label, revoked_at FROM admin_tokens WHERE token_hash = $1', [sha256Hex(m[1]!)]);
    const t = rows[0];
    if (!t || t.revoked_at !== null) return void reply.code(401).send(wireError('auth.not-admin', 'unknown or revoked admin credential'));
    request.adminLabel = t.label;
  };
}

/** The authenticated device of a route guarded by deviceAuth. */
export function requireDevice(request: FastifyRequest): AuthenticatedDevice {
  if (!request.device) throw new Error('deviceAuth hook did not run');
  return request.device;
}

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HubIdentityFile } from '../../shared/hub';
import { EnrolResponse, type EnrolRequest } from '../../shared/sync';
import { writeFileDurablySync } from '../durableFiles';
import type { HubIdentity } from './hub';

/**
 * The hub's own credential at the centre, kept beside its data (DATA_DIR/hub-identity.json, mode
 * 0600, written atomically): made once by `npm run hub -- --upstream <centre> --code <code>` with a
 * code the centre issued for role `hub` (`npm run admin -- enrol-code CN01 hub`).
 */
export const IDENTITY_FILE = 'hub-identity.json';

export type StoredIdentity = HubIdentityFile;

export function readIdentity(dataDir: string): StoredIdentity | null {
  const path = join(dataDir, IDENTITY_FILE);
  if (!existsSync(path)) return null;
  const parsed = HubIdentityFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a hub identity; move it away and enrol the hub again with a new code`);
  return parsed.data;
}

export function writeIdentity(dataDir: string, identity: StoredIdentity): void {
  const path = join(dataDir, IDENTITY_FILE);
  // Whole or not at all, and durably: a power cut right after enrolment must not leave an empty file.
  writeFileDurablySync(path, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
}

/** Enrols this machine at the centre as its branch's hub; a known hub keeps its device id (re-enrolment). */
export async function enrolHub(upstream: string, code: string, known: StoredIdentity | null, doFetch: typeof fetch = fetch): Promise<StoredIdentity> {
  const base = upstream.replace(/\/+$/, '');
  const request: EnrolRequest = { code: code.trim(), deviceId: known?.deviceId ?? randomUUID(), role: 'hub' };
  let res: Response;
  try {
    res = await doFetch(`${base}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (e) {
    throw new Error(
      `the centre at ${base} did not answer (${e instanceof Error ? e.message : String(e)}): check the address and the branch's link, then run again`,
      {
        cause: e,
      },
    );
  }
  const body = (await res.json().catch(() => null)) as unknown;
  if (res.status !== 200) {
    const w = body as { code?: string; detail?: string } | null;
    throw new Error(`the centre refused the code: ${w?.code ?? `HTTP ${res.status}`}${w?.detail ? ` (${w.detail})` : ''}`);
  }
  const enrolled = EnrolResponse.parse(body);
  return { upstream: base, deviceId: enrolled.deviceId, branchCode: enrolled.branchCode, token: enrolled.token };
}

export function toHubIdentity(stored: StoredIdentity): HubIdentity {
  return { deviceId: stored.deviceId, branchCode: stored.branchCode, token: stored.token };
}

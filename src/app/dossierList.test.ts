import { describe, expect, it } from 'vitest';
import { dossierSyncState } from './dossierList';

const MIN = 60_000;
const NOW = 1_000 * MIN;
const STUCK = 15 * MIN;
const scan = (state: 'pending' | 'uploading' | 'held' | 'verified', failingSince: number | null = null) => ({ state, failingSince });

describe('dossierSyncState', () => {
  it('follows the record and its scans: local → uploading → scans-pending → confirmed', () => {
    const at = (syncedAt: number | null, ...scans: ReturnType<typeof scan>[]) => dossierSyncState({ rejected: false, syncedAt, scans }, NOW, STUCK);
    expect(at(null, scan('pending'), scan('pending'))).toBe('local');
    expect(at(null, scan('uploading'), scan('pending'))).toBe('uploading');
    expect(at(null, scan('verified'), scan('pending'))).toBe('uploading');
    expect(at(NOW, scan('verified'), scan('pending'))).toBe('scans-pending');
    expect(at(NOW, scan('verified'), scan('verified'))).toBe('confirmed');
    // Every paper reused: nothing of its own to send.
    expect(at(null)).toBe('local');
    expect(at(NOW)).toBe('confirmed');
  });

  it('behind a branch hub: at-hub once the hub holds the record and every scan, then the centre’s states', () => {
    const at = (heldAtHub: boolean, syncedAt: number | null, ...scans: ReturnType<typeof scan>[]) =>
      dossierSyncState({ rejected: false, syncedAt, heldAtHub, scans }, NOW, STUCK);
    expect(at(true, null, scan('held'), scan('uploading'))).toBe('uploading');
    expect(at(true, null, scan('held'), scan('pending'))).toBe('uploading');
    expect(at(false, null, scan('held'), scan('held'))).toBe('uploading');
    expect(at(true, null, scan('held'), scan('held'))).toBe('at-hub');
    expect(at(true, null, scan('held'), scan('verified'))).toBe('at-hub');
    expect(at(true, null)).toBe('at-hub');
    expect(at(false, NOW, scan('held'), scan('verified'))).toBe('scans-pending');
    expect(at(false, NOW, scan('verified'))).toBe('confirmed');
    // A scan failing to reach the hub for long is still what staff must see.
    expect(at(true, null, scan('held'), scan('uploading', NOW - STUCK))).toBe('scans-stuck');
  });

  it('puts what needs staff first: refused, then a scan gone, then a scan failing past the threshold', () => {
    const lost = [scan('pending', NOW - STUCK), null];
    expect(dossierSyncState({ rejected: true, syncedAt: null, scans: lost }, NOW, STUCK)).toBe('rejected');
    expect(dossierSyncState({ rejected: false, syncedAt: NOW, scans: lost }, NOW, STUCK)).toBe('scans-lost');
    expect(dossierSyncState({ rejected: false, syncedAt: NOW, scans: [scan('uploading', NOW - STUCK)] }, NOW, STUCK)).toBe('scans-stuck');
    expect(dossierSyncState({ rejected: false, syncedAt: NOW, scans: [scan('uploading', NOW - STUCK + 1)] }, NOW, STUCK)).toBe('scans-pending');
  });
});

import type { Clock } from '../shared/clock';
import { markHeld, markVerified, pendingBlobs, recordBlobFailure, setUploadUrl } from '../storage/blobRepository';
import type { KioskDb } from '../storage/KioskDb';
import { openBlobData } from '../storage/sealing';
import type { BlobQueue } from './SyncEngine';

/** The engine's scan queue over the kiosk's own store (blobRepository): what the app and the tests' kiosks run. */
export function kioskBlobQueue(db: KioskDb, clock: Clock): BlobQueue {
  return {
    pending: () => pendingBlobs(db),
    // `pending` hands out the stored records themselves, `sealed` flag included.
    open: async (blob) => ({ ...blob, data: await openBlobData(db, blob) }),
    setUploadUrl: (sha, url) => setUploadUrl(db, sha, url),
    markVerified: (sha) => markVerified(db, sha, clock),
    markHeld: (sha) => markHeld(db, sha),
    recordFailure: (shas, error, now) => recordBlobFailure(db, shas, error, now),
  };
}

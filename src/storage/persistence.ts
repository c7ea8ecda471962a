/**
 * Asks the browser not to evict our data under storage pressure. Electron largely ignores this
 * (DESIGN.md): it is a request, not a guarantee, so the outbox journal and disk watch remain the
 * real protection.
 */
export interface PersistenceReport {
  readonly persisted: boolean | null;
  readonly usageBytes: number | null;
  readonly quotaBytes: number | null;
}

export async function requestPersistentStorage(storage: StorageManager | undefined): Promise<PersistenceReport> {
  if (!storage) return { persisted: null, usageBytes: null, quotaBytes: null };
  let persisted: boolean | null;
  try {
    persisted = (await storage.persisted()) || (await storage.persist());
  } catch {
    persisted = null;
  }
  let usageBytes: number | null = null;
  let quotaBytes: number | null = null;
  try {
    const estimate = await storage.estimate();
    usageBytes = estimate.usage ?? null;
    quotaBytes = estimate.quota ?? null;
  } catch {
    // estimate() is optional in some embedders; the report just has no figures.
  }
  return { persisted, usageBytes, quotaBytes };
}

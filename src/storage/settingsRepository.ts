import { BranchConfig } from '../shared/branchConfig';
import type { KioskDb } from './KioskDb';
import { toStorageFailure } from './storageErrors';

const BRANCH_CONFIG_KEY = 'branchConfig';

/** The branch configuration last received from the server; null until the first sync. */
export async function loadBranchConfig(db: KioskDb): Promise<BranchConfig | null> {
  const row = await db.settings.get(BRANCH_CONFIG_KEY);
  if (!row) return null;
  const parsed = BranchConfig.safeParse(row.value);
  return parsed.success ? parsed.data : null;
}

export async function saveBranchConfig(db: KioskDb, config: BranchConfig): Promise<void> {
  try {
    await db.settings.put({ key: BRANCH_CONFIG_KEY, value: BranchConfig.parse(config) });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

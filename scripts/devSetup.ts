import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBranch, createEnrolCode } from '../src/server/admin';
import { publishChanges } from '../src/server/changes';
import { migrate } from '../src/server/db/migrate';
import { openDb } from '../src/server/db/openDb';
import { defaultPgliteDir } from '../src/server/db/pgliteDb';
import { BranchConfig } from '../src/shared/branchConfig';

/**
 * `npm start`'s server preparation (before the server opens the same database): migrations, the
 * demo branch of assets/config/branch.json with its configuration published, and a fresh one-time
 * enrolment code for a citizen kiosk, printed as one JSON line for scripts/start.mjs.
 */
async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: defaultPgliteDir(dataDir) });
  try {
    await migrate(db);
    const branch = BranchConfig.parse(JSON.parse(readFileSync(new URL('../assets/config/branch.json', import.meta.url), 'utf8')));
    const known = await db.query('SELECT 1 FROM branches WHERE code = $1', [branch.branchCode]);
    if (known.length === 0) await createBranch(db, branch.branchCode, branch.name.vi);
    const published = await db.query(`SELECT 1 FROM changes WHERE scope = $1 AND entity = 'branchConfig' AND key = $2`, [
      `branch:${branch.branchCode}`,
      branch.branchCode,
    ]);
    if (published.length === 0) {
      const outcome = await publishChanges(db, { scope: `branch:${branch.branchCode}`, changes: [{ entity: 'branchConfig', op: 'put', data: branch }] });
      if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.detail}`);
    }
    const code = await createEnrolCode(db, branch.branchCode, 'citizen', Date.now());
    console.log(JSON.stringify({ branchCode: branch.branchCode, code: code.code, expiresAt: code.expiresAt }));
  } finally {
    await db.close();
  }
}

main().catch((e: unknown) => {
  console.error(`server setup failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

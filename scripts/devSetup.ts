import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBranch, createEnrolCode } from '../src/server/admin';
import { publishChanges } from '../src/server/changes';
import { migrate } from '../src/server/db/migrate';
import { openDb } from '../src/server/db/openDb';
import { defaultPgliteDir } from '../src/server/db/pgliteDb';
import { z } from 'zod';
import type { Db } from '../src/server/db/Db';
import { BranchConfig } from '../src/shared/branchConfig';
import { CalendarYear } from '../src/shared/calendar';
import { Procedure } from '../src/shared/catalog';
import { SearchSynonyms } from '../src/shared/searchSynonyms';
import { Questionnaire, type PublishedEntity, type Scope } from '../src/shared/published';
import { MAX_PUBLISH_CHANGES } from '../src/shared/sync';
import { createStaff } from '../src/server/staff';

/**
 * `npm start`'s server preparation (before the server opens the same database): migrations, the
 * demo branch of assets/config/branch.json with its configuration published, the seed procedure
 * catalog, calendars, search synonyms and the satisfaction questionnaire published to every kiosk, and fresh one-time enrolment codes for a citizen
 * kiosk and a counter, printed as one JSON line for scripts/start.mjs.
 */
/** The demo branch's staff (demo PINs: change them with `npm run admin -- staff-reset-pin`). */
const DEMO_STAFF = [
  { staffId: 'CB001', name: 'Nguyễn Thị Lan', role: 'officer', pin: '246813' },
  { staffId: 'KT001', name: 'Trần Văn Kỹ', role: 'technician', pin: '135792' },
] as const;

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
}

/** Publishes the records whose published copy is missing or different, in batches the contract allows. */
async function publishIfChanged<T>(db: Db, scope: Scope, entity: PublishedEntity, records: readonly T[], keyOf: (r: T) => string): Promise<void> {
  const rows = await db.query<{ key: string; data: unknown }>(`SELECT key, data FROM changes WHERE scope = $1 AND entity = $2 AND op = 'put'`, [scope, entity]);
  const current = new Map(rows.map((r) => [r.key, JSON.stringify(canonical(r.data))]));
  const changed = records.filter((r) => current.get(keyOf(r)) !== JSON.stringify(canonical(r)));
  for (let i = 0; i < changed.length; i += MAX_PUBLISH_CHANGES) {
    const batch = changed.slice(i, i + MAX_PUBLISH_CHANGES).map((data) => ({ entity, op: 'put' as const, data }));
    const outcome = await publishChanges(db, { scope, changes: batch });
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.detail}`);
  }
}

/** Same JSON for the same value whatever the key order (jsonb reorders keys). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: defaultPgliteDir(dataDir) });
  try {
    await migrate(db);
    const seeded = BranchConfig.parse(JSON.parse(readFileSync(new URL('../assets/config/branch.json', import.meta.url), 'utf8')));
    // `npm start` points the demo receipts' QR at its own look-up page (src/server/lookupPage.ts).
    const lookupBaseUrl = process.env.DEMO_LOOKUP_BASE_URL;
    const branch = lookupBaseUrl && seeded.reception ? BranchConfig.parse({ ...seeded, reception: { ...seeded.reception, lookupBaseUrl } }) : seeded;
    const known = await db.query('SELECT 1 FROM branches WHERE code = $1', [branch.branchCode]);
    if (known.length === 0) await createBranch(db, branch.branchCode, branch.name.vi);
    await publishIfChanged(db, `branch:${branch.branchCode}`, 'branchConfig', [branch], (b) => b.branchCode);
    // The seed catalog and calendars reach kiosks the way the centre's real data will: published
    // to the global scope and pulled. Re-published only where the asset changed.
    const catalog = z.array(Procedure).parse(readJson('../assets/catalog/procedures.vi.json'));
    await publishIfChanged(db, 'global', 'procedure', catalog, (p) => p.code);
    const calendars = ['2025', '2026', '2027'].map((y) => CalendarYear.parse(readJson(`../assets/calendar/${y}.json`)));
    await publishIfChanged(db, 'global', 'calendar', calendars, (c) => String(c.year));
    const synonyms = SearchSynonyms.parse(readJson('../assets/search/synonyms.vi.json'));
    await publishIfChanged(db, 'global', 'searchSynonyms', [synonyms], (s) => s.id);
    // The satisfaction questionnaire a rating point shows (DOMAIN.md: versioned data from the centre).
    const questionnaire = Questionnaire.parse(readJson('../assets/questionnaire/satisfaction.json'));
    await publishIfChanged(db, 'global', 'questionnaire', [questionnaire], (q) => q.id);
    // Demo staff, so a newcomer can sign in at the counter and in the technician area: fixed,
    // printed PINs (demo data only; real accounts get a random PIN from `npm run admin -- staff-create`).
    for (const demo of DEMO_STAFF) {
      const out = await createStaff(db, { branchCode: branch.branchCode, ...demo }, { kind: 'admin-cli', id: 'npm-start' }, Date.now(), demo.pin);
      if (!out.ok && out.code !== 'staff.exists') throw new Error(`${out.code}: ${out.detail}`);
    }
    const citizen = await createEnrolCode(db, branch.branchCode, 'citizen', Date.now());
    const counter = await createEnrolCode(db, branch.branchCode, 'counter', Date.now());
    console.log(
      JSON.stringify({
        branchCode: branch.branchCode,
        code: citizen.code,
        counterCode: counter.code,
        expiresAt: citizen.expiresAt,
        staff: DEMO_STAFF.map((d) => ({ staffId: d.staffId, name: d.name, role: d.role, pin: d.pin })),
      }),
    );
  } finally {
    await db.close();
  }
}

main().catch((e: unknown) => {
  console.error(`server setup failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

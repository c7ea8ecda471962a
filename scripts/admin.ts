import { resolve } from 'node:path';
import { DeviceRole } from '../src/shared/deviceConfig';
import { createBranch, createEnrolCode, listDevices, revokeDevice } from '../src/server/admin';
import { migrate } from '../src/server/db/migrate';
import { openDb } from '../src/server/db/openDb';
import { defaultPgliteDir } from '../src/server/db/pgliteDb';

/**
 * Centre administration on the server's database (DATABASE_URL, or PGlite in DATA_DIR/pglite —
 * stop the server first: an embedded data directory has one user at a time).
 *
 *   npm run admin -- create-branch CN01 "Chi nhánh số 1"
 *   npm run admin -- enrol-code CN01 citizen [hours-valid, default 24]
 *   npm run admin -- revoke-device <deviceId>
 *   npm run admin -- list-devices
 */
const USAGE = `usage: npm run admin -- <command>
  create-branch <CODE> <name>
  enrol-code <BRANCH> <citizen|counter|technician> [hours-valid=24]
  revoke-device <deviceId>
  list-devices`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help') {
    console.info(USAGE);
    return command ? 0 : 2;
  }
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: defaultPgliteDir(dataDir) });
  try {
    await migrate(db);
    switch (command) {
      case 'create-branch': {
        const [code, name] = args;
        if (!code || !name) return usage();
        await createBranch(db, code, name);
        console.info(`branch ${code} saved: ${name}`);
        return 0;
      }
      case 'enrol-code': {
        const [branch, roleArg, hoursArg] = args;
        const role = DeviceRole.safeParse(roleArg);
        const hours = hoursArg === undefined ? 24 : Number(hoursArg);
        if (!branch || !role.success || !(hours > 0 && hours <= 24 * 30)) return usage();
        const issued = await createEnrolCode(db, branch, role.data, Date.now(), hours * 3_600_000);
        console.info(`one-time enrolment code for a ${issued.role} device of ${issued.branchCode}:`);
        console.info(`\n    ${issued.code}\n`);
        console.info(`valid until ${new Date(issued.expiresAt).toISOString()} (it is shown only now; the server keeps its hash)`);
        return 0;
      }
      case 'revoke-device': {
        const [deviceId] = args;
        if (!deviceId) return usage();
        const found = await revokeDevice(db, deviceId, Date.now());
        console.info(found ? `device ${deviceId} revoked` : `no device ${deviceId}`);
        return found ? 0 : 1;
      }
      case 'list-devices': {
        for (const d of await listDevices(db)) console.info(`${d.deviceId}  ${d.branchCode}  ${d.role}  lastSeq=${d.lastSeq}${d.revoked ? '  REVOKED' : ''}`);
        return 0;
      }
      default:
        return usage();
    }
  } finally {
    await db.close();
  }
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('admin:', e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

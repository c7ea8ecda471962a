import { RatingFiguresQuery, ratingFigures, type FigureRow } from '../src/server/ratingFigures';
import { QueueFiguresQuery, queueFigures } from '../src/server/queueFigures';
import type { DurationFigures } from '../src/shared/queueFigures';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EnrolRole } from '../src/shared/sync';
import { DOSSIER_STATUSES } from '../src/shared/published';
import { PublishRequest } from '../src/shared/sync';
import { createAdminToken, createBranch, createEnrolCode, listDevices, reinstateDevice, revokeDevice } from '../src/server/admin';
import { createStaff, listStaff, resetStaffPin, setStaffActive } from '../src/server/staff';
import { STAFF_ROLES, StaffId } from '../src/shared/staff';
import { AUDIT_LIST_DEFAULT_LIMIT, describeFilter, listAudit, recordAudit, type AuditFilter } from '../src/server/audit';
import { publishChanges } from '../src/server/changes';
import { correctProcessingTime } from '../src/server/catalogCorrections';
import { ProcessingTimeCorrection } from '../src/shared/processingTimeCorrection';
import { recordDossierStatus } from '../src/server/dossiers';
import { newLookupSecret } from '../src/shared/wireTypes';
import { describeIssues } from '../src/server/wireErrors';
import { closeJournalGap, listClosedGaps, listStalledJournals } from '../src/server/journalGaps';
import { migrate } from '../src/server/db/migrate';
import { openDb } from '../src/server/db/openDb';
import { defaultPgliteDir } from '../src/server/db/pgliteDb';
import { blobStorageFromEnv } from '../src/server/blobStore';
import { checkKeysAgainstDatabase, dataProtectionFromEnv } from '../src/server/dataProtection';
import { auditRotation, dataKeyUsage, deleteCitizen, exportCitizen, purgeExpired, retentionDaysFromEnv, rotateDataKeys } from '../src/server/personalData';

/**
 * Centre administration on the server's database (DATABASE_URL, or PGlite in DATA_DIR/pglite —
 * stop the server first: an embedded data directory has one user at a time).
 *
 *   npm run admin -- create-branch CN01 "Chi nhánh số 1"
 *   npm run admin -- enrol-code CN01 citizen|counter|technician|hub [hours-valid, default 24] [--device <deviceId>]
 *   npm run admin -- revoke-device <deviceId>
 *   npm run admin -- reinstate-device <deviceId>
 *   npm run admin -- list-devices
 *   npm run admin -- staff-create CN01 CB0012 "Nguyễn Thị Lan" officer
 *   npm run admin -- staff-reset-pin CN01 CB0012 | staff-disable CN01 CB0012 | staff-enable CN01 CB0012 | staff-list CN01
 *   npm run admin -- create-admin-token <label>
 *   npm run admin -- publish <scope> <file.json>
 *   npm run admin -- set-processing-time <procedureCode> <amount> <working-day|day|hour> [--text "5 Ngày làm việc"] [--by name]
 *   npm run admin -- set-dossier-status <code> <branch> <status> [--secret S | --new-secret] [--appointment YYYY-MM-DD] [--note text] [--at ISO-time]
 *   npm run admin -- list-journals
 *   npm run admin -- close-gap <deviceId> <journalId> <upToSeq> --by <name> --reason <text>
 *   npm run admin -- audit [--code <dossierCode>] [--since <ISO time>] [--action <a>] [--limit n]
 *   npm run admin -- export-citizen <idNumber> [--out dir] [--by name]
 *   npm run admin -- delete-citizen <idNumber> --by <name> --reason <text>
 *   npm run admin -- purge-expired [--by name]
 *   npm run admin -- rotate-data-keys [--by name]
 *   npm run admin -- queue-figures --branch CN01 --day YYYY-MM-DD
 *
 * Exit codes: 0 done, 1 refused (invalid data, unknown branch…), 2 bad arguments (usage printed).
 */
const USAGE = `usage: npm run admin -- <command>
  create-branch <CODE> <name>
  enrol-code <BRANCH> <citizen|counter|technician|hub> [hours-valid=24] [--device <deviceId>]
                                     hub: the code a branch hub starts with (npm run hub -- --upstream … --code …);
                                     kiosks behind a hub enrol with codes of their own role, as without one
                                     --device: a code for that device only; the one way to re-enrol a
                                     device the centre already knows (reinstall, lost credential) or
                                     to change its role
  revoke-device <deviceId>
  reinstate-device <deviceId>        lifts a revocation; the device then needs a code from
                                     enrol-code … --device <deviceId>
  list-devices
  staff-create <BRANCH> <staffId> <name> <officer|supervisor|technician> [--by <name>]
                                     an account that signs in at the branch's counters (officer, supervisor)
                                     or technician area (technician, supervisor); prints its PIN once
  staff-reset-pin <BRANCH> <staffId> [--by <name>]
                                     a new PIN, printed once; the old one stops working once machines pull
  staff-disable <BRANCH> <staffId> [--by <name>] | staff-enable <BRANCH> <staffId> [--by <name>]
  staff-list <BRANCH>
  create-admin-token <label>
  publish <scope> <file.json>        file: the changes array, or the whole {scope, changes} request
  set-processing-time <procedureCode> <amount> <working-day|day|hour> [--text <as printed>] [--by <name>]
                                     publishes a corrected processing time for one published procedure (its
                                     counter channel); kiosks use it from their next pull; audited
  set-dossier-status <code> <BRANCH> <${DOSSIER_STATUSES.join('|')}>
      [--secret <look-up secret> | --new-secret] [--appointment YYYY-MM-DD] [--note <text>] [--at <ISO time, default now>]
      (a new dossier needs --secret or --new-secret; the status is published to the branch's counters)
  list-journals                      kiosk streams stalled on a gap they cannot fill, and gaps closed so far
  close-gap <deviceId> <journalId> <upToSeq> --by <name> --reason <text>
                                     declares the kiosk's missing seqs up to upToSeq lost (audited), so its stream goes on
  audit [--code <dossierCode>] [--since <ISO time>] [--action <e.g. receipt.reprint>] [--limit <n, default ${AUDIT_LIST_DEFAULT_LIMIT}>] [--by <name>]
                                     the audit log, newest first: who looked up, printed, reused, exported… what
  ratings --from YYYY-MM-DD --to YYYY-MM-DD [--branch <BRANCH>]
                                     citizens' satisfaction: the share satisfied (target 95 %) per branch, counter,
                                     service group and day, levels and reasons (Vietnam days, both ends included)
  queue-figures --branch <BRANCH> --day YYYY-MM-DD
                                     the branch's day at its counters from the queue log: wait and service time
                                     (median, p90) per service group, share called within the target wait,
                                     no-show rate; calls, served, service time and no-shows per counter and officer
enrol-code, revoke-device, reinstate-device and set-dossier-status take [--by <name>] too (default: your
operating-system user name), recorded in the audit log.
  export-citizen <idNumber> [--out <dir>] [--by <name>]
                                     one citizen's dossiers, decrypted, in <dir>/dossiers.json and their scans in
                                     <dir>/scans/ (default dir: citizen-export-<time>; audited per dossier)
  delete-citizen <idNumber> --by <name> --reason <text>
                                     erases that citizen's personal fields and scans in every branch, irreversibly
                                     (the dossier codes and statuses stay); audited; no personal data in the reason
  purge-expired [--by <name>]        erases personal data past RETENTION_DAYS (default 90) after a dossier's final
                                     status, as the server does every hour; audited
  rotate-data-keys [--by <name>]     wraps every data key under DATA_KEY_ID again (ciphertext untouched) and seals
                                     anything left in plaintext; then older keys may leave DATA_KEYS; audited
On PGlite (no DATABASE_URL) stop the server first; or publish over HTTP: POST /v1/admin/publish with an admin token.`;

const COMMANDS = [
  'create-branch',
  'enrol-code',
  'revoke-device',
  'reinstate-device',
  'list-devices',
  'staff-create',
  'staff-reset-pin',
  'staff-disable',
  'staff-enable',
  'staff-list',
  'create-admin-token',
  'publish',
  'set-processing-time',
  'set-dossier-status',
  'list-journals',
  'close-gap',
  'audit',
  'ratings',
  'queue-figures',
  'export-citizen',
  'delete-citizen',
  'purge-expired',
  'rotate-data-keys',
];

const PERSONAL_DATA_COMMANDS = ['export-citizen', 'delete-citizen', 'purge-expired', 'rotate-data-keys'];

/** Who runs a personal-data command, for the audit log: --by, else the operating-system user. */
const operator = (opts: Map<string, string>) => opts.get('by') ?? userInfo().username;

/** Options after the positional arguments: --name value, or --flag alone when listed in \`flags\`. */
function parseOptions(args: readonly string[], valued: readonly string[], flags: readonly string[]): Map<string, string> | null {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name === null || out.has(name)) return null;
    if (flags.includes(name)) out.set(name, 'true');
    else if (valued.includes(name) && i + 1 < args.length) out.set(name, args[++i]!);
    else return null;
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'help' || command === '--help') {
    console.info(USAGE);
    return 0;
  }
  if (!command) return usage();
  if (!COMMANDS.includes(command)) return usage();
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  // The same keys as the server (before the database opens: no keys, no personal data).
  const keys = PERSONAL_DATA_COMMANDS.includes(command)
    ? dataProtectionFromEnv(process.env, { dataDir, usesPostgres: Boolean(process.env.DATABASE_URL) })
    : null;
  const db = await openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: defaultPgliteDir(dataDir) });
  try {
    await migrate(db);
    const protection = keys?.protection ?? null;
    if (protection) await checkKeysAgainstDatabase(db, protection);
    const storage = () => blobStorageFromEnv(process.env, resolve(process.env.BLOB_DIR ?? `${dataDir}/blobs`));
    switch (command) {
      case 'create-branch': {
        const [code, name] = args;
        if (!code || !name) return usage();
        await createBranch(db, code, name);
        console.info(`branch ${code} saved: ${name}`);
        return 0;
      }
      case 'enrol-code': {
        const firstOption = args.findIndex((a) => a.startsWith('--'));
        const positional = firstOption === -1 ? args : args.slice(0, firstOption);
        const options = parseOptions(firstOption === -1 ? [] : args.slice(firstOption), ['device', 'by'], []);
        const [branch, roleArg, hoursArg, ...extra] = positional;
        const role = EnrolRole.safeParse(roleArg);
        const hours = hoursArg === undefined ? 24 : Number(hoursArg);
        if (!options || extra.length > 0 || !branch || !role.success || !(hours > 0 && hours <= 24 * 30)) return usage();
        const deviceId = options.get('device') ?? null;
        const issued = await createEnrolCode(db, branch, role.data, Date.now(), hours * 3_600_000, deviceId, { kind: 'admin-cli', id: operator(options) });
        console.info(
          deviceId === null
            ? `one-time enrolment code for a new ${issued.role} device of ${issued.branchCode}:`
            : `one-time enrolment code for device ${deviceId} only (${issued.role}, ${issued.branchCode}):`,
        );
        console.info(`\n    ${issued.code}\n`);
        console.info(`valid until ${new Date(issued.expiresAt).toISOString()} (it is shown only now; the server keeps its hash)`);
        return 0;
      }
      case 'revoke-device': {
        const [deviceId, ...rest] = args;
        const opts = parseOptions(rest, ['by'], []);
        if (!deviceId || !opts) return usage();
        const found = await revokeDevice(db, deviceId, Date.now(), { kind: 'admin-cli', id: operator(opts) });
        console.info(found ? `device ${deviceId} revoked` : `no device ${deviceId}`);
        return found ? 0 : 1;
      }
      case 'reinstate-device': {
        const [deviceId, ...rest] = args;
        const opts = parseOptions(rest, ['by'], []);
        if (!deviceId || !opts) return usage();
        const found = await reinstateDevice(db, deviceId, { kind: 'admin-cli', id: operator(opts) });
        if (found) console.info(`device ${deviceId} reinstated; re-enrol it with a code from: enrol-code <BRANCH> <role> --device ${deviceId}`);
        else console.info(`no revoked device ${deviceId} (list-devices shows them)`);
        return found ? 0 : 1;
      }
      case 'list-devices': {
        for (const d of await listDevices(db)) {
          const slot = d.slot === null ? 'slot=-' : `slot=${d.slot}`;
          const conflict = d.slotConflict === null ? '' : `  SLOT-CONFLICT(${d.slotConflict}: revoke it or re-enrol it with another slot)`;
          console.info(`${d.deviceId}  ${d.branchCode}  ${d.role}  ${slot}  lastSeq=${d.lastSeq}${d.revoked ? '  REVOKED' : ''}${conflict}`);
        }
        return 0;
      }
      case 'staff-create': {
        const [branch, staffId, name, roleArg, ...rest] = args;
        const opts = parseOptions(rest, ['by'], []);
        const role = STAFF_ROLES.find((r) => r === roleArg);
        if (!branch || !staffId || !name || !role || !opts) return usage();
        if (!StaffId.safeParse(staffId).success) {
          console.error(`✖ "${staffId}" is not a staff id: 2–20 capital letters, digits, ".", "_" or "-" (e.g. CB0012)`);
          return 1;
        }
        const out = await createStaff(db, { branchCode: branch, staffId, name, role }, { kind: 'admin-cli', id: operator(opts) }, Date.now());
        if (!out.ok) {
          console.error(`✖ ${out.detail}`);
          return 1;
        }
        console.info(`${role} ${staffId} (${name}) created at ${branch}; PIN (shown only now, give it to them in person):`);
        console.info(`\n    ${out.value.pin}\n`);
        console.info('the branch machines get the account at their next sync');
        return 0;
      }
      case 'staff-reset-pin': {
        const [branch, staffId, ...rest] = args;
        const opts = parseOptions(rest, ['by'], []);
        if (!branch || !staffId || !opts) return usage();
        const out = await resetStaffPin(db, branch, staffId, { kind: 'admin-cli', id: operator(opts) }, Date.now());
        if (!out.ok) {
          console.error(`✖ ${out.detail}`);
          return 1;
        }
        console.info(`new PIN for ${staffId} at ${branch} (shown only now):\n\n    ${out.value.pin}\n`);
        return 0;
      }
      case 'staff-disable':
      case 'staff-enable': {
        const [branch, staffId, ...rest] = args;
        const opts = parseOptions(rest, ['by'], []);
        if (!branch || !staffId || !opts) return usage();
        const active = command === 'staff-enable';
        const out = await setStaffActive(db, branch, staffId, active, { kind: 'admin-cli', id: operator(opts) }, Date.now());
        if (!out.ok) {
          console.error(`✖ ${out.detail}`);
          return 1;
        }
        console.info(`${staffId} at ${branch} ${active ? 'enabled' : 'disabled'}`);
        return 0;
      }
      case 'staff-list': {
        const [branch, ...rest] = args;
        if (!branch || rest.length > 0) return usage();
        for (const a of await listStaff(db, branch)) {
          console.info(`${a.staffId}  ${a.role}  ${a.active ? 'active' : 'DISABLED'}  PIN set ${new Date(a.pinSetAt).toISOString()}  ${a.name}`);
        }
        return 0;
      }
      case 'create-admin-token': {
        const [label, ...rest] = args;
        if (!label || rest.length > 0) return usage();
        const token = await createAdminToken(db, label, Date.now());
        console.info(`admin token "${label}" (shown only now; the server keeps its hash):`);
        console.info(`\n    ${token}\n`);
        console.info('use it as  Authorization: Bearer <token>  on POST /v1/admin/publish');
        return 0;
      }
      case 'publish': {
        const [scope, file, ...rest] = args;
        if (!scope || !file || rest.length > 0) return usage();
        let json: unknown;
        try {
          json = JSON.parse(await readFile(file, 'utf8'));
        } catch (e) {
          console.error(`publish: cannot read ${file} as JSON: ${e instanceof Error ? e.message : String(e)}`);
          return 1;
        }
        if (typeof json === 'object' && json !== null && !Array.isArray(json) && 'scope' in json && json.scope !== scope) {
          console.error(`publish: the file is for scope ${String(json.scope)}, not ${scope}`);
          return 1;
        }
        const parsed = PublishRequest.safeParse(Array.isArray(json) ? { scope, changes: json } : { ...(json as object), scope });
        if (!parsed.success) {
          console.error(`publish: invalid request: ${describeIssues(parsed.error.issues)}`);
          return 1;
        }
        const outcome = await publishChanges(db, parsed.data);
        if (!outcome.ok) {
          console.error(`publish: refused (${outcome.error.code}): ${outcome.error.detail}`);
          return 1;
        }
        console.info(`published ${parsed.data.changes.length} change(s) to ${scope}: seq ${outcome.firstSeq}–${outcome.lastSeq}`);
        return 0;
      }
      case 'set-processing-time': {
        const [code, amountArg, unit, ...rest] = args;
        const opts = parseOptions(rest, ['text', 'by'], []);
        if (!code || !amountArg || !unit || !opts) return usage();
        const parsed = ProcessingTimeCorrection.safeParse({
          code,
          amount: Number(amountArg),
          unit,
          ...(opts.has('text') ? { timeText: opts.get('text') } : {}),
        });
        if (!parsed.success) {
          console.error(`set-processing-time: invalid: ${describeIssues(parsed.error.issues)} (amount > 0, unit working-day, day or hour)`);
          return 2;
        }
        const outcome = await correctProcessingTime(db, parsed.data, { actor: { kind: 'admin-cli', id: operator(opts) }, now: Date.now() });
        if (!outcome.ok) {
          console.error(`set-processing-time: refused (${outcome.error.code}): ${outcome.error.detail}`);
          return 1;
        }
        const v = outcome.value;
        console.info(`procedure ${v.code}, ${v.channel}: "${v.timeText}" published to global at seq ${v.seq}; kiosks use it from their next pull`);
        return 0;
      }
      case 'set-dossier-status': {
        const [code, branch, status, ...rest] = args;
        const opts = parseOptions(rest, ['secret', 'appointment', 'note', 'at', 'by'], ['new-secret']);
        if (!code || !branch || !status || !opts || (opts.has('secret') && opts.has('new-secret'))) return usage();
        const at = opts.has('at') ? Date.parse(opts.get('at')!) : Date.now();
        if (!Number.isFinite(at)) return usage();
        const secret = opts.has('new-secret') ? newLookupSecret((n) => randomBytes(n)) : opts.get('secret');
        const outcome = await recordDossierStatus(db, {
          code,
          branchCode: branch,
          lookupSecret: secret,
          status,
          statusAt: at,
          appointmentDate: opts.get('appointment') ?? null,
          note: opts.get('note') ?? '',
          actor: { kind: 'admin-cli', id: operator(opts) },
        });
        if (!outcome.ok) {
          console.error(`set-dossier-status: refused (${outcome.error.code}): ${outcome.error.detail}`);
          return 1;
        }
        console.info(
          `dossier ${code}: ${outcome.outcome}${
            outcome.outcome === 'stale' ? ' (a newer status is already recorded; nothing changed)' : ` → ${status} (published to branch:${branch})`
          }`,
        );
        if (opts.has('new-secret') && outcome.outcome !== 'stale') console.info(`look-up secret (shown only now; the server keeps its hash): ${secret}`);
        return 0;
      }
      case 'list-journals': {
        const stalled = await listStalledJournals(db);
        console.info(stalled.length === 0 ? 'no stalled stream' : 'stalled streams (the kiosk no longer has these seqs):');
        for (const j of stalled) {
          console.info(
            `  ${j.deviceId}  ${j.branchCode}  journal ${j.journalId}  has ≤${j.lastSeq}, missing ${j.gapFrom}–${j.gapTo}  seen ${new Date(j.seenAt).toISOString()}`,
          );
        }
        const closed = await listClosedGaps(db);
        if (closed.length > 0) console.info('gaps closed (records declared lost):');
        for (const g of closed) {
          console.info(
            `  ${g.deviceId}  journal ${g.journalId}  seqs ${g.fromSeq}–${g.toSeq}  ${new Date(g.closedAt).toISOString()}  by ${g.closedBy}: ${g.reason}`,
          );
        }
        return 0;
      }
      case 'close-gap': {
        const [deviceId, journalId, upTo, ...rest] = args;
        const opts = parseOptions(rest, ['by', 'reason'], []);
        const upToSeq = Number(upTo);
        if (!deviceId || !journalId || !Number.isSafeInteger(upToSeq) || !opts?.get('by') || !opts.get('reason')) return usage();
        const outcome = await closeJournalGap(db, { deviceId, journalId, upToSeq, reason: opts.get('reason')!, closedBy: opts.get('by')!, now: Date.now() });
        if (!outcome.ok) {
          console.error(`close-gap: refused (${outcome.error.code}): ${outcome.error.detail}`);
          return 1;
        }
        console.info(`seqs ${outcome.gap.fromSeq}–${outcome.gap.toSeq} of ${deviceId} declared lost (recorded with your name and reason); its stream goes on`);
        return 0;
      }
      case 'export-citizen': {
        const [idNumber, ...rest] = args;
        const opts = parseOptions(rest, ['out', 'by'], []);
        if (!idNumber || !opts || !protection) return usage();
        const now = Date.now();
        const out = resolve(opts.get('out') ?? `citizen-export-${new Date(now).toISOString().replace(/[:.]/g, '-')}`);
        const result = await exportCitizen(db, protection, storage(), idNumber, out, { actor: { kind: 'admin-cli', id: operator(opts) }, now });
        if (result.dossiers.length === 0) {
          console.info('no dossier of this ID number at the centre (the request is recorded in the audit log)');
          return 1;
        }
        for (const d of result.dossiers) console.info(`  ${d.code}: ${d.scans} scan(s)${d.missingScans > 0 ? `, ${d.missingScans} not held` : ''}`);
        console.info(`${result.dossiers.length} dossier(s) written to ${result.file} and ${out}/scans (personal data: hand over and delete)`);
        return 0;
      }
      case 'delete-citizen': {
        const [idNumber, ...rest] = args;
        const opts = parseOptions(rest, ['by', 'reason'], []);
        if (!idNumber || !opts?.get('by') || !opts.get('reason') || !protection) return usage();
        const result = await deleteCitizen(db, protection, storage(), idNumber, {
          actor: { kind: 'admin-cli', id: opts.get('by')! },
          reason: opts.get('reason')!,
          now: Date.now(),
          onFileError: (e) => console.warn(`a scan file could not be deleted (its key is gone, it cannot be read): ${String(e)}`),
        });
        if (result.codes.length === 0 && result.alreadyErased.length === 0) {
          console.info('no dossier of this ID number at the centre; nothing erased (the request is recorded in the audit log)');
          return 1;
        }
        for (const code of result.codes) console.info(`  ${code}: applicant, delivery detail, reason and scans erased`);
        for (const code of result.alreadyErased) console.info(`  ${code}: already erased earlier`);
        console.info(`erased the personal data of ${result.codes.length} dossier(s) and ${result.blobs} scan(s); codes and statuses stay for the look-up`);
        return 0;
      }
      case 'purge-expired': {
        const opts = parseOptions(args, ['by'], []);
        if (!opts || !protection) return usage();
        const retentionDays = retentionDaysFromEnv(process.env);
        const result = await purgeExpired(db, storage(), {
          now: Date.now(),
          retentionDays,
          actor: { kind: 'admin-cli', id: operator(opts) },
          onFileError: (e) => console.warn(`a scan file could not be deleted (its key is gone, it cannot be read): ${String(e)}`),
        });
        console.info(`${result.codes.length} dossier(s) past ${retentionDays} days after their final status erased, ${result.blobs} scan(s) deleted`);
        return 0;
      }
      case 'rotate-data-keys': {
        const opts = parseOptions(args, ['by'], []);
        if (!opts || !protection) return usage();
        const now = Date.now();
        const report = await rotateDataKeys(db, protection, storage());
        await auditRotation(db, { kind: 'admin-cli', id: operator(opts) }, report, now);
        console.info(
          `rewrapped ${report.dossiers} dossier key(s), ${report.blobs} scan key(s) and ${report.relayRecords} relay record key(s) under ${report.keyId}`,
        );
        if (report.sealed.dossiers + report.sealed.blobs > 0)
          console.info(`sealed ${report.sealed.dossiers} dossier(s) and ${report.sealed.blobs} scan(s) found in plaintext`);
        for (const u of await dataKeyUsage(db))
          console.info(`  key ${u.keyId}: ${u.dossiers} dossier(s), ${u.blobs} scan(s), ${u.relayRecords} record(s) a hub holds for the centre`);
        console.info(`keys other than ${report.keyId} no longer listed above may now be removed from DATA_KEYS`);
        return 0;
      }
      case 'ratings': {
        const opts = parseOptions(args, ['from', 'to', 'branch'], []);
        if (!opts) return usage();
        const query = RatingFiguresQuery.safeParse(Object.fromEntries(opts));
        if (!query.success) {
          console.error(`ratings: ${query.error.issues.map((i) => `${i.path.join('.') || 'range'}: ${i.message}`).join('; ')} (--from and --to as YYYY-MM-DD)`);
          return 2;
        }
        const f = await ratingFigures(db, query.data);
        const pct = (r: FigureRow) => (r.share === null ? '—' : `${(r.share * 100).toFixed(1)} %`);
        const print = (title: string, rows: readonly FigureRow[]) => {
          console.info(`${title}:`);
          for (const r of rows)
            console.info(
              `  ${r.key.padEnd(16)} ${String(r.ratings).padStart(6)} ratings  ${pct(r).padStart(8)} satisfied${r.share !== null && r.share < f.target ? '  (below target)' : ''}`,
            );
        };
        console.info(
          `Satisfaction ${f.from} – ${f.to}${f.branch ? `, branch ${f.branch}` : ''}: ${f.total.ratings} ratings, ${pct(f.total)} satisfied (target ${f.target * 100} %)`,
        );
        print('per branch', f.byBranch);
        print('per counter', f.byCounter);
        print('per service group', f.byGroup);
        print('per day', f.byDay);
        console.info(
          `levels: ${Object.entries(f.levels)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
        );
        console.info(
          `reasons: ${Object.entries(f.reasons)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
        );
        return 0;
      }
      case 'queue-figures': {
        const opts = parseOptions(args, ['branch', 'day'], []);
        if (!opts) return usage();
        const query = QueueFiguresQuery.safeParse(Object.fromEntries(opts));
        if (!query.success) {
          console.error(
            `queue-figures: ${query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (--branch like CN01, --day as YYYY-MM-DD)`,
          );
          return 2;
        }
        const branches = await db.query('SELECT 1 FROM branches WHERE code = $1', [query.data.branch]);
        if (branches.length === 0) {
          console.error(`queue-figures: no branch ${query.data.branch}`);
          return 1;
        }
        const f = await queueFigures(db, query.data, Date.now());
        const mmss = (s: number | null) => (s === null ? '—' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);
        const dur = (d: DurationFigures) => `${mmss(d.medianS)} / ${mmss(d.p90S)}`.padStart(13);
        const pct = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)} %`).padStart(8);
        console.info(
          `Queue of ${f.branch} on ${f.day} (as of ${new Date(f.asOf).toISOString()}; target wait ${f.targetWaitMinutes} min; times m:ss, median / p90)`,
        );
        console.info('group  issued called never-called   wait          service       served  within target        no-shows');
        for (const g of [...f.byGroup, f.total])
          console.info(
            `${(g.group === '*' ? 'all' : g.group).padEnd(6)} ${String(g.issued).padStart(6)} ${String(g.called).padStart(6)} ${String(g.neverCalled).padStart(12)} ${dur(g.wait)} ${dur(g.service)} ${String(g.served).padStart(7)}  ${pct(g.withinTarget.share)} (${g.withinTarget.within}/${g.withinTarget.of})  ${pct(g.noShowRate)} (${g.noShows})`,
          );
        const desk = (key: string, d: (typeof f.byCounter)[number] | (typeof f.byOfficer)[number]) =>
          console.info(
            `  ${key.padEnd(10)} ${String(d.calls).padStart(5)} calls ${String(d.recalls).padStart(4)} recalls ${String(d.served).padStart(5)} served  service median ${mmss(d.service.medianS).padStart(6)}  ${d.noShows} no-shows  ${d.transfers} transfers  ${d.walkIns} walk-ins`,
          );
        console.info('per counter:');
        for (const c of f.byCounter) desk(`counter ${c.counter}`, c);
        console.info('per officer (actions with a staffId):');
        for (const o of f.byOfficer) desk(o.staffId, o);
        if (f.notCounted.pending + f.notCounted.conflict > 0)
          console.info(`not counted: ${f.notCounted.pending} pending action(s) (ticket not arrived), ${f.notCounted.conflict} conflict(s) kept for staff`);
        return 0;
      }
      case 'audit': {
        const opts = parseOptions(args, ['code', 'since', 'action', 'limit', 'by'], []);
        if (!opts) return usage();
        const since = opts.has('since') ? Date.parse(opts.get('since')!) : undefined;
        const limit = opts.has('limit') ? Number(opts.get('limit')) : undefined;
        if (since !== undefined && !Number.isFinite(since)) {
          console.error(`audit: --since must be an ISO time such as 2026-03-01 or 2026-03-01T08:00:00+07:00, not ${opts.get('since')}`);
          return 2;
        }
        const filter: AuditFilter = {
          ...(opts.has('code') ? { code: opts.get('code')! } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(opts.has('action') ? { action: opts.get('action')! } : {}),
          ...(limit !== undefined ? { limit } : {}),
        };
        const entries = await listAudit(db, filter);
        for (const e of entries) {
          const device = e.deviceAt === null ? '' : ` (kiosk time ${new Date(e.deviceAt).toISOString()})`;
          console.info(
            `${new Date(e.at).toISOString()}  ${e.actorKind}:${e.actorId}  ${e.branchCode ?? '-'}  ${e.action}  ${e.target ?? '-'}  ${e.outcome}${e.detail ? `  ${e.detail}` : ''}${device}`,
          );
        }
        console.info(entries.length === 0 ? 'no audit entry matches' : `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, newest first`);
        // Reading the log is recorded too.
        await recordAudit(db, {
          actorKind: 'admin-cli',
          actorId: operator(opts),
          action: 'audit.list',
          target: filter.code ?? null,
          outcome: 'ok',
          detail: describeFilter(filter, entries.length),
        });
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

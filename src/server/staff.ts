import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { staffScope } from '../shared/published';
import type { Clock } from '../shared/clock';
import {
  isWeakPin,
  makePinVerifier,
  PIN_PATTERN,
  randomPin,
  StaffAccount,
  StaffAccountRequest,
  StaffCreateRequest,
  StaffListQuery,
  type StaffRole,
} from '../shared/staff';
import { recordAudit, type AuditActor } from './audit';
import { lockScope, publishChanges } from './changes';
import type { Db } from './db/Db';
import { describeIssues, wireError } from './wireErrors';

/**
 * Branch staff accounts, managed at the centre (admin command and API) and published to the
 * branch's counter and technician machines in scope `staff:<branch>` (src/shared/staff.ts). The
 * published record is the account: creating, resetting a PIN and disabling each publish a new
 * version, in one transaction with its audit entry. A PIN is generated here (six digits, never a
 * weak one), shown once to whoever asked, and kept only as its PBKDF2 verifier.
 */
export interface StaffSummary {
  readonly staffId: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly active: boolean;
  readonly pinSetAt: number;
}

export type StaffOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly detail: string };

async function current(db: Db, branchCode: string, staffId: string): Promise<StaffAccount | null> {
  const rows = await db.query<{ data: unknown }>(`SELECT data FROM changes WHERE scope = $1 AND entity = 'staffAccount' AND key = $2 AND op = 'put'`, [
    staffScope(branchCode),
    staffId,
  ]);
  const parsed = StaffAccount.safeParse(rows[0]?.data);
  return parsed.success ? parsed.data : null;
}

type StaffFailure = { readonly ok: false; readonly code: string; readonly detail: string };

/**
 * Publishes an account's next version, computed from the version read under the scope's lock
 * (lockScope): two staff changes to one account
 * at once run one after the other, each from the other's result. Read outside, a PIN reset racing a
 * disable published the account active again, both answered 200 (found in review, 2026-12-07).
 */
async function publishAccount(
  db: Db,
  branchCode: string,
  staffId: string,
  next: (current: StaffAccount | null) => StaffAccount | StaffFailure,
  by: AuditActor,
  action: string,
  at: number,
): Promise<StaffOutcome<null>> {
  const scope = staffScope(branchCode);
  return db.transaction(async (tx) => {
    await lockScope(tx, scope);
    const account = next(await current(tx, branchCode, staffId));
    if ('ok' in account) return account;
    const published = await publishChanges(tx, { scope, changes: [{ entity: 'staffAccount', op: 'put', data: account }] });
    if (!published.ok) return { ok: false as const, code: published.error.code, detail: published.error.detail };
    await recordAudit(tx, { actorKind: by.kind, actorId: by.id, branchCode, action, target: account.staffId, outcome: 'ok', at });
    return { ok: true as const, value: null };
  });
}

const unknownStaff = (branchCode: string, staffId: string): StaffFailure => ({
  ok: false,
  code: 'staff.unknown',
  detail: `branch ${branchCode} has no staff ${staffId}`,
});

export interface NewStaff {
  readonly branchCode: string;
  readonly staffId: string;
  readonly name: string;
  readonly role: StaffRole;
}

/**
 * Creates an account with a fresh PIN (returned once). Refuses an id the branch already has.
 * `pin` is for demo set-ups only (scripts/devSetup.ts); a weak one is refused.
 */
export async function createStaff(db: Db, input: NewStaff, by: AuditActor, now: number, pin = randomPin()): Promise<StaffOutcome<{ pin: string }>> {
  if (!PIN_PATTERN.test(pin) || isWeakPin(pin)) return { ok: false, code: 'staff.weak-pin', detail: 'a PIN is 6–8 digits, not one digit repeated nor a run' };
  const known = await db.query('SELECT 1 FROM branches WHERE code = $1', [input.branchCode]);
  if (known.length === 0) return { ok: false, code: 'staff.unknown-branch', detail: `no branch ${input.branchCode}; create it first` };
  // The verifier first (PBKDF2, slow): never under the scope's lock.
  const account = StaffAccount.parse({
    staffId: input.staffId,
    name: input.name,
    role: input.role,
    active: true,
    pin: await makePinVerifier(pin),
    pinSetAt: now,
  });
  const done = await publishAccount(
    db,
    input.branchCode,
    input.staffId,
    (existing) =>
      existing
        ? { ok: false, code: 'staff.exists', detail: `branch ${input.branchCode} already has staff ${input.staffId}; reset its PIN or enable it instead` }
        : account,
    by,
    'staff.create',
    now,
  );
  return done.ok ? { ok: true, value: { pin } } : done;
}

/** A new PIN for an account (returned once); the old one stops working at the next pull. */
export async function resetStaffPin(db: Db, branchCode: string, staffId: string, by: AuditActor, now: number): Promise<StaffOutcome<{ pin: string }>> {
  if (!(await current(db, branchCode, staffId))) return unknownStaff(branchCode, staffId);
  const pin = randomPin();
  const verifier = await makePinVerifier(pin);
  const done = await publishAccount(
    db,
    branchCode,
    staffId,
    (account) => (account ? { ...account, pin: verifier, pinSetAt: now } : unknownStaff(branchCode, staffId)),
    by,
    'staff.reset-pin',
    now,
  );
  return done.ok ? { ok: true, value: { pin } } : done;
}

/** Disables (active=false) or enables an account. */
export async function setStaffActive(db: Db, branchCode: string, staffId: string, active: boolean, by: AuditActor, now: number): Promise<StaffOutcome<null>> {
  return publishAccount(
    db,
    branchCode,
    staffId,
    (account) => (account ? { ...account, active } : unknownStaff(branchCode, staffId)),
    by,
    active ? 'staff.enable' : 'staff.disable',
    now,
  );
}

/** The branch's accounts, without their verifiers. */
export async function listStaff(db: Db, branchCode: string): Promise<StaffSummary[]> {
  const rows = await db.query<{ data: unknown }>(`SELECT data FROM changes WHERE scope = $1 AND entity = 'staffAccount' AND op = 'put' ORDER BY key`, [
    staffScope(branchCode),
  ]);
  const out: StaffSummary[] = [];
  for (const r of rows) {
    const a = StaffAccount.safeParse(r.data);
    if (a.success) out.push({ staffId: a.data.staffId, name: a.data.name, role: a.data.role, active: a.data.active, pinSetAt: a.data.pinSetAt });
  }
  return out;
}

export interface StaffRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly authenticateAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * POST /v1/admin/staff {branchCode, staffId, name, role} → 201 {staffId, pin};
 * POST /v1/admin/staff/reset-pin {branchCode, staffId} → 200 {staffId, pin};
 * POST /v1/admin/staff/disable | /enable {branchCode, staffId} → 200 {staffId, active};
 * GET /v1/admin/staff?branch=CN01 → 200 {staff: [...]} (no verifiers). Admin token required.
 */
export function registerStaffRoutes(app: FastifyInstance, o: StaffRouteOptions): void {
  const actor = (request: FastifyRequest): AuditActor => ({ kind: 'admin-token', id: request.adminLabel ?? 'admin' });
  const refuse = (reply: FastifyReply, outcome: { code: string; detail: string }) =>
    reply.code(outcome.code === 'staff.exists' ? 409 : 404).send(wireError(outcome.code, outcome.detail));

  app.post('/v1/admin/staff', { onRequest: o.authenticateAdmin }, async (request, reply) => {
    const parsed = StaffCreateRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('staff.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await createStaff(o.db, parsed.data, actor(request), o.clock.now());
    if (!outcome.ok) return refuse(reply, outcome);
    return reply.code(201).send({ staffId: parsed.data.staffId, pin: outcome.value.pin });
  });
  app.post('/v1/admin/staff/reset-pin', { onRequest: o.authenticateAdmin }, async (request, reply) => {
    const parsed = StaffAccountRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('staff.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await resetStaffPin(o.db, parsed.data.branchCode, parsed.data.staffId, actor(request), o.clock.now());
    if (!outcome.ok) return refuse(reply, outcome);
    return reply.code(200).send({ staffId: parsed.data.staffId, pin: outcome.value.pin });
  });
  for (const active of [false, true]) {
    app.post(`/v1/admin/staff/${active ? 'enable' : 'disable'}`, { onRequest: o.authenticateAdmin }, async (request, reply) => {
      const parsed = StaffAccountRequest.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send(wireError('staff.bad-request', describeIssues(parsed.error.issues)));
      const outcome = await setStaffActive(o.db, parsed.data.branchCode, parsed.data.staffId, active, actor(request), o.clock.now());
      if (!outcome.ok) return refuse(reply, outcome);
      return reply.code(200).send({ staffId: parsed.data.staffId, active });
    });
  }
  app.get('/v1/admin/staff', { onRequest: o.authenticateAdmin }, async (request, reply) => {
    const parsed = StaffListQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send(wireError('staff.bad-request', describeIssues(parsed.error.issues)));
    return reply.code(200).send({ staff: await listStaff(o.db, parsed.data.branch) });
  });
}

import { staffScope } from '../shared/published';
import type { Clock } from '../shared/clock';
import { PIN_PATTERN, StaffAccount, staffRolesFor, verifyPin, type StaffRef, type StaffRole } from '../shared/staff';
import { taskLine } from '../shared/oneAtATime';
import type { KioskDb } from '../storage/KioskDb';
import type { ReferenceDb } from '../storage/referenceDb';
import { readPublished } from '../storage/referenceRepository';

/**
 * Who is working at this machine (`app.staff`): officers at a counter, technicians in the technician
 * area. Accounts come from the centre (scope `staff:<branch>`, src/shared/staff.ts); the PIN is
 * checked here, offline, against the account's PBKDF2 verifier.
 *
 * - Sign-in is required once this machine has held its branch's accounts: the first pulled account
 *   sets a flag in the kiosk database, so an emptied reference store never opens the counter. A
 *   machine that never received any (not enrolled yet, or the centre created none) works as before,
 *   with no name on its receipts, and says so.
 * - Wrong PINs: after MAX_FAILURES in a row the account is locked on this machine for LOCK_MS, doubling
 *   with each further lock-out up to MAX_LOCK_MS; the count survives a restart (kiosk database) and is
 *   forgotten when the centre sets a new PIN (a newer `pinSetAt`) or the right PIN is entered.
 * - The idle lock keeps the session and its screens and asks the same officer's PIN to unlock;
 *   signing out (or another officer signing in) ends the session.
 */
export const MAX_FAILURES = 5;
export const LOCK_MS = 5 * 60_000;
export const MAX_LOCK_MS = 60 * 60_000;

const REQUIRED_KEY = 'staff.required';
const lockKey = (staffId: string) => `staff.lock.${staffId}`;

interface LockState {
  readonly failures: number;
  readonly lockouts: number;
  readonly lockedUntil: number;
  /** The account's pinSetAt these failures were made against. */
  readonly pinSetAt: number;
}

export interface SignedInStaff extends StaffRef {
  readonly role: StaffRole;
  readonly signedInAt: number;
}

/** An account this machine can sign in, without its verifier. */
export interface StaffChoice extends StaffRef {
  readonly role: StaffRole;
}

export type SignInOutcome =
  | { readonly ok: true; readonly staff: SignedInStaff }
  | { readonly ok: false; readonly code: 'signin.unknown' | 'signin.disabled' | 'signin.not-allowed' | 'signin.pin-format' }
  | { readonly ok: false; readonly code: 'signin.wrong-pin'; readonly attemptsLeft: number }
  | { readonly ok: false; readonly code: 'signin.locked'; readonly lockedUntil: number };

export interface StaffSessionState {
  /** Accounts are known on this machine: the screens need a signed-in member of staff. */
  readonly required: boolean;
  readonly current: SignedInStaff | null;
  /** The idle lock is on: the screens stay, hidden, until `current` enters the PIN again. */
  readonly locked: boolean;
}

export interface StaffSession {
  state(): StaffSessionState;
  subscribe(listener: () => void): () => void;
  /** Reads the accounts (after a pull) and whether sign-in is required; call at start and after a sync. */
  refresh(): Promise<StaffSessionState>;
  /** Accounts that may sign in on this machine in its current role, by name. */
  choices(): Promise<StaffChoice[]>;
  signIn(staffId: string, pin: string): Promise<SignInOutcome>;
  /** The idle lock: hides the screens; nothing is discarded. */
  lock(): void;
  unlock(pin: string): Promise<SignInOutcome>;
  signOut(): void;
  /** The signed-in officer, for records and receipts; null when none. */
  officer(): StaffRef | null;
}

export interface StaffSessionDeps {
  readonly db: KioskDb;
  readonly reference: ReferenceDb;
  readonly clock: Clock;
  readonly branchCode: () => string;
  /** The machine's role now: a counter signs in officers and supervisors, the technician area technicians and supervisors. */
  readonly deviceRole: () => string;
}

export function createStaffSession(deps: StaffSessionDeps): StaffSession {
  const { db, reference, clock } = deps;
  let state: StaffSessionState = { required: false, current: null, locked: false };
  const listeners = new Set<() => void>();
  const set = (next: StaffSessionState): void => {
    state = next;
    for (const l of listeners) l();
  };

  async function accounts(): Promise<StaffAccount[]> {
    const rows = await readPublished(reference, staffScope(deps.branchCode()), 'staffAccount').catch(() => []);
    const out: StaffAccount[] = [];
    for (const r of rows) {
      const parsed = StaffAccount.safeParse(r);
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  function allowedRoles(): readonly StaffRole[] {
    const role = deps.deviceRole();
    return role === 'counter' || role === 'technician' ? staffRolesFor(role) : [];
  }

  async function readLock(account: StaffAccount): Promise<LockState> {
    const row = await db.settings.get(lockKey(account.staffId));
    const v = row?.value as LockState | undefined;
    if (!v || typeof v.failures !== 'number' || v.pinSetAt !== account.pinSetAt)
      return { failures: 0, lockouts: 0, lockedUntil: 0, pinSetAt: account.pinSetAt };
    return v;
  }

  async function writeLock(staffId: string, lock: LockState): Promise<void> {
    await db.settings.put({ key: lockKey(staffId), value: lock });
  }

  // One check at a time: each reads the failures the one before it wrote (checks side by side read
  // the same count, and any number of guesses sent at once cost one try).
  const inLine = taskLine();
  /** Checks the PIN of `staffId` with the lock-out rules; the outcome of a sign-in or an unlock. */
  function check(staffId: string, pin: string): Promise<SignInOutcome> {
    return inLine(() => checkNow(staffId, pin));
  }

  async function checkNow(staffId: string, pin: string): Promise<SignInOutcome> {
    const account = (await accounts()).find((a) => a.staffId === staffId);
    if (!account) return { ok: false, code: 'signin.unknown' };
    if (!account.active) return { ok: false, code: 'signin.disabled' };
    if (!allowedRoles().includes(account.role)) return { ok: false, code: 'signin.not-allowed' };
    if (!PIN_PATTERN.test(pin)) return { ok: false, code: 'signin.pin-format' };
    const now = clock.now();
    const lock = await readLock(account);
    if (lock.lockedUntil > now) return { ok: false, code: 'signin.locked', lockedUntil: lock.lockedUntil };
    if (await verifyPin(pin, account.pin)) {
      if (lock.failures > 0 || lock.lockouts > 0) await writeLock(staffId, { failures: 0, lockouts: 0, lockedUntil: 0, pinSetAt: account.pinSetAt });
      return { ok: true, staff: { staffId: account.staffId, name: account.name, role: account.role, signedInAt: now } };
    }
    const failures = lock.failures + 1;
    if (failures >= MAX_FAILURES) {
      const lockedUntil = now + Math.min(MAX_LOCK_MS, LOCK_MS * 2 ** lock.lockouts);
      await writeLock(staffId, { failures: 0, lockouts: lock.lockouts + 1, lockedUntil, pinSetAt: account.pinSetAt });
      return { ok: false, code: 'signin.locked', lockedUntil };
    }
    await writeLock(staffId, { ...lock, failures });
    return { ok: false, code: 'signin.wrong-pin', attemptsLeft: MAX_FAILURES - failures };
  }

  return {
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async refresh() {
      const known = await accounts();
      let required = (await db.settings.get(REQUIRED_KEY))?.value === true;
      if (!required && known.length > 0) {
        await db.settings.put({ key: REQUIRED_KEY, value: true });
        required = true;
      }
      // A signed-in account disabled (or gone) at the centre ends its session at the next pull.
      const current = state.current;
      const still = current && known.find((a) => a.staffId === current.staffId && a.active);
      const next = { required, current: still ? current : null, locked: still ? state.locked : false };
      if (next.required !== state.required || next.current !== state.current || next.locked !== state.locked) set(next);
      return state;
    },
    async choices() {
      const roles = allowedRoles();
      return (await accounts())
        .filter((a) => a.active && roles.includes(a.role))
        .map((a) => ({ staffId: a.staffId, name: a.name, role: a.role }))
        .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
    },
    async signIn(staffId, pin) {
      const outcome = await check(staffId, pin);
      if (outcome.ok) set({ ...state, current: outcome.staff, locked: false });
      return outcome;
    },
    lock() {
      if (state.current && !state.locked) set({ ...state, locked: true });
    },
    async unlock(pin) {
      const current = state.current;
      if (!current) return { ok: false, code: 'signin.unknown' };
      const outcome = await check(current.staffId, pin);
      if (outcome.ok) set({ ...state, locked: false });
      return outcome;
    },
    signOut() {
      if (state.current) set({ ...state, current: null, locked: false });
    },
    officer() {
      const c = state.current;
      return c ? { staffId: c.staffId, name: c.name } : null;
    },
  };
}

import type { ArgsOf, MutationName } from '../../shared/records';
import type { MutationEnvelope, WireError } from '../../shared/sync';
import type { DataProtection } from '../dataProtection';
import type { Db } from '../db/Db';

/** The device a push comes from, as its credential says (auth.ts). */
export interface AuthenticatedDevice {
  readonly deviceId: string;
  readonly branchCode: string;
  readonly role?: string;
  /** The slot bound at enrolment (deviceSlots.ts); null or absent: none bound, records' slots unchecked. */
  readonly slot?: number | null;
}

/**
 * What the handlers of one pushed batch share: one device, one transaction, one server time.
 * `branchConfig` reads the branch's published configuration once per batch (null when none).
 */
export interface Batch {
  readonly device: AuthenticatedDevice;
  /** The server's clock for this push (e.g. the status time of a received dossier). */
  readonly now: number;
  /** Seals personal fields at rest (personalData.ts). */
  readonly protection: DataProtection;
  /**
   * Whether this server publishes what records change (a received dossier's status). False on a
   * branch hub: its published scopes are the centre's, mirrored verbatim (hub/mirror.ts), and the
   * centre publishes the status when the relayed record reaches it.
   */
  readonly publishes: boolean;
  branchConfig(): Promise<Readonly<Record<string, unknown>> | null>;
  /**
   * Work for after the push's transaction commits (once per key per push, awaited before the push
   * answers; it must not throw and must be safe to run when the transaction rolled back): e.g. the
   * admission of received tickets into their day's queue, which must not hold the day's lock for
   * the length of a push (queueArrivals.ts).
   */
  afterCommit(key: string, task: (db: Db) => Promise<void>): void;
}

/** A record that passed the registry's checks (schema, role, branch) and its handler's `check`. */
export interface RecordItem<N extends MutationName, P = undefined> {
  /** Its position in the batch: `reasons[i]` is its outcome. */
  readonly i: number;
  readonly m: MutationEnvelope;
  readonly a: ArgsOf<N>;
  /** What `prepare` computed for it before the transaction. */
  readonly prepared: P;
}

/**
 * How the server stores one record type (src/shared/records says what it is). push.ts owns the
 * stream protocol — journals, gapless seqs, duplicates, the mutation log — and has already parsed
 * the arguments with the registry's schema, checked the sender's role and that the record is of
 * the sender's branch; a handler adds only what is particular to its type:
 *  - `prepare` (optional) runs before the push's transaction, never under the stream's row lock:
 *    slow per-record work such as hashing a secret. Its result reaches `check` and `store`.
 *  - `check` (optional) rejects a record for a rule beyond its schema (a number outside the
 *    device's blocks), inside the transaction.
 *  - `store` writes the batch's accepted records of this type set-based (a handful of statements
 *    whatever their number), in batch order so the first of two clashing records wins as it would
 *    one by one, and sets `reasons[i]` for each record it refuses (an id or number already taken).
 * (Method signatures, so the registry's table can hold handlers of any `P`.)
 * A thrown error rolls the whole batch back (the kiosk resends it); PostgreSQL data errors make
 * push.ts retry the batch one record at a time and reject the record the database refuses.
 */
export interface RecordHandler<N extends MutationName, P = undefined> {
  prepare?(a: ArgsOf<N>): Promise<P>;
  check?(tx: Db, a: ArgsOf<N>, batch: Batch): Promise<WireError | null>;
  store(tx: Db, items: readonly RecordItem<N, P>[], batch: Batch, reasons: (WireError | null)[]): Promise<void>;
}

/**
 * The records whose row a multi-row INSERT … ON CONFLICT DO NOTHING RETURNING id did not create:
 * ids it did not return, and repeats of an inserted id later in the batch (only the first record
 * carrying it made the row).
 */
export function notInserted<T extends { readonly i: number; readonly a: { readonly id: string } }>(items: readonly T[], inserted: ReadonlySet<string>): T[] {
  const firstOf = new Map<string, number>();
  for (const { i, a } of items) if (inserted.has(a.id) && !firstOf.has(a.id)) firstOf.set(a.id, i);
  return items.filter(({ i, a }) => firstOf.get(a.id) !== i);
}

/** Runs a set-based INSERT … RETURNING id over `rows` (as one jsonb parameter) and returns the ids it created. */
export async function insertedIds(tx: Db, sql: string, rows: readonly object[], ...params: unknown[]): Promise<Set<string>> {
  return new Set((await tx.query<{ id: string }>(sql, [JSON.stringify(rows), ...params])).map((r) => r.id));
}

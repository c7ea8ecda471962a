/**
 * The server's database port: PostgreSQL, whichever engine is behind it (PGlite embedded, or a
 * real server through node-postgres). Route code sees only this interface, so every test runs the
 * same SQL on both engines. SQL here must be accepted by PostgreSQL 15 and by PGlite (PostgreSQL 17+).
 */
export type DbKind = 'pglite' | 'postgres';

export interface Db {
  readonly kind: DbKind;
  /** One statement with $1… parameters; returns its rows. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. Nested calls on a
   * transaction's Db run inside the outer transaction.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Calls onNotify with the payload of every `pg_notify(channel, payload)` committed by anyone on
   * this database (a rolled-back transaction notifies nobody): on PostgreSQL one dedicated
   * connection LISTENs (reconnecting after a loss), so every replica hears every replica; on
   * PGlite the one process hears itself. Resolves once listening; the function it returns stops.
   * Absent on a transaction's Db.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** PostgreSQL errors worth retrying: serialization failure, deadlock, connection and shutdown classes. */
export function isTransientDbError(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  return code === '40001' || code === '40P01' || code.startsWith('08') || code === '57P01' || code === '57P03' || code === '53300';
}

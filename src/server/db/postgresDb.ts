import pg from 'pg';
import type { Db } from './Db';

/**
 * node-postgres Pool: the centre's deployment (DATABASE_URL), where N stateless server replicas
 * share one PostgreSQL. A transaction holds one pooled client from BEGIN to COMMIT.
 */
export function openPostgresDb(connectionString: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const query = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[] = []): Promise<T[]> => {
    const r = await client.query(sql, [...params]);
    return r.rows as T[];
  };
  return {
    kind: 'postgres',
    query: (sql, params) => query(pool, sql, params),
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      const tx: Db = {
        kind: 'postgres',
        query: (sql, params) => query(client, sql, params),
        async exec(sql) {
          await client.query(sql);
        },
        transaction: (inner) => inner(tx),
        close: async () => {},
      };
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        throw e;
      } finally {
        // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken);
      }
    },
    async listen(channel, onNotify) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
      let stopped = false;
      let client: pg.Client | null = null;
      let retry: NodeJS.Timeout | null = null;
      // One connection outside the pool, for as long as we listen. A lost connection is replaced
      // after a second; notifications sent meanwhile are lost, so a listener treats a reconnect
      // as "something may have changed" (onNotify with an empty payload).
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString });
        c.on('notification', (n) => {
          if (n.channel === channel) onNotify(n.payload ?? '');
        });
        c.on('error', () => {
          if (client === c) client = null;
          void c.end().catch(() => {});
          if (!stopped) retry = setTimeout(() => void reconnect(), 1000);
        });
        await c.connect();
        await c.query(`LISTEN ${channel}`);
        client = c;
      };
      const reconnect = async (): Promise<void> => {
        retry = null;
        if (stopped) return;
        try {
          await connect();
          onNotify('');
        } catch {
          if (!stopped) retry = setTimeout(() => void reconnect(), 1000);
        }
      };
      await connect();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        await client?.end().catch(() => {});
        client = null;
      };
    },
    async close() {
      await pool.end();
    },
  };
}

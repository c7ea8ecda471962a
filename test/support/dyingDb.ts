import type { Db } from '../../src/server/db/Db';

/**
 * A database whose connection dies (57P01, as when PostgreSQL is restarted) on the statements
 * `dies` picks, inside transactions too: a power cut at a chosen point of the server's work.
 */
export function dyingDb(inner: Db, dies: (sql: string) => boolean): Db {
  const check = (sql: string): void => {
    if (dies(sql)) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  };
  const wrap = (db: Db): Db => ({
    kind: db.kind,
    async query(sql, params) {
      check(sql);
      return db.query(sql, params);
    },
    async exec(sql) {
      check(sql);
      return db.exec(sql);
    },
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  });
  return wrap(inner);
}

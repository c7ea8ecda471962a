import { describe, it } from 'vitest';
import { dbEngines } from './engines';
import { describeSyncFaults } from './syncFaults';

// The fault rounds of syncFaults.ts on a real PostgreSQL (TEST_DATABASE_URL; `npm test` starts one,
// and server.test.ts fails CI without it).
const postgres = dbEngines.find((e) => e.name === 'postgres');
if (postgres) describeSyncFaults(postgres);
else describe('sync under faults on postgres', () => it.skip('needs a PostgreSQL: set TEST_DATABASE_URL (npm test starts one)', () => undefined));

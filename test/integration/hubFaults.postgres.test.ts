import { describe, it } from 'vitest';
import { dbEngines } from './engines';
import { describeSyncFaults } from './syncFaults';

// The fault rounds of syncFaults.ts through a branch hub (its own PGlite), the centre on a real
// PostgreSQL (TEST_DATABASE_URL; `npm test` starts one).
const postgres = dbEngines.find((e) => e.name === 'postgres');
if (postgres) describeSyncFaults(postgres, { viaHub: true });
else
  describe('sync under faults through a branch hub, centre on postgres', () =>
    it.skip('needs a PostgreSQL: set TEST_DATABASE_URL (npm test starts one)', () => undefined));

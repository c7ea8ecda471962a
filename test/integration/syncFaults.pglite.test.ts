import { dbEngines } from './engines';
import { describeSyncFaults } from './syncFaults';

// The fault rounds of syncFaults.ts on embedded PGlite.
describeSyncFaults(dbEngines.find((e) => e.name === 'pglite')!);

import { dbEngines } from './engines';
import { describeSyncFaults } from './syncFaults';

// The fault rounds of syncFaults.ts through a branch hub (its own PGlite), the centre on embedded PGlite.
describeSyncFaults(
  dbEngines.find((e) => e.name === 'pglite')!,
  { viaHub: true },
);

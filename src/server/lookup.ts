import type { FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock';
import type { Db } from './db/Db';

/** Citizen status look-up (issue 3, item 7). Being written: see src/server/README.md. */
export interface LookupRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
}

export function registerLookupRoutes(_app: FastifyInstance, _options: LookupRouteOptions): void {
  // filled in by the look-up work
}

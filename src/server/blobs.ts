import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock';
import type { Db } from './db/Db';

/** Blob storage over tus (issue 3, item 4). Being written: see src/server/README.md. */
export interface BlobRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Folder for uploaded files; null = blob routes are not mounted. */
  readonly blobDir: string | null;
}

export function registerBlobRoutes(_app: FastifyInstance, _options: BlobRouteOptions): void {
  // filled in by the blob work
}

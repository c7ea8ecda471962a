import type { FastifyInstance } from 'fastify';
import type { Clock } from '../shared/clock';
import type { BlobStorage } from './blobStore';
import type { DataProtection } from './dataProtection';
import type { Db } from './db/Db';
import { purgeExpired, sealUnsealed, type ErasureReport, type SealReport } from './personalData';

/**
 * The personal-data job of each server process: soon after start and then every `everyMs`, it
 * seals what is still in plaintext (rows and scans from before migration 008) and erases the
 * personal data of dossiers past the retention period (personalData.ts). Replicas may run it at the
 * same time: each erasure and each sealing claims its rows. Closing the server stops it.
 */
export interface RetentionJobOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly protection: DataProtection;
  /** The scans' store; null when this server mounts no blob routes (rows only). */
  readonly storage: BlobStorage | null;
  readonly retentionDays: number;
  readonly everyMs: number;
}

export interface RetentionJobReport {
  readonly sealed: SealReport;
  readonly purged: ErasureReport;
}

/** Every hour: erasure a day late at worst is well inside the retention period's meaning. */
export const DEFAULT_RETENTION_JOB_EVERY_MS = 3600 * 1000;

const jobs = new WeakMap<FastifyInstance, () => Promise<RetentionJobReport>>();

/** Runs the job of the server `app` now (tests, with their clock): what it does every `everyMs`. */
export function runRetentionJob(app: FastifyInstance): Promise<RetentionJobReport> {
  const job = jobs.get(app);
  if (!job) throw new Error('no personal-data job on this server');
  return job();
}

export function registerRetentionJob(app: FastifyInstance, options: RetentionJobOptions): void {
  const { db, clock, protection, storage } = options;
  let running: Promise<RetentionJobReport> | null = null;
  const job = (): Promise<RetentionJobReport> => {
    running ??= (async () => {
      const sealed = await sealUnsealed(db, protection, storage);
      if (sealed.dossiers + sealed.blobs > 0) app.log.info({ ...sealed }, 'personal data found in plaintext was sealed');
      const purged = await purgeExpired(db, storage, {
        now: clock.now(),
        retentionDays: options.retentionDays,
        actor: { kind: 'system', id: 'retention-purge' },
        onFileError: (err) => app.log.warn({ err }, 'cannot delete an erased scan file (its key is gone)'),
      });
      if (purged.codes.length > 0)
        app.log.info({ dossiers: purged.codes.length, scans: purged.blobs, retentionDays: options.retentionDays }, 'personal data past retention erased');
      return { sealed, purged };
    })().finally(() => {
      running = null;
    });
    return running;
  };
  jobs.set(app, job);
  const tick = () => void job().catch((err: unknown) => app.log.error({ err }, 'personal-data job failed'));
  const first = setTimeout(tick, Math.min(60_000, options.everyMs));
  const every = setInterval(tick, options.everyMs);
  first.unref();
  every.unref();
  app.addHook('onClose', async () => {
    clearTimeout(first);
    clearInterval(every);
    await running?.catch(() => undefined);
  });
}

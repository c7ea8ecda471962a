import type { MutationName } from './records';

/**
 * The sync envelope every local write produces (DESIGN.md, "Sync requirements"). The server applies
 * mutations in deviceSeq order, exactly once; names carry their version ("ticket.issue@1") so the
 * server can keep accepting old kiosks' mutations after a change.
 */
export interface OutboxEntry {
  /** UUIDv7, primary key. */
  readonly mutationId: string;
  readonly deviceId: string;
  /** Gapless per-device sequence, starting at 1. */
  readonly deviceSeq: number;
  readonly name: MutationName;
  /**
   * The record's arguments as stored: `ArgsOf<name>` (records/index.ts), sealed at rest for a record
   * type whose arguments are personal (src/storage/sealing.ts opens them before a push).
   */
  readonly args: unknown;
  /** Local schema version that produced the entry. */
  readonly schemaVersion: number;
  readonly createdAt: number;
  /** Approximate payload size, for the heartbeat's pending-bytes figure. */
  readonly bytes: number;
}

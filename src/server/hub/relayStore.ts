import { RECORD_TYPES, isMutationName } from '../../shared/records';
import type { MutationEnvelope, MutationResult } from '../../shared/sync';
import { openRecord, sealRecord, type DataProtection } from '../dataProtection';
import type { Db } from '../db/Db';
import { storable } from '../storableJson';

/**
 * What a branch hub holds for the centre (migration 018): every consumed seq of every kiosk journal
 * it receives, the envelope exactly as the kiosk sent it, written in the push's own transaction (so
 * a seq the hub answered for is always relayable), and per journal how far the centre holds it.
 *
 * A record type with personal data (the registry's `personal`) keeps its arguments sealed under the
 * row's own data key, as the centre seals a received dossier, and so does a record whose arguments
 * jsonb cannot hold (storableJson.ts); rows leave once the centre answered.
 */

export interface RelayContext {
  readonly protection: DataProtection;
  readonly now: number;
}

/** Appends consumed seqs of one journal (ON CONFLICT: a seq already held keeps its first envelope). */
export async function appendRelay(tx: Db, ctx: RelayContext, deviceId: string, journalId: string, mutations: readonly MutationEnvelope[]): Promise<void> {
  if (mutations.length === 0) return;
  const rows = mutations.map((m) => {
    const json = JSON.stringify(m.args ?? null);
    // Personal data is sealed at rest; so are arguments jsonb cannot hold (a NUL, half an emoji):
    // the centre must see them as sent, to reject them as the hub did, and the stream goes on.
    const personal = (isMutationName(m.name) && RECORD_TYPES[m.name].personal) || !storable(m.args ?? null);
    const base = {
      device_seq: m.deviceSeq,
      mutation_id: m.mutationId,
      name: m.name,
      schema_version: m.schemaVersion,
      created_at: m.createdAt,
      bytes: json.length,
    };
    if (!personal) return { ...base, args: m.args ?? null, sealed: null, dek: null, kek_id: null };
    const key = ctx.protection.newDataKey('relay', m.mutationId);
    const sealed = sealRecord(key.dek, 'relay', m.mutationId, Buffer.from(json, 'utf8'));
    return { ...base, args: null, sealed: sealed.toString('base64'), dek: key.wrapped.toString('base64'), kek_id: key.keyId };
  });
  await tx.query(
    `INSERT INTO relay_outbox (device_id, journal_id, device_seq, mutation_id, name, schema_version, created_at, args, sealed, dek, kek_id, bytes, received_at)
     SELECT $2::uuid, $3::uuid, x.device_seq, x.mutation_id, x.name, x.schema_version, x.created_at, x.args,
       decode(x.sealed, 'base64'), decode(x.dek, 'base64'), x.kek_id, x.bytes, $4
     FROM jsonb_to_recordset($1::jsonb) AS x(device_seq bigint, mutation_id uuid, name text, schema_version integer, created_at bigint,
       args jsonb, sealed text, dek text, kek_id text, bytes integer)
     ON CONFLICT (device_id, journal_id, device_seq) DO NOTHING`,
    [JSON.stringify(rows), deviceId, journalId, ctx.now],
  );
}

/** The hub's copy of a journal starts at `baseSeq` (what the centre holds, as far as anyone here knows). */
export async function ensureRelayJournal(db: Db, deviceId: string, journalId: string, baseSeq: number): Promise<void> {
  await db.query(
    `INSERT INTO relay_journals (device_id, journal_id, centre_seq, base_seq) VALUES ($1, $2, $3, $3) ON CONFLICT (device_id, journal_id) DO NOTHING`,
    [deviceId, journalId, baseSeq],
  );
}

export interface RelayJournalState {
  readonly centreSeq: number;
  readonly baseSeq: number;
}

export async function relayJournalState(db: Db, deviceId: string, journalId: string): Promise<RelayJournalState> {
  const rows = await db.query<{ centre_seq: unknown; base_seq: unknown }>(
    'SELECT centre_seq, base_seq FROM relay_journals WHERE device_id = $1 AND journal_id = $2',
    [deviceId, journalId],
  );
  return { centreSeq: Number(rows[0]?.centre_seq ?? 0), baseSeq: Number(rows[0]?.base_seq ?? 0) };
}

/** One journal's oldest unrelayed envelopes, opened, in seq order. */
export interface RelayBatch {
  readonly deviceId: string;
  readonly journalId: string;
  readonly mutations: MutationEnvelope[];
  readonly bytes: number;
}

/** Journals with something to relay, the one waiting longest first (skipping those in `skip`). */
export async function journalsToRelay(db: Db): Promise<{ deviceId: string; journalId: string }[]> {
  const rows = await db.query<{ device_id: string; journal_id: string }>(
    `SELECT device_id, journal_id FROM relay_outbox GROUP BY device_id, journal_id ORDER BY min(received_at), device_id, journal_id`,
  );
  return rows.map((r) => ({ deviceId: r.device_id, journalId: r.journal_id }));
}

/** Up to `limit` envelopes of one journal (and at most `maxChars` of arguments, never fewer than one), oldest first. */
export async function relayBatch(
  db: Db,
  protection: DataProtection,
  deviceId: string,
  journalId: string,
  limit: number,
  maxChars: number,
  /** Only seqs above this one (a batch up to it is on its way to the centre). */
  afterSeq = 0,
): Promise<RelayBatch> {
  const rows = await db.query<{
    device_seq: unknown;
    mutation_id: string;
    name: string;
    schema_version: unknown;
    created_at: unknown;
    args: unknown;
    sealed: Uint8Array | null;
    dek: Uint8Array | null;
    kek_id: string | null;
    bytes: unknown;
  }>(
    `SELECT device_seq, mutation_id, name, schema_version, created_at, args, sealed, dek, kek_id, bytes FROM relay_outbox
     WHERE device_id = $1 AND journal_id = $2 AND device_seq > $4 ORDER BY device_seq LIMIT $3`,
    [deviceId, journalId, limit, afterSeq],
  );
  const mutations: MutationEnvelope[] = [];
  let bytes = 0;
  for (const r of rows) {
    const size = Number(r.bytes);
    if (mutations.length > 0 && bytes + size > maxChars) break;
    bytes += size;
    let args: unknown = r.args;
    if (r.sealed && r.dek && r.kek_id) {
      const dek = protection.unwrap('relay', r.mutation_id, { keyId: r.kek_id, wrapped: Buffer.from(r.dek) });
      args = JSON.parse(openRecord(dek, 'relay', r.mutation_id, Buffer.from(r.sealed)).toString('utf8'));
    }
    mutations.push({
      mutationId: r.mutation_id,
      deviceSeq: Number(r.device_seq),
      name: r.name as MutationEnvelope['name'],
      args,
      schemaVersion: Number(r.schema_version),
      createdAt: Number(r.created_at),
    });
  }
  return { deviceId, journalId, mutations, bytes };
}

/**
 * The centre answered for a journal up to `centreSeq`: the rows it holds leave, the journal's
 * position moves (never back), and the hub's own log takes the centre's verdict where it differs
 * (a kiosk that asks again is told what the centre decided). One transaction.
 */
export async function recordRelayed(
  db: Db,
  deviceId: string,
  journalId: string,
  centreSeq: number,
  results: readonly MutationResult[],
  now: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE relay_journals SET centre_seq = GREATEST(centre_seq, $3), relayed_at = $4, last_error = NULL, last_error_at = NULL
       WHERE device_id = $1 AND journal_id = $2`,
      [deviceId, journalId, centreSeq, now],
    );
    await tx.query('DELETE FROM relay_outbox WHERE device_id = $1 AND journal_id = $2 AND device_seq <= $3', [deviceId, journalId, centreSeq]);
    const verdicts = results.map((r) => ({ mutation_id: r.mutationId, status: r.reason ? 'rejected' : 'applied', reason: r.reason ?? null }));
    if (verdicts.length > 0) {
      await tx.query(
        `UPDATE mutations m SET status = x.status, reason = x.reason
         FROM jsonb_to_recordset($1::jsonb) AS x(mutation_id uuid, status text, reason jsonb)
         WHERE m.mutation_id = x.mutation_id AND m.device_id = $2 AND (m.status <> x.status OR m.reason IS DISTINCT FROM x.reason)`,
        [JSON.stringify(verdicts), deviceId],
      );
    }
  });
}

/** Why relaying a journal stopped (kept for the hub's status until it moves again). */
export async function recordRelayError(db: Db, deviceId: string, journalId: string, error: { code: string; detail: string }, now: number): Promise<void> {
  await db.query('UPDATE relay_journals SET last_error = $3::jsonb, last_error_at = $4 WHERE device_id = $1 AND journal_id = $2', [
    deviceId,
    journalId,
    JSON.stringify(error),
    now,
  ]);
}

/** What the hub holds that the centre does not (status page and heartbeat; no personal data). */
export interface RelayFigures {
  readonly records: number;
  readonly bytes: number;
  readonly oldestAgeMs: number | null;
  readonly journals: number;
  readonly stalled: readonly { deviceId: string; journalId: string; error: { code: string; detail: string }; since: number }[];
}

export async function relayFigures(db: Db, now: number): Promise<RelayFigures> {
  const [totals] = await db.query<{ records: unknown; bytes: unknown; oldest: unknown; journals: unknown }>(
    `SELECT count(*) AS records, coalesce(sum(bytes), 0) AS bytes, min(received_at) AS oldest,
       count(DISTINCT (device_id, journal_id)) AS journals FROM relay_outbox`,
  );
  const stalled = await db.query<{ device_id: string; journal_id: string; last_error: { code: string; detail: string }; last_error_at: unknown }>(
    'SELECT device_id, journal_id, last_error, last_error_at FROM relay_journals WHERE last_error IS NOT NULL ORDER BY last_error_at LIMIT 50',
  );
  const oldest = totals?.oldest === null || totals?.oldest === undefined ? null : Number(totals.oldest);
  return {
    records: Number(totals?.records ?? 0),
    bytes: Number(totals?.bytes ?? 0),
    oldestAgeMs: oldest === null ? null : Math.max(0, now - oldest),
    journals: Number(totals?.journals ?? 0),
    stalled: stalled.map((s) => ({ deviceId: s.device_id, journalId: s.journal_id, error: s.last_error, since: Number(s.last_error_at) })),
  };
}

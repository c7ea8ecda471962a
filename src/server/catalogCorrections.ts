import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { inPersonChannel } from '../domain/dossierAppointment';
import { Procedure, type PROCEDURE_TIME_UNITS, type ProcedureChannel } from '../shared/catalog';
import type { Clock } from '../shared/clock';
import { ProcessingTimeCorrection, type ProcessingTimeCorrected } from '../shared/processingTimeCorrection';
import { GLOBAL_SCOPE } from '../shared/published';
import type { WireError } from '../shared/sync';
import { recordAudit, type AuditActor } from './audit';
import { lockScope, publishChanges } from './changes';
import type { Db } from './db/Db';
import { describeIssues, wireError } from './wireErrors';

/**
 * The centre publishes a corrected processing time for one procedure (`ProcessingTimeCorrection`):
 * the published procedure is read, its counter channel (in person, else the first; the channel the
 * kiosk computes appointments from) gets the new time with its unit (`duration`; `workingDays`
 * too for working days, null otherwise, so older readers never take calendar days for working
 * days) and its wording, and the whole record is published again in the global scope, audited
 * (`catalog.processing-time`), in one transaction. Kiosks pull it like any catalog change.
 *
 * Only a procedure the centre has published can be corrected: a kiosk uses the published catalog as
 * soon as it holds one procedure, so publishing a lone corrected record over an unpublished catalog
 * would hide the other 98 from the counters. The record's row is locked while it is rewritten, so
 * two corrections of one procedure never lose each other's change.
 */
export type CorrectionOutcome = { ok: true; value: ProcessingTimeCorrected } | { ok: false; status: 404 | 422; error: WireError };

/** The portal's wording of a time: "5 Ngày làm việc", "10 Ngày", "4 Giờ". */
const UNIT_TEXT: Record<(typeof PROCEDURE_TIME_UNITS)[number], string> = {
  'working-day': 'Ngày làm việc',
  day: 'Ngày',
  hour: 'Giờ',
};

export async function correctProcessingTime(
  db: Db,
  correction: ProcessingTimeCorrection,
  options: { readonly actor: AuditActor; readonly now: number },
): Promise<CorrectionOutcome> {
  return db.transaction(async (tx): Promise<CorrectionOutcome> => {
    // The scope before the procedure's row, as publishChanges takes them: the other way round, a
    // catalog publish of the same procedure deadlocked with this on PostgreSQL.
    await lockScope(tx, GLOBAL_SCOPE);
    const rows = await tx.query<{ data: unknown }>(
      `SELECT data FROM changes WHERE scope = $1 AND entity = 'procedure' AND key = $2 AND op = 'put' FOR UPDATE`,
      [GLOBAL_SCOPE, correction.code],
    );
    const refuse = async (status: 404 | 422, error: WireError): Promise<CorrectionOutcome> => {
      await recordAudit(tx, { ...auditOf(options, correction.code), outcome: 'refused', detail: error.code });
      return { ok: false, status, error };
    };
    const published = Procedure.safeParse(rows[0]?.data);
    if (rows.length === 0) {
      return refuse(
        404,
        wireError('catalog.unknown-procedure', `the centre has not published procedure ${correction.code}; publish the catalog first (publish global <file>)`),
      );
    }
    if (!published.success)
      return refuse(422, wireError('catalog.invalid-procedure', `published procedure ${correction.code}: ${describeIssues(published.error.issues)}`));
    const procedure = published.data;
    const channel = inPersonChannel(procedure);
    if (!channel) return refuse(422, wireError('catalog.no-channel', `procedure ${correction.code} lists no channel`));
    const timeText = correction.timeText ?? `${correction.amount} ${UNIT_TEXT[correction.unit]}`;
    const corrected: ProcedureChannel = {
      ...channel,
      workingDays: correction.unit === 'working-day' ? correction.amount : null,
      timeText,
      duration: { amount: correction.amount, unit: correction.unit },
    };
    const record: Procedure = { ...procedure, channels: procedure.channels.map((c) => (c === channel ? corrected : c)) };
    const outcome = await publishChanges(tx, { scope: GLOBAL_SCOPE, changes: [{ entity: 'procedure', op: 'put', data: record }] });
    if (!outcome.ok) return refuse(422, outcome.error);
    await recordAudit(tx, {
      ...auditOf(options, correction.code),
      outcome: 'ok',
      detail: `${channel.channel}: "${channel.timeText.slice(0, 150)}" → "${timeText.slice(0, 150)}" (${correction.amount} ${correction.unit}), seq ${outcome.lastSeq}`,
    });
    return { ok: true, value: { code: correction.code, channel: channel.channel, timeText, seq: outcome.lastSeq } };
  });
}

function auditOf(options: { readonly actor: AuditActor; readonly now: number }, code: string) {
  return { actorKind: options.actor.kind, actorId: options.actor.id, action: 'catalog.processing-time', target: code, at: options.now };
}

export interface CatalogRouteOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** The admin-token hook (auth.ts adminAuth). */
  readonly authenticateAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/** `POST /v1/admin/catalog/processing-time` with an admin token: 200 `ProcessingTimeCorrected`, 400, 404 unknown procedure, 422. */
export function registerCatalogRoutes(app: FastifyInstance, options: CatalogRouteOptions): void {
  const { db, clock } = options;
  app.post('/v1/admin/catalog/processing-time', { onRequest: options.authenticateAdmin }, async (request, reply) => {
    const parsed = ProcessingTimeCorrection.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(wireError('catalog.bad-request', describeIssues(parsed.error.issues)));
    const outcome = await correctProcessingTime(db, parsed.data, { actor: { kind: 'admin-token', id: request.adminLabel ?? 'admin' }, now: clock.now() });
    if (!outcome.ok) return reply.code(outcome.status).send(outcome.error);
    request.log.info({ admin: request.adminLabel, code: outcome.value.code, seq: outcome.value.seq }, 'processing time corrected');
    return reply.code(200).send(outcome.value);
  });
}

import { wireError } from '../wireErrors';
import { insertedIds, notInserted, type RecordHandler } from './types';

/**
 * `audit.event@1`: a counter's receipt print, reprint or document reuse, into the centre's audit
 * log (audit.ts): actor = the sending device, time = the server's, the kiosk's own in device_at.
 */
export const auditEvent: RecordHandler<'audit.event@1'> = {
  async store(tx, items, batch, reasons) {
    const inserted = await insertedIds(
      tx,
      `INSERT INTO audit_log (at, actor_kind, actor_id, branch_code, action, target, outcome, detail, event_id, device_at)
       SELECT $3::bigint, 'device', $2::text, x.branch_code, x.action, x.dossier_code, 'ok', x.detail, x.id, x.at
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, action text, dossier_code text, detail text, at bigint, ord bigint)
       ORDER BY x.ord
       ON CONFLICT DO NOTHING RETURNING event_id AS id`,
      items.map(({ a }, ord) => ({
        ord,
        id: a.id,
        branch_code: a.branchCode,
        action: a.action,
        dossier_code: a.dossierCode,
        detail: auditDetail(a.relatedCode, a.documents, a.staffId ?? null),
        at: a.at,
      })),
      batch.device.deviceId,
      batch.now,
    );
    for (const { i } of notInserted(items, inserted)) reasons[i] = wireError('audit.id-taken', 'an audit event with this id already exists');
  },
};

/** What the log says beyond the action: where reused papers went, and which officer acted. */
function auditDetail(relatedCode: string | null, documents: number, staffId: string | null): string | null {
  const parts = [relatedCode === null ? null : `into ${relatedCode}: ${documents} document(s)`, staffId === null ? null : `officer ${staffId}`];
  const text = parts.filter((p) => p !== null).join('; ');
  return text === '' ? null : text;
}

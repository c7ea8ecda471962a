import { wireError } from '../wireErrors';
import { insertedIds, notInserted, type RecordHandler } from './types';

/** `rating.submit@1`: a citizen's satisfaction rating, anonymous; unique per id. */
export const ratingSubmit: RecordHandler<'rating.submit@1'> = {
  async store(tx, items, batch, reasons) {
    const inserted = await insertedIds(
      tx,
      `INSERT INTO ratings (id, branch_code, device_id, ticket_id, dossier_code, counter, level, reasons, comment, questionnaire_id, questionnaire_version, submitted_at)
       SELECT x.id, x.branch_code, $2::uuid, x.ticket_id, x.dossier_code, x.counter, x.level,
         ARRAY(SELECT jsonb_array_elements_text(x.reasons)), x.comment, x.questionnaire_id, x.questionnaire_version, x.submitted_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, branch_code text, ticket_id uuid, dossier_code text, counter text, level text,
         reasons jsonb, comment text, questionnaire_id text, questionnaire_version integer, submitted_at bigint, ord bigint)
       ORDER BY x.ord
       ON CONFLICT DO NOTHING RETURNING id`,
      items.map(({ a }, ord) => ({
        ord,
        id: a.id,
        branch_code: a.branchCode,
        ticket_id: a.ticketId,
        dossier_code: a.dossierCode,
        counter: a.counter,
        level: a.level,
        reasons: a.reasons,
        comment: a.comment,
        questionnaire_id: a.questionnaireId,
        questionnaire_version: a.questionnaireVersion,
        submitted_at: a.submittedAt,
      })),
      batch.device.deviceId,
    );
    for (const { i } of notInserted(items, inserted)) reasons[i] = wireError('rating.id-taken', 'a rating with this id already exists');
  },
};

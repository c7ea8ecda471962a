import { parseDossierCode, type DossierNumbering } from '../domain/dossierCode';
import { registerCounterKey } from '../domain/receptionRegister';
import { localSeqFor } from '../domain/ticketNumbering';
import type { Ticket } from '../domain/ticket';
import type { TicketNumbering } from '../shared/branchConfig';
import type { CounterMark } from '../shared/ipc';
import type { OutboxEntry } from '../shared/outbox';
import { DossierSubmitArgs, RatingSubmitArgs, TicketIssueArgs } from '../shared/records';
import { dossierCounterKey } from './dossierRepository';
import { JOURNAL_ID_KEY, type KioskDb, type Rating } from './KioskDb';
import { ticketCounterKey } from './ticketRepository';
import type { SealedBox } from './personalCipher';
import { DOSSIER_CONTEXT, isSealedArgs, openOutboxEntry, sealedArgs } from './sealing';
import { toStorageFailure } from './storageErrors';

/**
 * Replays the second copy of the outbox (Electron's fsync'ed journal file) into a journal database
 * that came back empty — the way Chromium loses IndexedDB after a full disk or a profile reset
 * (DESIGN.md). Only a fresh database is touched: no outbox entry and no deviceSeq yet. The database
 * takes over the file's journal id, so the server sees the same stream continue; the records the
 * entries describe (tickets, ratings, dossiers) come back too.
 *
 * The ticket and dossier counters and the reception-register serials come back from the entries and from the counter high-water
 * marks kept beside the journal (never trimmed, see app/counterReservations.ts), whichever is
 * higher: numbers whose entries were already confirmed and trimmed from the file are never issued
 * again. With no entry left but marks, only the counters are restored (a new journal id stays).
 */
export interface JournalCopy {
  readonly journalId: string;
  readonly entries: readonly OutboxEntry[];
}

export interface RecoveryReport {
  /** Outbox entries put back. */
  readonly restored: number;
  /** The journal id taken over from the file (null when only counters came back). */
  readonly journalId: string | null;
  /** Counters set from the entries and the high-water marks. */
  readonly counters: number;
}

export async function isFreshJournal(db: KioskDb): Promise<boolean> {
  return (await db.outbox.count()) === 0 && (await db.counters.get('deviceSeq')) === undefined && (await db.tickets.count()) === 0;
}

export async function restoreFromJournal(
  db: KioskDb,
  copy: JournalCopy | null,
  numbering: TicketNumbering,
  kioskSlot: number,
  now: number,
  /** The branch's dossier numbering, so this device's dossier sequence continues after the restore. */
  dossierNumbering: DossierNumbering | null = null,
  /** Counter high-water marks kept beside the journal: the floor of every restored counter. */
  marks: readonly CounterMark[] = [],
): Promise<RecoveryReport | null> {
  const entries = [...(copy?.entries ?? [])].sort((a, b) => a.deviceSeq - b.deviceSeq);
  if (entries.length === 0 && marks.length === 0) return null;
  try {
    // Dossier entries are sealed in the file (new) or in clear (an older version wrote them): both
    // come back sealed, with the row's blind index computed here (WebCrypto cannot run inside the
    // transaction below).
    const dossiers = new Map<string, { args: DossierSubmitArgs; box: SealedBox; applicantId: string }>();
    const stored = new Map<string, OutboxEntry>();
    for (const e of entries) {
      if (e.name !== 'dossier.submit@1') continue;
      const d = DossierSubmitArgs.safeParse((await openOutboxEntry(db, e)).args);
      if (!d.success) continue;
      const box = isSealedArgs(e.args) ? e.args.$sealed : await db.cipher().sealJson(d.data, DOSSIER_CONTEXT);
      dossiers.set(e.mutationId, { args: d.data, box, applicantId: await db.cipher().blindIndex(d.data.applicant.idNumber) });
      if (!isSealedArgs(e.args)) stored.set(e.mutationId, { ...e, args: sealedArgs(d.data, box) });
    }
    return await db.transaction('rw', [db.outbox, db.counters, db.settings, db.tickets, db.ratings, db.events, db.dossiers, db.documentIndex], async () => {
      if (!(await isFreshJournal(db))) return null;
      const ticketCounters = new Map<string, number>(marks.map((m) => [m.key, m.value]));
      for (const e of entries) {
        await db.outbox.put(stored.get(e.mutationId) ?? e);
        if (e.name === 'ticket.issue@1') {
          const t = TicketIssueArgs.safeParse(e.args);
          if (!t.success) continue;
          const a = t.data;
          const localSeq = localSeqFor(a.numeric, a.kioskSlot, numbering) ?? 0;
          const ticket: Ticket = {
            id: a.id,
            branchCode: a.branchCode,
            deviceId: e.deviceId,
            kioskSlot: a.kioskSlot,
            day: a.day,
            groupPrefix: a.groupPrefix,
            localSeq,
            numeric: a.numeric,
            number: a.number,
            priority: a.priority,
            status: 'issued',
            issuedAt: a.issuedAt,
            printStatus: 'printed',
            syncedAt: null,
          };
          await db.tickets.put(ticket);
          if (a.kioskSlot === kioskSlot) {
            const key = ticketCounterKey(a.day, a.groupPrefix, a.kioskSlot);
            ticketCounters.set(key, Math.max(ticketCounters.get(key) ?? 0, localSeq));
          }
        } else if (e.name === 'rating.submit@1') {
          const r = RatingSubmitArgs.safeParse(e.args);
          if (r.success) await db.ratings.put({ ...r.data, syncedAt: null } satisfies Rating);
        } else if (e.name === 'dossier.submit@1') {
          // The record comes back (the officer sees it, the centre gets it); PDFs that never left
          // this machine are gone with the database, and the centre marks the dossier incomplete.
          const d = dossiers.get(e.mutationId);
          if (!d) continue;
          const a = d.args;
          const parts = a.code.split('-');
          const yymmdd = parts[parts.length - 2]!;
          const day = `20${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
          await db.dossiers.put({
            id: a.id,
            code: a.code,
            day,
            receivedAt: a.receivedAt,
            applicantId: d.applicantId,
            sealed: d.box,
            documents: a.documents.map((x) => ({ sha256: x.sha256, name: x.name })),
            syncedAt: null,
            printedAt: null,
            printCount: 0,
          });
          const parsed = dossierNumbering ? parseDossierCode(a.code, dossierNumbering) : null;
          if (parsed?.ok && parsed.value.slot === kioskSlot) {
            const key = dossierCounterKey(parsed.value.unitCode, day);
            ticketCounters.set(key, Math.max(ticketCounters.get(key) ?? 0, parsed.value.localSeq));
          }
          // The reception-register book of this counter continues above every serial it printed.
          if (a.register && a.slot === kioskSlot) {
            const key = registerCounterKey(a.register.book);
            ticketCounters.set(key, Math.max(ticketCounters.get(key) ?? 0, a.register.serial));
          }
        }
      }
      for (const [key, value] of ticketCounters) await db.counters.put({ key, value });
      const last = entries[entries.length - 1];
      if (copy && last) {
        await db.counters.put({ key: 'deviceSeq', value: last.deviceSeq });
        await db.settings.put({ key: JOURNAL_ID_KEY, value: copy.journalId });
      }
      await db.events.add({
        at: now,
        kind: 'journal.restored',
        code: 'journal.restored',
        detail: `${entries.length} pending records and ${ticketCounters.size} number counters restored from the journal file`,
        subject: null,
      });
      return { restored: entries.length, journalId: copy && last ? copy.journalId : null, counters: ticketCounters.size };
    });
  } catch (e) {
    throw toStorageFailure(e);
  }
}

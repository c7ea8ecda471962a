import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { checkWedgeText } from '../../app/capture';
import type { AppointmentPreview, DossierDesk, DraftDocument, ReceivedDossier, ReuseCandidate } from '../../app/dossierTypes';
import { checkDateOfBirth, checkEmail, checkFullName, checkIdNumber, checkPhone, type FieldProblem } from '../../domain/applicantFields';
import { missingOf } from '../../domain/checklist';
import { inPersonChannel } from '../../domain/dossierAppointment';
import { toLocalDateTime } from '../../domain/localDay';
import type { Procedure } from '../../shared/catalog';
import { isCompleteIdNumber, normalizeIdNumber } from '../../shared/idNumber';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { ApplicantPanel } from './ApplicantPanel';
import { ChecklistPanel } from './ChecklistPanel';
import { DossierDone } from './DossierDone';
import {
  applicantFromCard,
  documentKey,
  EMPTY_APPLICANT,
  FIELD_IDS,
  received,
  situationFieldId,
  type ApplicantField,
  type ApplicantState,
  type DocumentState,
  type ExtraDocument,
} from './draft';
import { appointmentText } from './appointment';
import { ProcedurePicker } from './ProcedurePicker';
import { NO_PROCESSING_SET, ProcessingTimeControl, type ProcessingState } from './ProcessingTimeControl';
import { ReuseNotice } from './ReuseNotice';

/** A QR text for the applicant: from this screen's camera, or a USB scanner routed by the shell. */
export interface CardScan {
  readonly text: string;
  readonly source: 'camera' | 'wedge';
  readonly seq: number;
}

export interface NewDossierProps {
  readonly desk: DossierDesk;
  readonly cardScan: CardScan | null;
  /** "Hồ sơ mới": the shell remounts this screen, dropping everything (personal data included). */
  /** Starts a new dossier; `carry` is an ID card scanned on the done screen, read into the new one. */
  readonly onReset: (carry?: CardScan) => void;
  /** The queue ticket being served (from the "Gọi số" panel): shown, and recorded on the dossier row. */
  readonly ticketNumber?: string | null;
  /** The form was saved (done screen) or is being filled in. */
  readonly onStage?: (stage: 'editing' | 'done') => void;
}

/** One thing to fix before the dossier can be saved: where it is (a DOM id) and what to do. */
interface FormError {
  readonly key: string;
  readonly targetId: string;
  readonly message: string;
}

/** Where the summary sends the officer for a processing time the control refuses. */
const PROCESSING_ID = 'desk-processing';

const APPLICANT_FIELDS: readonly ApplicantField[] = ['idNumber', 'fullName', 'dateOfBirth', 'phone', 'email'];

/**
 * "Tiếp nhận hồ sơ", laid out for the counter's landscape screen: applicant, procedure and submit
 * beside the checklist (three columns from 1700 px wide, two from 1200, one below), each column
 * scrolling on its own so the submit button stays in view. Each field is checked where it is typed
 * (when the officer leaves it) and all at once on save: an error summary at the top links to every
 * field to fix, and focus moves to the first. Nothing the officer captured is lost on a failed
 * submit; after a successful one the receipt prints at once.
 */
export const NewDossier = memo(function NewDossier({ desk, cardScan, onReset, ticketNumber = null, onStage }: NewDossierProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [applicant, setApplicant] = useState<ApplicantState>(EMPTY_APPLICANT);
  const [cardError, setCardError] = useState<AppError | null>(null);
  const [cardReads, setCardReads] = useState(0);
  const [procedure, setProcedure] = useState<Procedure | null>(null);
  const [preview, setPreview] = useState<AppointmentPreview | null>(null);
  const [processing, setProcessing] = useState<ProcessingState>(NO_PROCESSING_SET);
  const [selectedCases, setSelectedCases] = useState<readonly string[]>([]);
  const [docs, setDocs] = useState<ReadonlyMap<string, DocumentState>>(new Map());
  const [extras, setExtras] = useState<readonly ExtraDocument[]>([]);
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  const [candidates, setCandidates] = useState<readonly ReuseCandidate[]>([]);
  const [scannerReady, setScannerReady] = useState<boolean | null>(null);
  const [reason, setReason] = useState('');
  const [sets, setSets] = useState(1);
  const [delivery, setDelivery] = useState<'counter' | 'post'>('counter');
  const [attempted, setAttempted] = useState(false);
  const [left, setLeft] = useState<ReadonlySet<ApplicantField>>(new Set());
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);
  const [done, setDone] = useState<ReceivedDossier | null>(null);
  const offset = app.branch.utcOffsetMinutes;

  useEffect(() => {
    let live = true;
    void app.documentScanner.available().then((ready) => live && setScannerReady(ready));
    return () => {
      live = false;
    };
  }, [app]);

  const readCard = useCallback(
    (text: string, source: 'camera' | 'wedge') => {
      const clean = source === 'wedge' ? checkWedgeText(text) : { ok: true as const, value: text };
      if (!clean.ok) {
        setCardError(clean.error);
        return;
      }
      const parsed = desk.readIdCard(clean.value);
      if (!parsed.ok) {
        // All or nothing: the form stays as it was, only the reason is shown.
        setCardError({ code: parsed.code, detail: parsed.detail });
        return;
      }
      setCardError(null);
      setApplicant((current) => applicantFromCard(parsed.card, current));
      setCardReads((n) => n + 1);
    },
    [desk],
  );
  const onCameraText = useCallback((text: string) => readCard(text, 'camera'), [readCard]);
  const onScanStart = useCallback(() => setCardError(null), []);

  // A card scanned while the done screen shows is the next citizen: start their dossier with it.
  const doneRef = useRef(false);
  useEffect(() => {
    if (cardScan === null) return;
    if (doneRef.current) onReset(cardScan);
    else readCard(cardScan.text, cardScan.source);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new scan triggers this
  }, [cardScan, readCard]);

  // Earlier papers of this citizen at this branch, once the ID number is complete.
  const idNumber = applicant.idNumber;
  // Papers reused for one citizen never stay attached to another: a new ID number drops them.
  useEffect(() => {
    setDocs((current) => {
      if (![...current.values()].some((d) => d.reuse !== null)) return current;
      return new Map([...current].map(([id, d]) => [id, d.reuse !== null ? { ...d, reuse: null } : d]));
    });
  }, [idNumber]);
  useEffect(() => {
    if (!isCompleteIdNumber(idNumber)) {
      setCandidates([]);
      return;
    }
    let live = true;
    void desk
      .reuseCandidates(idNumber)
      .then((found) => live && setCandidates(found))
      .catch(() => live && setCandidates([]));
    return () => {
      live = false;
    };
  }, [desk, idNumber]);

  const pickProcedure = useCallback(
    (p: Procedure) => {
      setProcedure(p);
      setSelectedCases([]);
      setPreview(null);
      setSubmitError(null);
      void desk.appointmentPreview(p).then(setPreview, () => setPreview(null));
    },
    [desk],
  );

  const code = procedure?.code ?? '';
  const view = useMemo(() => (procedure ? desk.checklist(procedure, selectedCases) : null), [desk, procedure, selectedCases]);
  const items = useMemo(() => view?.items ?? [], [view]);
  const suggestions = useMemo(() => (procedure ? desk.suggestReuse(procedure, candidates) : new Map<string, ReuseCandidate>()), [desk, procedure, candidates]);
  const procedureDocs = useMemo(() => {
    const m = new Map<string, DocumentState>();
    for (const [key, state] of docs) if (key.startsWith(`${code}/`)) m.set(key.slice(code.length + 1), state);
    return m;
  }, [docs, code]);
  const onDocChange = useCallback(
    (documentId: string, next: DocumentState) =>
      setDocs((prev) => {
        const m = new Map(prev);
        m.set(documentKey(code, documentId), next);
        return m;
      }),
    [code],
  );
  // A "pick one" question keeps one answer: ticking a situation unticks the others of its group.
  const onToggleSituation = useCallback(
    (groupId: string, id: string) =>
      setSelectedCases((s) => {
        if (s.includes(id)) return s.filter((x) => x !== id);
        const group = view?.groups.find((g) => g.id === groupId);
        const others = group?.pick === 'one' ? new Set(group.situations.map((x) => x.id)) : new Set<string>();
        return [...s.filter((x) => !others.has(x)), id];
      }),
    [view],
  );
  const onLeave = useCallback((field: ApplicantField) => setLeft((s) => (s.has(field) ? s : new Set([...s, field]))), []);
  const onToggleShown = useCallback(
    (id: string) =>
      setShown((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [],
  );
  // Extra papers are numbered per screen: the id only has to be unique within this dossier.
  const extraSeq = useRef(0);
  const onAddExtra = useCallback((name: string) => {
    extraSeq.current += 1;
    const documentId = `extra-${extraSeq.current}`;
    setExtras((list) => [...list, { documentId, name }]);
  }, []);
  const onRemoveExtra = useCallback((id: string) => setExtras((list) => list.filter((x) => x.documentId !== id)), []);

  const receivedIds = new Set([...procedureDocs].filter(([, d]) => received(d)).map(([id]) => id));
  const missing = missingOf(items, receivedIds);
  const needsReason = missing.length > 0 && reason.trim() === '';

  // Each applicant field's problem, in Vietnamese with what to do; shown once the officer left the field or tried to save.
  const today = toLocalDateTime(app.now(), offset);
  const problems: Partial<Record<ApplicantField, FieldProblem>> = applicant.fromCard
    ? {}
    : {
        idNumber: checkIdNumber(applicant.idNumber) ?? undefined,
        fullName: checkFullName(applicant.fullName) ?? undefined,
        dateOfBirth: checkDateOfBirth(applicant.dateOfBirthText, today) ?? undefined,
      };
  problems.phone = checkPhone(applicant.phone) ?? undefined;
  problems.email = checkEmail(applicant.email) ?? undefined;
  const fieldMessage = (field: ApplicantField): string | undefined => {
    const p = problems[field];
    if (p === undefined) return undefined;
    return t(`form.field.${p}`, { count: normalizeIdNumber(applicant.idNumber).length });
  };
  const visibleFieldErrors: Partial<Record<ApplicantField, string>> = {};
  for (const f of APPLICANT_FIELDS) if (attempted || left.has(f)) visibleFieldErrors[f] = fieldMessage(f);

  // Everything to fix, in screen order (applicant, procedure, checklist, reason).
  const errors: FormError[] = [];
  for (const f of APPLICANT_FIELDS) {
    const message = fieldMessage(f);
    if (message) errors.push({ key: f, targetId: FIELD_IDS[f], message });
  }
  if (procedure === null) errors.push({ key: 'procedure', targetId: FIELD_IDS.procedure, message: t('form.field.procedure') });
  for (const g of view?.groups ?? []) {
    if (g.unanswered) errors.push({ key: `situation-${g.id}`, targetId: situationFieldId(g.id), message: t('form.field.situation', { question: g.label }) });
  }
  if (processing.error) errors.push({ key: 'processing', targetId: PROCESSING_ID, message: t('desk.submit.check.processing') });
  if (needsReason) errors.push({ key: 'reason', targetId: FIELD_IDS.reason, message: t('form.field.reason', { count: missing.length }) });

  const focusField = (targetId: string): void => {
    const el = document.getElementById(targetId);
    if (!el) return;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'center' });
  };

  // One dossier per submission, however fast the clicks or Ctrl+Enter: `submitting` reaches this
  // closure only with the next render, and a double click can come before it. True from the click
  // to a failure, and for good once saved (the next dossier is a new form).
  const submittingNow = useRef(false);
  // Papers whose pages are still on their way (scanner, compression, camera, files, a reused
  // paper): saving now would leave those pages out of the dossier while the receipt says "saved".
  const capturing = useRef(new Set<string>());
  const [capturingCount, setCapturingCount] = useState(0);
  const onCapturing = useCallback((documentId: string, now: boolean) => {
    if (now) capturing.current.add(documentId);
    else capturing.current.delete(documentId);
    setCapturingCount(capturing.current.size);
  }, []);
  const submit = async (): Promise<void> => {
    if (submittingNow.current) return;
    setAttempted(true);
    setSubmitError(null);
    if (capturing.current.size > 0) {
      setSubmitError({ code: 'dossier.pages-pending', detail: '' });
      return;
    }
    const first = errors[0];
    if (first !== undefined || procedure === null) {
      // All errors show at once (summary and fields); the officer starts at the first one.
      if (first) focusField(first.targetId);
      return;
    }
    submittingNow.current = true;
    setSubmitting(true);
    const end = app.activity.begin();
    try {
      const papers = [
        ...items
          .filter((i) => i.need !== 'show' && i.need !== 'info')
          .map((i) => ({ id: i.document.id, name: i.document.name, originals: i.document.originals, copies: i.document.copies })),
        ...extras.map((x) => ({ id: x.documentId, name: x.name, originals: 0, copies: 1 })),
      ];
      const documents: DraftDocument[] = [];
      for (const paper of papers) {
        const state = procedureDocs.get(paper.id);
        if (!state || !received(state)) continue;
        documents.push({
          documentId: paper.id,
          name: paper.name,
          originals: state.originals ?? paper.originals,
          copies: state.copies ?? paper.copies,
          pages: state.pages,
          reuse: state.reuse,
        });
      }
      // The desk cleans the applicant up, makes each paper's PDF and hashes it: hand over the form as it is.
      const r = await desk.submit({
        procedureCode: procedure.code,
        selectedCases,
        applicant,
        documents,
        incompleteReason: reason,
        sets,
        resultDelivery: { method: delivery, detail: delivery === 'post' ? applicant.address : '' },
        processingSet: processing.set,
        ticketNumber,
      });
      if (r.ok) setDone(r.value);
      else setSubmitError(r.error);
      // A saved dossier stays saved: the next one is a new form (CounterShell remounts it).
      submittingNow.current = r.ok;
    } catch (e) {
      submittingNow.current = false;
      setSubmitError({ code: 'storage.write-failed', detail: e instanceof Error ? e.message : String(e) });
    } finally {
      end();
      setSubmitting(false);
    }
  };
  const submitRef = useRef(submit);
  useEffect(() => {
    submitRef.current = submit;
  });

  // Ctrl+Enter submits from anywhere on the screen.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Enter' && e.ctrlKey) {
        e.preventDefault();
        void submitRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  doneRef.current = done !== null;
  useEffect(() => onStage?.(done === null ? 'editing' : 'done'), [done, onStage]);
  if (done) return <DossierDone desk={desk} dossier={done} onNew={() => onReset()} />;

  const time = procedure ? desk.processingTime(procedure) : null;
  const channel = procedure ? inPersonChannel(procedure) : undefined;
  // The officer's processing time, when set, gives the appointment shown.
  const appointment = processing.preview ?? preview;
  const shownErrors = attempted ? errors : [];
  return (
    <div className="desk" data-testid="desk.new" data-ticket={ticketNumber ?? ''}>
      {shownErrors.length > 0 && (
        <div className="error-summary" role="alert" aria-labelledby="desk-errors-h" data-testid="desk.errorSummary" data-count={shownErrors.length}>
          <p id="desk-errors-h" className="error-summary__title">
            {t('form.summary.title', { count: shownErrors.length })}
          </p>
          <ul className="error-summary__list">
            {shownErrors.map((e) => (
              <li key={e.key} data-testid="desk.errorItem" data-key={e.key}>
                <a
                  href={`#${e.targetId}`}
                  onClick={(ev) => {
                    ev.preventDefault();
                    focusField(e.targetId);
                  }}
                >
                  {e.message}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="desk__col desk__col--left">
        <div className="desk__scroll desk__scroll--applicant">
          {ticketNumber !== null && (
            <p className="desk__ticket" data-testid="desk.ticket">
              {t('queue.dossier.ticket', { number: ticketNumber })}
            </p>
          )}
          <ApplicantPanel
            applicant={applicant}
            onChange={setApplicant}
            onCardText={onCameraText}
            cardError={cardError}
            cardReads={cardReads}
            onScanStart={onScanStart}
            errors={visibleFieldErrors}
            onLeave={onLeave}
          />
          <ReuseNotice desk={desk} active={isCompleteIdNumber(idNumber)} />
        </div>
        <div className="desk__scroll desk__scroll--procedure">
          <section className="panel desk-panel" aria-labelledby="desk-procedure-h" data-testid="desk.procedure">
            <h2 id="desk-procedure-h">{t('desk.procedure.heading')}</h2>
            {procedure === null ? (
              <>
                <ProcedurePicker desk={desk} onPick={pickProcedure} />
                {attempted && (
                  <p className="field-error" data-testid="desk.fieldError.desk-procedure-search">
                    {t('form.field.procedure')}
                  </p>
                )}
              </>
            ) : (
              <div className="chosen" data-testid="desk.procedureChosen" data-code={procedure.code}>
                <div className="chosen__main">
                  <p className="chosen__name">{procedure.name}</p>
                  <p className="chosen__meta">
                    <span className="picker__code">{procedure.code}</span> · {procedure.field}
                  </p>
                  <dl className="dl chosen__facts">
                    <dt>{t('desk.procedure.time')}</dt>
                    <dd data-testid="desk.processingTime">{time?.text ?? t('desk.procedure.timeUnknown')}</dd>
                    <dt>{t('desk.procedure.fee')}</dt>
                    <dd data-testid="desk.fee">{channel?.feeText || t('desk.procedure.feeUnknown')}</dd>
                    <dt>{t('desk.procedure.appointment')}</dt>
                    <dd
                      data-testid="desk.appointmentPreview"
                      data-kind={appointment?.kind ?? 'loading'}
                      data-date={appointment?.kind === 'date' ? appointment.date : ''}
                      className={appointment?.kind === 'needs-confirmation' ? 'text-danger' : ''}
                    >
                      {appointment === null ? t('desk.procedure.appointmentLoading') : appointmentText(t, appointment, offset)}
                    </dd>
                  </dl>
                  <div id={PROCESSING_ID} tabIndex={-1}>
                    <ProcessingTimeControl
                      key={procedure.code}
                      desk={desk}
                      catalogTime={time}
                      utcOffsetMinutes={offset}
                      showErrors={attempted}
                      onChange={setProcessing}
                    />
                  </div>
                </div>
                <button type="button" className="btn btn--secondary btn--small" onClick={() => setProcedure(null)} data-testid="desk.changeProcedure">
                  {t('desk.procedure.change')}
                </button>
              </div>
            )}
          </section>

          <section className="panel desk-panel desk-submit" aria-labelledby="desk-submit-h" data-testid="desk.submitPanel">
            <h2 id="desk-submit-h">{t('desk.submit.heading')}</h2>
            <div className="desk-submit__options">
              <label htmlFor="desk-sets">{t('desk.submit.sets')}</label>
              <input
                id="desk-sets"
                type="number"
                min={1}
                max={10}
                value={sets}
                onChange={(e) => setSets(Math.min(10, Math.max(1, Number(e.target.value) || 1)))}
                data-testid="desk.sets"
              />
              <span id="desk-delivery-l">{t('desk.submit.delivery')}</span>
              <div role="radiogroup" aria-labelledby="desk-delivery-l" className="desk-choice">
                {(['counter', 'post'] as const).map((m) => (
                  <button key={m} type="button" role="radio" aria-checked={delivery === m} className="desk-choice__opt" onClick={() => setDelivery(m)}>
                    {t(`desk.submit.${m}`)}
                  </button>
                ))}
              </div>
            </div>
            {missing.length > 0 && (
              <div
                className={`notice ${attempted && needsReason ? 'notice--error' : 'notice--warn'}`}
                role={attempted && needsReason ? 'alert' : 'status'}
                data-testid="desk.missing"
                data-count={missing.length}
              >
                <p className="notice__title">{t('desk.submit.missingTitle', { count: missing.length })}</p>
                <ul className="missing-list">
                  {missing.map((m) => (
                    <li key={m.documentId} data-testid="desk.missingDoc">
                      {m.name}
                    </li>
                  ))}
                </ul>
                <p>{t('desk.submit.missingHelp')}</p>
                <label htmlFor="desk-reason" className="reason__label">
                  {t('desk.submit.reason')}
                </label>
                <textarea
                  id="desk-reason"
                  className="reason"
                  value={reason}
                  maxLength={1000}
                  rows={2}
                  onChange={(e) => setReason(e.target.value)}
                  aria-invalid={attempted && needsReason}
                  data-testid="desk.reason"
                />
              </div>
            )}
            {submitError && (
              <div className="notice notice--error" role="alert" data-testid="desk.submitError" data-code={submitError.code}>
                {errorMessage(t, submitError.code, submitError.detail)}
                <p className="notice__after">{t('desk.submit.kept')}</p>
              </div>
            )}
          </section>
          <div className="actions desk-submit__bar">
            <button
              type="button"
              className="btn btn--primary btn--big"
              onClick={() => void submit()}
              disabled={submitting || capturingCount > 0}
              data-testid="desk.submit"
              data-blocked={errors.length > 0}
              data-capturing={capturingCount > 0}
            >
              {submitting ? t('desk.submit.saving') : capturingCount > 0 ? t('desk.submit.capturing') : t('desk.submit.button')}
            </button>
            <span className="actions__hint">{t('desk.submit.hint')}</span>
          </div>
        </div>
      </div>

      <div className="desk__col desk__scroll desk__scroll--checklist">
        {view === null ? (
          <section className="panel desk-panel" aria-labelledby="desk-checklist-h">
            <h2 id="desk-checklist-h">{t('desk.checklist.heading')}</h2>
            <p className="panel__lead">{t('desk.checklist.choose')}</p>
          </section>
        ) : (
          <ChecklistPanel
            view={view}
            onToggleSituation={onToggleSituation}
            showErrors={attempted}
            docs={procedureDocs}
            onDocChange={onDocChange}
            suggestions={suggestions}
            scannerReady={scannerReady}
            extras={extras}
            onAddExtra={onAddExtra}
            onRemoveExtra={onRemoveExtra}
            onCapturing={onCapturing}
            shown={shown}
            onToggleShown={onToggleShown}
          />
        )}
      </div>
    </div>
  );
});

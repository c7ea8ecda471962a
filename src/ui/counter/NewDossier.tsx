import { memo, useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { checkWedgeText } from '../../app/capture';
import type { AppointmentPreview, DossierDesk, DraftDocument, ReceivedDossier, ReuseCandidate } from '../../app/dossierTypes';
import { inPersonChannel } from '../../domain/dossierAppointment';
import type { Procedure } from '../../shared/catalog';
import { isCompleteIdNumber, isIdNumber } from '../../shared/idNumber';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { ApplicantPanel } from './ApplicantPanel';
import { ChecklistPanel } from './ChecklistPanel';
import { DossierDone } from './DossierDone';
import { applicantFromCard, documentKey, EMPTY_APPLICANT, received, type ApplicantState, type DocumentState, type ExtraDocument } from './draft';
import { appointmentText } from './appointment';
import { ProcedurePicker } from './ProcedurePicker';
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
}

type Check = 'procedure' | 'idNumber' | 'fullName';

/**
 * "Tiếp nhận hồ sơ": one screen, top to bottom — applicant (ID card QR or typed), procedure
 * (type-ahead), checklist with each paper's pages, then submit. Nothing the officer captured is lost
 * on a failed submit; after a successful one the receipt prints at once.
 */
export const NewDossier = memo(function NewDossier({ desk, cardScan, onReset }: NewDossierProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [applicant, setApplicant] = useState<ApplicantState>(EMPTY_APPLICANT);
  const [cardError, setCardError] = useState<AppError | null>(null);
  const [cardReads, setCardReads] = useState(0);
  const [procedure, setProcedure] = useState<Procedure | null>(null);
  const [preview, setPreview] = useState<AppointmentPreview | null>(null);
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
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<AppError | null>(null);
  const [done, setDone] = useState<ReceivedDossier | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
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
  const items = useMemo(() => (procedure ? desk.checklist(procedure, selectedCases) : []), [desk, procedure, selectedCases]);
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
  const onToggleCase = useCallback((id: string) => setSelectedCases((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id])), []);
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

  const missing = items.filter((i) => i.required && !received(procedureDocs.get(i.document.id)));
  const checks: Check[] = [];
  if (procedure === null) checks.push('procedure');
  if (!isIdNumber(applicant.idNumber)) checks.push('idNumber');
  if (applicant.fullName.trim() === '') checks.push('fullName');
  const needsReason = missing.length > 0 && reason.trim() === '';

  const submit = async (): Promise<void> => {
    if (submitting || done) return;
    setAttempted(true);
    setSubmitError(null);
    if (procedure === null || checks.length > 0) return;
    if (needsReason) {
      reasonRef.current?.focus();
      return;
    }
    setSubmitting(true);
    const end = app.activity.begin();
    try {
      const papers = [
        ...items
          .filter((i) => i.section.kind !== 'show' && i.section.kind !== 'lookup')
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
      });
      if (r.ok) setDone(r.value);
      else setSubmitError(r.error);
    } catch (e) {
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
  if (done) return <DossierDone desk={desk} dossier={done} onNew={() => onReset()} />;

  const time = procedure ? desk.processingTime(procedure) : null;
  const channel = procedure ? inPersonChannel(procedure) : undefined;
  const checkMessage = (c: Check): ReactElement => (
    <li key={c} data-testid={`desk.check.${c}`}>
      {t(`desk.submit.check.${c}`)}
    </li>
  );
  return (
    <div className="desk" data-testid="desk.new">
      <ApplicantPanel
        applicant={applicant}
        onChange={setApplicant}
        onCardText={onCameraText}
        cardError={cardError}
        cardReads={cardReads}
        onScanStart={onScanStart}
      />
      <ReuseNotice desk={desk} active={isCompleteIdNumber(idNumber)} />

      <section className="panel desk-panel" aria-labelledby="desk-procedure-h" data-testid="desk.procedure">
        <h2 id="desk-procedure-h">{t('desk.procedure.heading')}</h2>
        {procedure === null ? (
          <ProcedurePicker desk={desk} onPick={pickProcedure} />
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
                  data-kind={preview?.kind ?? 'loading'}
                  data-date={preview?.kind === 'date' ? preview.date : ''}
                  className={preview?.kind === 'needs-confirmation' ? 'text-danger' : ''}
                >
                  {preview === null ? t('desk.procedure.appointmentLoading') : appointmentText(t, preview, offset)}
                </dd>
              </dl>
            </div>
            <button type="button" className="btn btn--secondary btn--small" onClick={() => setProcedure(null)} data-testid="desk.changeProcedure">
              {t('desk.procedure.change')}
            </button>
          </div>
        )}
      </section>

      {procedure === null && (
        <section className="panel desk-panel" aria-labelledby="desk-checklist-h">
          <h2 id="desk-checklist-h">{t('desk.checklist.heading')}</h2>
          <p className="panel__lead">{t('desk.checklist.choose')}</p>
        </section>
      )}
      {procedure !== null && (
        <ChecklistPanel
          items={items}
          selectedCases={selectedCases}
          onToggleCase={onToggleCase}
          docs={procedureDocs}
          onDocChange={onDocChange}
          suggestions={suggestions}
          scannerReady={scannerReady}
          extras={extras}
          onAddExtra={onAddExtra}
          onRemoveExtra={onRemoveExtra}
          shown={shown}
          onToggleShown={onToggleShown}
        />
      )}

      <section className="panel desk-panel desk-submit" aria-labelledby="desk-submit-h" data-testid="desk.submitPanel">
        <h2 id="desk-submit-h">{t('desk.submit.heading')}</h2>
        <div className="form desk-form">
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
        {attempted && checks.length > 0 && (
          <div className="notice notice--error" role="alert" data-testid="desk.checks">
            <p className="notice__title">{t('desk.submit.checksTitle')}</p>
            <ul>{checks.map(checkMessage)}</ul>
          </div>
        )}
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
                <li key={m.document.id} data-testid="desk.missingDoc">
                  {m.document.name}
                </li>
              ))}
            </ul>
            <p>{t('desk.submit.missingHelp')}</p>
            <label htmlFor="desk-reason" className="reason__label">
              {t('desk.submit.reason')}
            </label>
            <textarea
              id="desk-reason"
              ref={reasonRef}
              className="reason"
              value={reason}
              maxLength={1000}
              rows={2}
              onChange={(e) => setReason(e.target.value)}
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
        <div className="actions">
          <button
            type="button"
            className="btn btn--primary btn--big"
            onClick={() => void submit()}
            disabled={submitting}
            data-testid="desk.submit"
            data-blocked={procedure === null || checks.length > 0 || needsReason}
          >
            {submitting ? t('desk.submit.saving') : t('desk.submit.button')}
          </button>
          <span className="actions__hint">{t('desk.submit.hint')}</span>
        </div>
      </section>
    </div>
  );
});

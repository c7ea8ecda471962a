import { memo, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppointmentPreview, DossierDesk, ProcessingSet, ProcessingTime } from '../../app/dossierTypes';
import { isoFromViDate } from '../../domain/processingSet';
import { PROCESSING_REASON_MAX, type ProcessingSetKind } from '../../shared/records';
import { errorMessage } from '../errorMessage';
import { appointmentText } from './appointment';

/** What the control holds, for the dossier form: the setting to submit, its appointment, or why it cannot be used. */
export interface ProcessingState {
  /** The officer's setting, valid now; null = the catalog's time applies. */
  readonly set: ProcessingSet | null;
  /** The appointment `set` gives (shown in place of the catalog's); null with no setting. */
  readonly preview: AppointmentPreview | null;
  /** Filled in but not usable (blocks the submit): code and message values. */
  readonly error: { readonly code: string; readonly values: Readonly<Record<string, string>> } | null;
}

export const NO_PROCESSING_SET: ProcessingState = { set: null, preview: null, error: null };

export interface ProcessingTimeControlProps {
  readonly desk: DossierDesk;
  /** The catalog's time on the counter channel; null = none with a unit (the control opens at once). */
  readonly catalogTime: ProcessingTime | null;
  readonly utcOffsetMinutes: number;
  /** The officer tried to submit: show what is wrong even in fields not yet left. */
  readonly showErrors: boolean;
  readonly onChange: (state: ProcessingState) => void;
}

const KINDS: readonly ProcessingSetKind[] = ['working-days', 'working-hours', 'date'];
const PRESETS = ['counter', 'agency', 'sameDay'] as const;

/**
 * "Thời hạn giải quyết do cán bộ xác định": the officer sets the processing time — working days,
 * working hours (same-day services) or a fixed date (dd/MM/yyyy) — with a short reason, when the
 * catalog gives none with a unit, or to override the catalog's. Keyboard first: Tab reaches every
 * field, arrows pick the unit, Enter moves on and applies; the resulting date (working-day calendar,
 * holidays, provisional years) or the specific error shows as the officer types.
 */
export const ProcessingTimeControl = memo(function ProcessingTimeControl({
  desk,
  catalogTime,
  utcOffsetMinutes,
  showErrors,
  onChange,
}: ProcessingTimeControlProps) {
  const { t } = useTranslation();
  const id = useId();
  const [open, setOpen] = useState(catalogTime === null);
  const [kind, setKind] = useState<ProcessingSetKind>('working-days');
  const [valueText, setValueText] = useState('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [state, setState] = useState<ProcessingState>(NO_PROCESSING_SET);
  const valueRef = useRef<HTMLInputElement>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  const overrideRef = useRef<HTMLButtonElement>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  // The state from what is typed: nothing typed is no setting; anything typed must be usable.
  useEffect(() => {
    let live = true;
    const report = (next: ProcessingState): void => {
      if (!live) return;
      setState(next);
      onChangeRef.current(next);
    };
    if (!open || (valueText.trim() === '' && reason.trim() === '')) {
      report(NO_PROCESSING_SET);
      return;
    }
    const parsed = parseSet(kind, valueText, reason);
    if ('code' in parsed) {
      report({ set: null, preview: null, error: parsed });
      return;
    }
    void desk.previewProcessingSet(parsed).then(
      (outcome) =>
        report(
          outcome.ok
            ? { set: parsed, preview: outcome.value, error: null }
            : { set: null, preview: null, error: { code: outcome.error.code, values: outcome.error.values } },
        ),
      () => report({ set: null, preview: null, error: { code: 'processing.no-reception', values: {} } }),
    );
    return () => {
      live = false;
    };
  }, [desk, open, kind, valueText, reason]);

  // Leaving the procedure (or the screen) leaves no setting behind.
  useEffect(() => () => onChangeRef.current(NO_PROCESSING_SET), []);

  const onEnter =
    (next: () => void) =>
    (e: KeyboardEvent<HTMLElement>): void => {
      if (e.key !== 'Enter' || e.ctrlKey) return;
      e.preventDefault();
      next();
    };
  const apply = (): void => setTouched(true);

  if (!open) {
    return (
      <div className="processing" data-testid="processing.control" data-open="false">
        <button
          type="button"
          ref={overrideRef}
          className="btn btn--secondary btn--small"
          onClick={() => {
            setOpen(true);
            setTouched(false);
            queueMicrotask(() => valueRef.current?.focus());
          }}
          data-testid="processing.override"
        >
          {t('processingTime.override')}
        </button>
      </div>
    );
  }

  const shownError = state.error && (touched || showErrors) ? state.error : null;
  return (
    <fieldset className="processing panel__lead" data-testid="processing.control" data-open="true" data-valid={state.set !== null}>
      <legend className="processing__legend">{t('processingTime.legend')}</legend>
      {catalogTime === null && (
        <p className="notice notice--warn" data-testid="processing.missing">
          {t('processingTime.missing')}
        </p>
      )}
      <div className="processing__form">
        <span id={`${id}-kind`} className="processing__label">
          {t('processingTime.kind')}
        </span>
        <div role="radiogroup" aria-labelledby={`${id}-kind`} className="processing__kinds">
          {KINDS.map((k) => (
            <label key={k} className="processing__kind">
              <input
                type="radio"
                name={`${id}-kind`}
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
                onKeyDown={onEnter(() => valueRef.current?.focus())}
                data-testid={`processing.kind.${k}`}
              />
              {t(`processingTime.kinds.${k}`)}
            </label>
          ))}
        </div>
        <label htmlFor={`${id}-value`} className="processing__label">
          {t(`processingTime.value.${kind}`)}
        </label>
        <input
          id={`${id}-value`}
          ref={valueRef}
          inputMode="numeric"
          autoComplete="off"
          maxLength={kind === 'date' ? 10 : 4}
          placeholder={kind === 'date' ? t('processingTime.datePlaceholder') : ''}
          value={valueText}
          aria-invalid={shownError !== null && shownError.code !== 'processing.reason-required'}
          onChange={(e) => setValueText(e.target.value)}
          onBlur={() => valueText.trim() !== '' && setTouched(true)}
          onKeyDown={onEnter(() => reasonRef.current?.focus())}
          data-testid="processing.value"
        />
        <label htmlFor={`${id}-reason`} className="processing__label">
          {t('processingTime.reason')}
        </label>
        <input
          id={`${id}-reason`}
          ref={reasonRef}
          list={`${id}-reasons`}
          autoComplete="off"
          maxLength={PROCESSING_REASON_MAX}
          placeholder={t('processingTime.reasonPlaceholder')}
          value={reason}
          aria-invalid={shownError?.code === 'processing.reason-required'}
          onChange={(e) => setReason(e.target.value)}
          onBlur={() => reason.trim() !== '' && setTouched(true)}
          onKeyDown={onEnter(apply)}
          data-testid="processing.reason"
        />
        <datalist id={`${id}-reasons`}>
          {PRESETS.map((p) => (
            <option key={p} value={t(`processingTime.reasonPreset.${p}`)} />
          ))}
        </datalist>
        <span className="processing__hint">{t('processingTime.hint')}</span>
      </div>
      {state.preview && (
        <p
          className="notice notice--ok"
          role="status"
          data-testid="processing.result"
          data-date={state.preview.kind === 'date' ? state.preview.date : ''}
          data-provisional={state.preview.kind === 'date' && state.preview.provisional}
        >
          {t('processingTime.result', { text: appointmentText(t, state.preview, utcOffsetMinutes) })}
        </p>
      )}
      {shownError && (
        <p className="notice notice--error" role="alert" data-testid="processing.error" data-code={shownError.code}>
          {shownError.code === 'processing.value-required' ? t('processingTime.valueRequired') : errorMessage(t, shownError.code, '', shownError.values)}
        </p>
      )}
      {catalogTime !== null && (
        <button
          type="button"
          className="btn btn--secondary btn--small"
          onClick={() => {
            setOpen(false);
            setValueText('');
            setReason('');
          }}
          data-testid="processing.useCatalog"
        >
          {t('processingTime.useCatalog')}
        </button>
      )}
    </fieldset>
  );
});

/** What the officer typed, as a setting to check against the calendar, or the first thing wrong with it. */
function parseSet(kind: ProcessingSetKind, valueText: string, reason: string): ProcessingSet | { code: string; values: Record<string, string> } {
  const text = valueText.trim();
  if (text === '') return { code: 'processing.value-required', values: {} };
  if (kind === 'date') {
    const iso = isoFromViDate(text);
    return iso === null ? { code: 'processing.date-invalid', values: {} } : { kind, value: iso, reason };
  }
  // Only whole numbers: "1,5" or "2 ngày" is refused rather than guessed at (the desk checks the bounds).
  const value = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  return { kind, value, reason } as ProcessingSet;
}

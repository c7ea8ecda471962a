import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { scanQrFromVideo } from '../../app/capture';
import { maskIdNumber } from '../../domain/citizenId';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { CameraView } from './CameraView';
import { normalizeIdNumber } from '../../shared/idNumber';
import { EMPTY_APPLICANT, type ApplicantState } from './draft';
import { viDate } from './format';

export interface ApplicantPanelProps {
  readonly applicant: ApplicantState;
  readonly onChange: (next: ApplicantState) => void;
  /** A QR text read by the camera (the USB scanner's arrive through the counter shell). */
  readonly onCardText: (text: string) => void;
  /** The last card read failed: why (the form was left as it was). */
  readonly cardError: AppError | null;
  /** Bumped after each successful card read, to close the camera. */
  readonly cardReads: number;
  /** The officer starts a new scan: the previous read's error no longer applies. */
  readonly onScanStart: () => void;
}

/** "dd/mm/yyyy" → "yyyy-mm-dd" when it is a real date, else "". */
function isoFromVi(text: string): string {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  if (!m) return '';
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return '';
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A date typed the Vietnamese way (dd/mm/yyyy), whatever the browser's locale would show in a date picker. */
function DateInput({ id, iso, onIso }: { readonly id: string; readonly iso: string; readonly onIso: (iso: string) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(() => viDate(iso));
  const invalid = text.trim() !== '' && isoFromVi(text) === '';
  return (
    <input
      id={id}
      data-testid="desk.dateOfBirth"
      inputMode="numeric"
      placeholder={t('desk.applicant.datePlaceholder')}
      autoComplete="off"
      maxLength={10}
      value={text}
      aria-invalid={invalid}
      onChange={(e) => {
        setText(e.target.value);
        onIso(isoFromVi(e.target.value));
      }}
    />
  );
}

/**
 * "Người nộp hồ sơ": scan the ID card (camera with live preview, or a USB scanner anywhere on the
 * screen), or type the details when the citizen has no chip card. From a card, the number is shown
 * masked and the card's fields are locked; phone and e-mail are always typed.
 */
export const ApplicantPanel = memo(function ApplicantPanel({ applicant, onChange, onCardText, cardError, cardReads, onScanStart }: ApplicantPanelProps) {
  const { t } = useTranslation();
  const [camera, setCamera] = useState(false);
  const [cameraError, setCameraError] = useState<AppError | null>(null);
  const scan = useRef<{ stop(): void } | null>(null);

  useEffect(() => setCamera(false), [cardReads]);

  const onReady = useCallback(
    (video: HTMLVideoElement | null) => {
      scan.current?.stop();
      scan.current = video === null ? null : scanQrFromVideo(video, onCardText, setCameraError);
    },
    [onCardText],
  );
  useEffect(() => () => scan.current?.stop(), []);

  const set = <K extends keyof ApplicantState>(key: K, value: ApplicantState[K]): void => onChange({ ...applicant, [key]: value });
  const a = applicant;
  const locked = a.fromCard;
  return (
    <section className="panel desk-panel" aria-labelledby="desk-applicant-h" data-testid="desk.applicant" data-from-card={a.fromCard}>
      <div className="desk-panel__head">
        <h2 id="desk-applicant-h">{t('desk.applicant.heading')}</h2>
        <div className="desk-panel__tools">
          <button
            type="button"
            className={`btn ${camera ? 'btn--secondary' : 'btn--primary'}`}
            onClick={() => {
              setCameraError(null);
              if (!camera) onScanStart();
              setCamera(!camera);
            }}
            data-testid="desk.scanCard"
            aria-pressed={camera}
          >
            {camera ? t('desk.applicant.closeCamera') : t('desk.applicant.scanCard')}
          </button>
          {a.fromCard && (
            <button type="button" className="btn btn--secondary btn--small" onClick={() => onChange(EMPTY_APPLICANT)} data-testid="desk.manualEntry">
              {t('desk.applicant.manual')}
            </button>
          )}
        </div>
      </div>
      <p className="panel__lead">{t('desk.applicant.lead')}</p>
      {camera && (
        <div className="camera" data-testid="desk.cardCamera">
          <CameraView onReady={onReady} onError={setCameraError} label={t('desk.applicant.cameraLabel')} testId="desk.cardVideo" />
          <p className="camera__hint">{t('desk.applicant.cameraHint')}</p>
        </div>
      )}
      {cameraError && (
        <div className="notice notice--error" role="alert" data-testid="desk.cameraError" data-code={cameraError.code}>
          {errorMessage(t, cameraError.code, cameraError.detail)}
        </div>
      )}
      {cardError && (
        <div className="notice notice--error" role="alert" data-testid="desk.cardError" data-code={cardError.code}>
          {errorMessage(t, cardError.code, cardError.detail)}
        </div>
      )}
      {a.fromCard && (
        <div className="notice notice--ok" role="status" data-testid="desk.cardOk">
          {t('desk.applicant.fromCard')}
        </div>
      )}
      <div className="form desk-form">
        <label htmlFor="desk-id">{t('desk.applicant.idNumber')}</label>
        {locked ? (
          <output id="desk-id" className="desk-readonly" data-testid="desk.idNumber">
            {maskIdNumber(a.idNumber)}
          </output>
        ) : (
          <input
            id="desk-id"
            data-testid="desk.idNumber"
            value={a.idNumber}
            inputMode="text"
            autoComplete="off"
            maxLength={20}
            onChange={(e) => set('idNumber', normalizeIdNumber(e.target.value))}
          />
        )}
        <label htmlFor="desk-name">{t('desk.applicant.fullName')}</label>
        {locked ? (
          <output id="desk-name" className="desk-readonly" data-testid="desk.fullName">
            {a.fullName}
          </output>
        ) : (
          <input
            id="desk-name"
            data-testid="desk.fullName"
            value={a.fullName}
            autoComplete="off"
            maxLength={200}
            onChange={(e) => set('fullName', e.target.value)}
          />
        )}
        <label htmlFor="desk-dob">{t('desk.applicant.dateOfBirth')}</label>
        {locked ? (
          <output id="desk-dob" className="desk-readonly" data-testid="desk.dateOfBirth">
            {viDate(a.dateOfBirth)}
          </output>
        ) : (
          <DateInput id="desk-dob" iso={a.dateOfBirth} onIso={(iso) => set('dateOfBirth', iso)} />
        )}
        <span id="desk-gender-l">{t('desk.applicant.gender')}</span>
        {locked ? (
          <output aria-labelledby="desk-gender-l" className="desk-readonly" data-testid="desk.gender">
            {t(`desk.applicant.${a.gender === 'female' ? 'female' : 'male'}`)}
          </output>
        ) : (
          <div role="radiogroup" aria-labelledby="desk-gender-l" className="desk-choice" data-testid="desk.gender">
            {(['male', 'female'] as const).map((g) => (
              <button
                key={g}
                type="button"
                role="radio"
                aria-checked={a.gender === g}
                className="desk-choice__opt"
                onClick={() => set('gender', a.gender === g ? '' : g)}
              >
                {t(`desk.applicant.${g}`)}
              </button>
            ))}
          </div>
        )}
        <label htmlFor="desk-address">{t('desk.applicant.address')}</label>
        <input
          id="desk-address"
          data-testid="desk.address"
          value={a.address}
          autoComplete="off"
          maxLength={500}
          onChange={(e) => set('address', e.target.value)}
        />
        <label htmlFor="desk-phone">{t('desk.applicant.phone')}</label>
        <input
          id="desk-phone"
          type="tel"
          data-testid="desk.phone"
          value={a.phone}
          autoComplete="off"
          maxLength={20}
          onChange={(e) => set('phone', e.target.value.replace(/[^0-9+ ]/g, ''))}
        />
        <label htmlFor="desk-email">{t('desk.applicant.email')}</label>
        <input
          id="desk-email"
          type="email"
          data-testid="desk.email"
          value={a.email}
          autoComplete="off"
          maxLength={254}
          onChange={(e) => set('email', e.target.value.trim())}
        />
      </div>
    </section>
  );
});

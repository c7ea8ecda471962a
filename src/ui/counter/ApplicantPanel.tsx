import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { scanQrFromVideo } from '../../app/capture';
import { maskIdNumber } from '../../domain/citizenId';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { CameraView } from './CameraView';
import { isoFromViDate } from '../../domain/applicantFields';
import { normalizeIdNumber } from '../../shared/idNumber';
import { EMPTY_APPLICANT, type ApplicantField, type ApplicantState } from './draft';
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
  /** Each field's problem as the officer should see it now (after leaving the field, or a save). */
  readonly errors: Partial<Record<ApplicantField, string>>;
  /** The officer left a field: its check is shown from now on. */
  readonly onLeave: (field: ApplicantField) => void;
}

/** A field's error under it, linked by aria-describedby (`${id}-error`). */
function FieldError({ id, message }: { readonly id: string; readonly message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field-error" id={`${id}-error`} data-testid={`desk.fieldError.${id}`}>
      {message}
    </p>
  );
}

const invalidProps = (id: string, message: string | undefined) =>
  message ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : { 'aria-invalid': false as const };

/**
 * "Người nộp hồ sơ": scan the ID card (camera with live preview, or a USB scanner anywhere on the
 * screen), or type the details when the citizen has no chip card. From a card, the number is shown
 * masked and the card's fields are locked; phone and e-mail are always typed.
 */
export const ApplicantPanel = memo(function ApplicantPanel({
  applicant,
  onChange,
  onCardText,
  cardError,
  cardReads,
  onScanStart,
  errors,
  onLeave,
}: ApplicantPanelProps) {
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
      <div className="desk-fields">
        <div className="desk-field">
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
              onBlur={() => onLeave('idNumber')}
              {...invalidProps('desk-id', errors.idNumber)}
            />
          )}
          <FieldError id="desk-id" message={errors.idNumber} />
        </div>
        <div className="desk-field desk-field--wide">
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
              onBlur={() => onLeave('fullName')}
              {...invalidProps('desk-name', errors.fullName)}
            />
          )}
          <FieldError id="desk-name" message={errors.fullName} />
        </div>
        <div className="desk-field">
          <label htmlFor="desk-dob">{t('desk.applicant.dateOfBirth')}</label>
          {locked ? (
            <output id="desk-dob" className="desk-readonly" data-testid="desk.dateOfBirth">
              {viDate(a.dateOfBirth)}
            </output>
          ) : (
            <input
              id="desk-dob"
              data-testid="desk.dateOfBirth"
              inputMode="numeric"
              placeholder={t('desk.applicant.datePlaceholder')}
              autoComplete="off"
              maxLength={10}
              value={a.dateOfBirthText}
              onChange={(e) => onChange({ ...a, dateOfBirthText: e.target.value, dateOfBirth: isoFromViDate(e.target.value) })}
              onBlur={() => onLeave('dateOfBirth')}
              {...invalidProps('desk-dob', errors.dateOfBirth)}
            />
          )}
          <FieldError id="desk-dob" message={errors.dateOfBirth} />
        </div>
        <div className="desk-field">
          <span id="desk-gender-l" className="desk-field__label">
            {t('desk.applicant.gender')}
          </span>
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
        </div>
        <div className="desk-field desk-field--full">
          <label htmlFor="desk-address">{t('desk.applicant.address')}</label>
          <input
            id="desk-address"
            data-testid="desk.address"
            value={a.address}
            autoComplete="off"
            maxLength={500}
            onChange={(e) => set('address', e.target.value)}
          />
        </div>
        <div className="desk-field">
          <label htmlFor="desk-phone">{t('desk.applicant.phone')}</label>
          <input
            id="desk-phone"
            type="tel"
            data-testid="desk.phone"
            value={a.phone}
            autoComplete="off"
            maxLength={20}
            onChange={(e) => set('phone', e.target.value.replace(/[^0-9+ ]/g, ''))}
            onBlur={() => onLeave('phone')}
            {...invalidProps('desk-phone', errors.phone)}
          />
          <FieldError id="desk-phone" message={errors.phone} />
        </div>
        <div className="desk-field">
          <label htmlFor="desk-email">{t('desk.applicant.email')}</label>
          <input
            id="desk-email"
            type="text"
            inputMode="email"
            data-testid="desk.email"
            value={a.email}
            autoComplete="off"
            maxLength={254}
            onChange={(e) => set('email', e.target.value.trim())}
            onBlur={() => onLeave('email')}
            {...invalidProps('desk-email', errors.email)}
          />
          <FieldError id="desk-email" message={errors.email} />
        </div>
      </div>
    </section>
  );
});

import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { captureStill, importPageFiles, movePage, removePage, replacePage, rotate, SCAN_COLOR_MODES, totalBytes, type CapturedPage } from '../../app/capture';
import type { ReuseCandidate } from '../../app/dossierTypes';
import type { AppError } from '../../shared/result';
import { errorMessage } from '../errorMessage';
import { useKiosk } from '../KioskContext';
import { CameraView } from './CameraView';
import { DocumentNotes } from './DocumentNotes';
import type { DocumentState } from './draft';
import { localDate, sizeText } from './format';

export interface DocumentCardProps {
  /** Position in the checklist ("1", "2", …), for the officer and the receipt's numbered list. */
  readonly number: string;
  readonly documentId: string;
  readonly name: string;
  /** The catalog's full text when it says more than the name (shown on demand). */
  readonly notes: string | null;
  /** The catalog's counts; the officer may change them for this dossier (kept in `state`). */
  readonly originals: number;
  readonly copies: number;
  readonly required: boolean;
  /** The checklist's word for the paper when it is not plainly required or optional ("Một trong nhóm", "Nộp nếu có"). */
  readonly tag?: string;
  readonly state: DocumentState;
  readonly onChange: (documentId: string, next: DocumentState) => void;
  /** The same paper from an earlier dossier of this citizen, offered instead of scanning. */
  readonly suggestion: ReuseCandidate | undefined;
  /** null while asking the platform; false in a plain browser or without a scanner. */
  readonly scannerReady: boolean | null;
  readonly onRemove?: () => void;
  /** Told when a capture of this paper starts and ends (its pages are still on their way meanwhile). */
  readonly onCapturing?: (documentId: string, capturing: boolean) => void;
}

const ACCEPT = 'application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png';

function useObjectUrl(blob: Blob): string {
  const [url, setUrl] = useState('');
  useEffect(() => {
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url;
}

interface ThumbProps {
  readonly page: CapturedPage;
  readonly index: number;
  readonly count: number;
  readonly onMove: (from: number, to: number) => void;
  readonly onRotate: (page: CapturedPage) => void;
  readonly onDelete: (page: CapturedPage) => void;
  readonly onRetake: (page: CapturedPage) => void;
  readonly retaking: boolean;
}

const PageThumb = memo(function PageThumb({ page, index, count, onMove, onRotate, onDelete, onRetake, retaking }: ThumbProps) {
  const { t } = useTranslation();
  const url = useObjectUrl(page.thumbnail);
  const n = index + 1;
  return (
    <li
      className={`thumb ${retaking ? 'thumb--retake' : ''}`}
      data-testid="desk.page"
      data-page-id={page.id}
      data-source={page.source}
      draggable
      onDragStart={(e) => e.dataTransfer.setData('text/x-page-index', String(index))}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const from = Number(e.dataTransfer.getData('text/x-page-index'));
        if (Number.isInteger(from)) onMove(from, index);
      }}
    >
      <div className="thumb__frame">
        {url !== '' && <img src={url} alt={t('desk.page.alt', { n })} style={{ transform: `rotate(${page.rotation}deg)` }} draggable={false} />}
      </div>
      <div className="thumb__meta">
        <strong>{t('desk.page.number', { n })}</strong> · {sizeText(page.sizeBytes)}
      </div>
      <div className="thumb__tools">
        <button type="button" className="icon-btn" onClick={() => onMove(index, index - 1)} disabled={index === 0} aria-label={t('desk.page.left', { n })}>
          ←
        </button>
        <button
          type="button"
          className="icon-btn"
          onClick={() => onMove(index, index + 1)}
          disabled={index === count - 1}
          aria-label={t('desk.page.right', { n })}
        >
          →
        </button>
        <button type="button" className="icon-btn" onClick={() => onRotate(page)} aria-label={t('desk.page.rotate', { n })} data-testid="desk.pageRotate">
          ⟳
        </button>
        <button type="button" className="icon-btn" onClick={() => onRetake(page)} aria-label={t('desk.page.retake', { n })} data-testid="desk.pageRetake">
          ↺
        </button>
        <button
          type="button"
          className="icon-btn icon-btn--danger"
          onClick={() => onDelete(page)}
          aria-label={t('desk.page.delete', { n })}
          data-testid="desk.pageDelete"
        >
          ✕
        </button>
      </div>
    </li>
  );
});

/** A small number field (0–20) for the originals or copies of a paper. */
function CountField(props: { readonly label: string; readonly value: number; readonly testId: string; readonly onChange: (n: number) => void }) {
  const { label, value, testId, onChange } = props;
  return (
    <label className="doc__count">
      {label}{' '}
      <input
        type="number"
        min={0}
        max={20}
        inputMode="numeric"
        value={value}
        onChange={(e) => {
          const n = Math.trunc(Number(e.target.value));
          if (Number.isFinite(n)) onChange(Math.min(20, Math.max(0, n)));
        }}
        data-testid={testId}
      />
    </label>
  );
}

/**
 * One paper of the checklist: its pages from the scanner (Electron with SANE), the camera (still),
 * or files (PDF/JPEG/PNG from USB); thumbnails with reorder, rotate, retake and delete; grey or
 * colour; size per page; or "Dùng lại" the same paper from an earlier dossier of this citizen.
 */
export const DocumentCard = memo(function DocumentCard(props: DocumentCardProps) {
  const { number, documentId, name, notes, required, tag, state, onChange, suggestion, scannerReady, onRemove, onCapturing } = props;
  const originals = state.originals ?? props.originals;
  const copies = state.copies ?? props.copies;
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const [camera, setCamera] = useState(false);
  const [retakeId, setRetakeId] = useState<string | null>(null);
  const [busy, setBusy] = useState<'scanner' | 'camera' | 'file' | 'reuse' | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [scannerNote, setScannerNote] = useState(false);
  const video = useRef<HTMLVideoElement | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const stateRef = useRef(state);
  useEffect(() => {
    stateRef.current = state;
  }, [state]);

  // Pages arrive asynchronously: apply them to the newest state, not the one of the click.
  const update = useCallback((edit: (s: DocumentState) => DocumentState) => onChange(documentId, edit(stateRef.current)), [onChange, documentId]);

  const addPages = useCallback(
    (pages: readonly CapturedPage[]) => {
      update((s) => {
        if (retakeId !== null && pages[0] !== undefined) {
          const [first, ...rest] = pages;
          return { ...s, reuse: null, pages: [...replacePage(s.pages, retakeId, first), ...rest] };
        }
        return { ...s, reuse: null, pages: [...s.pages, ...pages] };
      });
      setRetakeId(null);
    },
    [update, retakeId],
  );

  // The form must not save while pages are on their way (they would be left out of the dossier):
  // told at once, not after a render, and told it is over if the card goes away meanwhile.
  const capturing = useRef(false);
  const setCapturing = useCallback(
    (now: boolean) => {
      if (capturing.current === now) return;
      capturing.current = now;
      onCapturing?.(documentId, now);
    },
    [onCapturing, documentId],
  );
  useEffect(() => () => setCapturing(false), [setCapturing]);
  // Over only once the form has rendered with the pages (a Ctrl+Enter in between saves the form as it was).
  const [landed, setLanded] = useState(0);
  useEffect(() => {
    if (landed > 0) setCapturing(false);
  }, [landed, setCapturing]);

  const run = async (
    kind: 'scanner' | 'camera' | 'file',
    capture: () => Promise<{ ok: true; value: readonly CapturedPage[] } | { ok: false; error: AppError }>,
  ): Promise<void> => {
    setBusy(kind);
    setCapturing(true);
    setError(null);
    const end = app.activity.begin();
    try {
      const got = await capture();
      if (got.ok) addPages(got.value);
      else setError(got.error);
    } finally {
      end();
      setBusy(null);
      setLanded((n) => n + 1);
    }
  };

  // A paper the centre listed (another counter or branch) comes only now, when the officer takes it.
  const onReuse = async (candidate: ReuseCandidate): Promise<void> => {
    setBusy('reuse');
    setCapturing(true);
    setError(null);
    const end = app.activity.begin();
    try {
      const ready = await app.dossiers.fetchReuse(candidate);
      if (ready.ok) update((s) => ({ ...s, reuse: ready.value }));
      else setError(ready.error);
    } finally {
      end();
      setBusy(null);
      setLanded((n) => n + 1);
    }
  };

  const mode = state.mode;
  const onScanner = (): void => {
    if (scannerReady !== true) {
      setScannerNote(true);
      return;
    }
    void run('scanner', () => app.documentScanner.scanPage(mode));
  };
  const onShoot = (): void => {
    const v = video.current;
    void run('camera', () => captureStill(v, mode));
  };
  const onFiles = (files: FileList | null): void => {
    if (!files || files.length === 0) return;
    const list = [...files];
    void run('file', () => importPageFiles(list, mode));
    if (fileInput.current) fileInput.current.value = '';
  };

  const onRetake = useCallback((page: CapturedPage) => {
    setRetakeId(page.id);
    setCamera(true);
  }, []);
  const onMove = useCallback((from: number, to: number) => update((s) => ({ ...s, pages: movePage(s.pages, from, to) })), [update]);
  const onRotate = useCallback((page: CapturedPage) => update((s) => ({ ...s, pages: s.pages.map((p) => (p.id === page.id ? rotate(p, 90) : p)) })), [update]);
  const onDelete = useCallback((page: CapturedPage) => update((s) => ({ ...s, pages: removePage(s.pages, page.id) })), [update]);
  const onReady = useCallback((v: HTMLVideoElement | null) => {
    video.current = v;
  }, []);

  const pages = state.pages;
  const status = state.reuse !== null ? 'reused' : pages.length > 0 ? 'pages' : required ? 'missing' : 'optional';
  return (
    <li className={`doc doc--${status}`} data-testid="desk.document" data-document-id={documentId} data-status={status} data-pages={pages.length}>
      <div className="doc__head">
        <span className="doc__number">{number}</span>
        <div className="doc__title">
          <DocumentNotes name={name} notes={notes} />
          <p className="doc__meta">
            <CountField
              label={t('desk.doc.originals')}
              value={originals}
              testId="desk.docOriginals"
              onChange={(n) => update((s) => ({ ...s, originals: n }))}
            />
            <CountField label={t('desk.doc.copies')} value={copies} testId="desk.docCopies" onChange={(n) => update((s) => ({ ...s, copies: n }))} />
            <span className={`tag ${required ? 'tag--required' : ''}`} data-testid="desk.docTag">
              {tag ?? (required ? t('desk.doc.required') : t('desk.doc.optional'))}
            </span>
          </p>
        </div>
        <span className={`doc__status doc__status--${status}`} data-testid="desk.docStatus">
          {status === 'reused' && t('desk.doc.reused')}
          {status === 'pages' && t('desk.doc.pages', { count: pages.length, size: sizeText(totalBytes(pages)) })}
          {status === 'missing' && t('desk.doc.missing')}
          {status === 'optional' && t('desk.doc.none')}
        </span>
      </div>

      {suggestion && state.reuse === null && (
        <div className="reuse" data-testid="desk.reuseOffer">
          <span>
            {t('desk.doc.reuseOffer', {
              code: suggestion.dossierCode,
              date: localDate(suggestion.receivedAt, app.branch.utcOffsetMinutes),
              pages: suggestion.pages,
            })}
            {suggestion.source === 'centre' && <> {t('reuse.fromCentre')}</>}
          </span>
          <button
            type="button"
            className="btn btn--primary btn--small"
            onClick={() => void onReuse(suggestion)}
            disabled={busy !== null}
            data-testid="desk.reuse"
            data-source={suggestion.source ?? 'machine'}
          >
            {busy === 'reuse' ? t('reuse.fetching') : t('desk.doc.reuse')}
          </button>
        </div>
      )}
      {state.reuse !== null && (
        <div className="reuse reuse--on" data-testid="desk.reused">
          <span>
            {t('desk.doc.reusedFrom', {
              code: state.reuse.dossierCode,
              date: localDate(state.reuse.receivedAt, app.branch.utcOffsetMinutes),
              pages: state.reuse.pages,
            })}
          </span>
          <button type="button" className="btn btn--secondary btn--small" onClick={() => update((s) => ({ ...s, reuse: null }))}>
            {t('desk.doc.unreuse')}
          </button>
        </div>
      )}

      {state.reuse === null && (
        <div className="doc__tools">
          <button
            type="button"
            className="btn btn--secondary btn--small"
            onClick={onScanner}
            disabled={busy !== null}
            data-testid="desk.scanPage"
            aria-describedby={scannerNote ? `note-${documentId}` : undefined}
          >
            {busy === 'scanner' ? t('desk.doc.scanning') : t('desk.doc.scanner')}
          </button>
          <button
            type="button"
            className="btn btn--secondary btn--small"
            onClick={() => {
              setRetakeId(null);
              setCamera((c) => !c);
            }}
            aria-pressed={camera}
            data-testid="desk.openCamera"
          >
            {camera ? t('desk.doc.closeCamera') : t('desk.doc.camera')}
          </button>
          <button type="button" className="btn btn--secondary btn--small" onClick={() => fileInput.current?.click()} disabled={busy !== null}>
            {busy === 'file' ? t('desk.doc.importing') : t('desk.doc.file')}
          </button>
          <input ref={fileInput} type="file" multiple accept={ACCEPT} hidden onChange={(e) => onFiles(e.target.files)} data-testid="desk.fileInput" />
          <div className="desk-choice desk-choice--small" role="radiogroup" aria-label={t('desk.doc.mode')} title={t('desk.doc.modeHint')}>
            {SCAN_COLOR_MODES.map((m) => (
              <button
                key={m}
                type="button"
                role="radio"
                aria-checked={mode === m}
                className="desk-choice__opt"
                onClick={() => update((s) => ({ ...s, mode: m }))}
                data-testid={`desk.mode.${m}`}
              >
                {t(`desk.doc.${m}`)}
              </button>
            ))}
          </div>
          {onRemove && (
            <button type="button" className="btn btn--secondary btn--small" onClick={onRemove}>
              {t('desk.doc.removeExtra')}
            </button>
          )}
        </div>
      )}
      {scannerNote && scannerReady !== true && (
        <p className="notice notice--warn" id={`note-${documentId}`} role="status" data-testid="desk.scannerNote">
          {scannerReady === false && !app.documentScanner.supported ? t('desk.doc.scannerBrowser') : t('desk.doc.scannerNone')}
        </p>
      )}
      {camera && state.reuse === null && (
        <div className="camera camera--page">
          <CameraView onReady={onReady} onError={setError} label={t('desk.doc.cameraLabel', { name })} testId="desk.pageVideo" />
          <div className="camera__actions">
            <button type="button" className="btn btn--primary" onClick={onShoot} disabled={busy !== null} data-testid="desk.shoot">
              {busy === 'camera' ? t('desk.doc.shooting') : retakeId !== null ? t('desk.doc.shootRetake') : t('desk.doc.shoot')}
            </button>
            <button type="button" className="btn btn--secondary" onClick={() => setCamera(false)}>
              {t('desk.doc.done')}
            </button>
          </div>
        </div>
      )}
      {error && (
        <div className="notice notice--error" role="alert" data-testid="desk.docError" data-code={error.code}>
          {errorMessage(t, error.code, error.detail)}
        </div>
      )}
      {pages.length > 0 && (
        <ol className="thumbs" aria-label={t('desk.doc.strip', { name })} lang={i18n.language}>
          {pages.map((p, i) => (
            <PageThumb
              key={p.id}
              page={p}
              index={i}
              count={pages.length}
              onMove={onMove}
              onRotate={onRotate}
              onDelete={onDelete}
              onRetake={onRetake}
              retaking={retakeId === p.id}
            />
          ))}
        </ol>
      )}
    </li>
  );
});

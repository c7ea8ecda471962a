import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { scanQrFromVideo } from '../../app/capture';
import type { AppError } from '../../shared/result';
import { CameraView } from '../counter/CameraView';

export interface QrScannerProps {
  /** Each distinct QR text read, once. */
  readonly onText: (text: string) => void;
  readonly label: string;
  readonly unavailable: string;
  readonly testId: string;
}

/**
 * The kiosk camera reading a QR the citizen holds up: the counter's camera view and the app's QR
 * decoder (src/app/capture.ts, the same port as the ID card's). The camera opens with the screen
 * and is turned off when it goes; a camera that cannot open says so once, quietly.
 */
export const QrScanner = memo(function QrScanner({ onText, label, unavailable, testId }: QrScannerProps) {
  const scan = useRef<{ stop(): void } | null>(null);
  const latest = useRef(onText);
  latest.current = onText;
  const [failed, setFailed] = useState<AppError | null>(null);

  const onReady = useCallback((video: HTMLVideoElement | null) => {
    scan.current?.stop();
    scan.current = video === null ? null : scanQrFromVideo(video, (text) => latest.current(text), setFailed);
  }, []);
  useEffect(() => () => scan.current?.stop(), []);

  return (
    <div className="qr-scanner" data-testid={testId}>
      <CameraView onReady={onReady} onError={setFailed} label={label} testId={`${testId}.video`} />
      {failed !== null && (
        <p className="notice notice--warn" data-testid={`${testId}.unavailable`} data-code={failed.code}>
          {unavailable}
        </p>
      )}
    </div>
  );
});

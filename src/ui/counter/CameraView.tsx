import { memo, useContext, useEffect, useRef } from 'react';
import { openCamera, stopStream } from '../../app/capture';
import type { AppError } from '../../shared/result';
import { PanelActive } from './panelActive';

export interface CameraViewProps {
  /** The playing video (null when it stops); QR decoding and still capture read from it. */
  readonly onReady: (video: HTMLVideoElement | null) => void;
  readonly onError: (error: AppError) => void;
  readonly label: string;
  readonly testId: string;
}

/**
 * Live preview of the document camera or webcam. Opens the camera on mount and turns it off on
 * unmount (the light goes off when the panel closes).
 */
export const CameraView = memo(function CameraView(props: CameraViewProps) {
  // A hidden panel releases the camera (the light goes off); it opens again when the panel returns.
  return useContext(PanelActive) ? <LiveCamera {...props} /> : null;
});

const LiveCamera = memo(function LiveCamera({ onReady, onError, label, testId }: CameraViewProps) {
  const video = useRef<HTMLVideoElement>(null);
  const callbacks = useRef({ onReady, onError });
  useEffect(() => {
    callbacks.current = { onReady, onError };
  }, [onReady, onError]);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let closed = false;
    const el = video.current;
    void openCamera().then((opened) => {
      if (closed) {
        if (opened.ok) stopStream(opened.value);
        return;
      }
      if (!opened.ok) {
        callbacks.current.onError(opened.error);
        return;
      }
      stream = opened.value;
      if (el === null) return;
      el.srcObject = stream;
      el.onloadeddata = () => {
        if (!closed) callbacks.current.onReady(el);
      };
      el.play().catch(() => undefined);
    });
    return () => {
      closed = true;
      callbacks.current.onReady(null);
      if (el !== null) {
        el.onloadeddata = null;
        el.srcObject = null;
      }
      stopStream(stream);
    };
  }, []);

  return <video ref={video} className="camera__video" data-testid={testId} aria-label={label} muted playsInline />;
});

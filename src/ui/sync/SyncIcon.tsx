import { memo } from 'react';

export type SyncIconKind = 'ok' | 'pending' | 'offline' | 'alert';

export interface SyncIconProps {
  readonly kind: SyncIconKind;
}

/** Drawn, not a font glyph: the kiosk font has no such symbols and a fallback font may be missing. */
export const SyncIcon = memo(function SyncIcon({ kind }: SyncIconProps) {
  return (
    <svg className="sync-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      {kind === 'ok' && <path d="M4 12.5l5 5L20 6.5" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />}
      {kind === 'pending' && (
        <g fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round">
          <path d="M12 20V9" />
          <path d="M7.5 13.5L12 9l4.5 4.5" />
          <path d="M5 5h14" />
        </g>
      )}
      {kind === 'offline' && (
        <g fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round">
          <path d="M2.5 9a14 14 0 0 1 19 0" />
          <path d="M6 12.8a9 9 0 0 1 12 0" />
          <path d="M9.5 16.4a4 4 0 0 1 5 0" />
          <path d="M3 3l18 18" />
        </g>
      )}
      {kind === 'alert' && (
        <g fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round">
          <path d="M12 3L2 20h20L12 3z" />
          <path d="M12 10v4.5" />
          <path d="M12 17.5v.01" />
        </g>
      )}
    </svg>
  );
});

import { memo, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DossierDesk, ReuseReach } from '../../app/dossierTypes';

export interface ReuseNoticeProps {
  readonly desk: DossierDesk;
  /** True once the citizen's ID number is complete (their papers were looked up). */
  readonly active: boolean;
}

/**
 * One line under the applicant: whether the papers offered for reuse include those the citizen gave
 * at other counters and branches (the centre answered), or only this machine's, and why. It never
 * stops the officer: the dossier is received the same way either way.
 */
export const ReuseNotice = memo(function ReuseNotice({ desk, active }: ReuseNoticeProps) {
  const { t } = useTranslation();
  const [reach, setReach] = useState<ReuseReach>({ state: 'idle' });
  useEffect(() => desk.watchReuseReach(setReach), [desk]);
  if (!active || reach.state === 'idle') return null;
  const warn = reach.state === 'local-only';
  const text = reach.state === 'local-only' ? t(`reuse.localOnly.${reach.reason}`) : t(`reuse.${reach.state}`);
  return (
    <p
      className={warn ? 'notice notice--warn' : 'notice'}
      role="status"
      data-testid="desk.reuseReach"
      data-state={reach.state}
      data-reason={reach.state === 'local-only' ? reach.reason : undefined}
    >
      {text}
    </p>
  );
});

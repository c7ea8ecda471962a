import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { BoardParams } from '../../app/boardApp';
import './board.css';

export interface BoardParamsScreenProps {
  readonly params: BoardParams & { ok: false };
  /** The page's address, to show the example with this page's own origin. */
  readonly pageUrl: string;
}

/** The board's address lacks the server or the branch: say which, and show a complete address. */
export const BoardParamsScreen = memo(function BoardParamsScreen({ params, pageUrl }: BoardParamsScreenProps) {
  const { t } = useTranslation();
  const page = new URL(pageUrl);
  const q = page.searchParams;
  q.set('role', 'display');
  if (params.missing.includes('server') || params.invalid.includes('server')) q.set('server', 'http://192.168.1.10:8787');
  if (params.missing.includes('branch') || params.invalid.includes('branch')) q.set('branch', 'CN01');
  // Written out unencoded, as a technician types it (browsers accept "://" inside a query value).
  const example = `${page.origin}${page.pathname}?${[...q.entries()].map(([k, v]) => `${k}=${v}`).join('&')}`;
  return (
    <main className="board board--params" data-testid="board.params" data-missing={params.missing.join(' ')} data-invalid={params.invalid.join(' ')}>
      <h1>{t('board.params.title')}</h1>
      <ul>
        {params.missing.includes('server') && <li>{t('board.params.missingServer')}</li>}
        {params.invalid.includes('server') && <li>{t('board.params.invalidServer')}</li>}
        {params.missing.includes('branch') && <li>{t('board.params.missingBranch')}</li>}
        {params.invalid.includes('branch') && <li>{t('board.params.invalidBranch')}</li>}
      </ul>
      <p>{t('board.params.howTo')}</p>
      <p className="board__example" data-testid="board.params.example">
        {example}
      </p>
      <p>{t('board.params.who')}</p>
    </main>
  );
});

import { memo, useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { GroupTally } from '../../app/KioskApp';
import { useKiosk } from '../KioskContext';
import { useWatch } from '../hooks';

/** The queue tab of the counter: today's tickets per service group, as this machine knows it. */
export const CounterHome = memo(function CounterHome() {
  const { t, i18n } = useTranslation();
  const app = useKiosk();
  const lang = i18n.language === 'en' ? 'en' : 'vi';
  const watchTally = useCallback((cb: (v: GroupTally[]) => void) => app.watchTodayTally(cb), [app]);
  const tally = useWatch<GroupTally[]>(watchTally, []);
  const byPrefix = new Map(tally.map((g) => [g.prefix, g]));
  return (
    <section data-testid="counter.home">
      <h1 className="page-title">{t('counter.heading')}</h1>
      <p className="page-lead">{t('counter.note')}</p>
      <div className="panel">
        {tally.length === 0 && <p data-testid="counter.empty">{t('counter.empty')}</p>}
        <table className="table" data-testid="counter.tally">
          <thead>
            <tr>
              <th>{t('counter.group')}</th>
              <th>{t('counter.issued')}</th>
              <th>{t('counter.waiting')}</th>
              <th>{t('counter.last')}</th>
            </tr>
          </thead>
          <tbody>
            {app.branch.serviceGroups.map((g) => {
              const row = byPrefix.get(g.prefix);
              return (
                <tr key={g.prefix} data-testid={`counter.row.${g.prefix}`}>
                  <td>
                    <strong>{g.prefix}</strong> – {g.name[lang]}
                  </td>
                  <td className="num">{row?.issued ?? 0}</td>
                  <td className="num">{row?.waiting ?? 0}</td>
                  <td className="num">{row?.lastNumber ?? '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
});

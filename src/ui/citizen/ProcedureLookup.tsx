import { memo, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FieldSummary } from '../../app/procedureGuide';
import { isSearchable } from '../../app/procedureGuide';
import type { Procedure } from '../../shared/catalog';
import { useKiosk } from '../KioskContext';
import { OnScreenKeyboard } from '../keyboard/OnScreenKeyboard';
import { ProcedureScreen } from './ProcedureScreen';

export interface ProcedureLookupProps {
  readonly onBack: () => void;
  readonly onTakeTicket: (prefix: string) => void;
  /** Told when a procedure opens and closes ("Đọc to" then describes that screen). */
  readonly onProcedureOpen?: (open: boolean) => void;
}

type Place = { kind: 'start' } | { kind: 'field'; field: string } | { kind: 'procedure'; code: string; from: 'start' | 'field' };

/**
 * "Tra cứu thủ tục": search as the counter does (no diacritics needed, typos, abbreviations), typed
 * on the on-screen keyboard (Telex) or a physical one, or browse by field; a procedure opens on one
 * screen (ProcedureScreen). Every step has a large back button.
 */
export const ProcedureLookup = memo(function ProcedureLookup({ onBack, onTakeTicket, onProcedureOpen }: ProcedureLookupProps) {
  const { t } = useTranslation();
  const app = useKiosk();
  const [place, setPlace] = useState<Place>({ kind: 'start' });
  const [query, setQuery] = useState('');
  const [fields, setFields] = useState<readonly FieldSummary[]>([]);
  // The results and the query they answer (the search is asynchronous: until the answer to the
  // latest keystroke arrives, the previous answer stays on screen, marked with its own query).
  const [hits, setHits] = useState<{ readonly query: string; readonly list: readonly Procedure[] } | null>(null);
  const [inField, setInField] = useState<readonly Procedure[]>([]);

  const procedureOpen = place.kind === 'procedure';
  useEffect(() => {
    onProcedureOpen?.(procedureOpen);
    return () => onProcedureOpen?.(false);
  }, [onProcedureOpen, procedureOpen]);

  useEffect(() => {
    let live = true;
    void app.guide.fields().then((f) => live && setFields(f));
    return () => {
      live = false;
    };
  }, [app]);

  useEffect(() => {
    let live = true;
    if (!isSearchable(query)) {
      setHits(null);
      return;
    }
    void app.guide.search(query, 12).then((found) => live && setHits({ query, list: found.map((h) => h.procedure) }));
    return () => {
      live = false;
    };
  }, [app, query]);

  useEffect(() => {
    if (place.kind !== 'field') return;
    let live = true;
    void app.guide.inField(place.field).then((list) => live && setInField(list));
    return () => {
      live = false;
    };
  }, [app, place]);

  if (place.kind === 'procedure') {
    return (
      <ProcedureScreen
        code={place.code}
        onBack={() => setPlace(place.from === 'field' ? { kind: 'field', field: inField[0]?.field ?? '' } : { kind: 'start' })}
        onHome={onBack}
        onTakeTicket={onTakeTicket}
      />
    );
  }

  const list = (procedures: readonly Procedure[], from: 'start' | 'field', testId: string) => (
    <ul className="lookup-list" data-testid={testId}>
      {procedures.map((p) => (
        <li key={p.code}>
          <button
            type="button"
            className="lookup-item"
            onClick={() => setPlace({ kind: 'procedure', code: p.code, from })}
            data-testid="lookup.procedure"
            data-code={p.code}
          >
            <span className="lookup-item__name">{p.name}</span>
            <span className="lookup-item__field">{p.field}</span>
          </button>
        </li>
      ))}
    </ul>
  );

  if (place.kind === 'field') {
    return (
      <section className="lookup" data-testid="lookup.field">
        <div className="lookup__bar">
          <button type="button" className="btn btn--secondary" onClick={() => setPlace({ kind: 'start' })} data-testid="lookup.back">
            ← {t('citizen.lookup.back')}
          </button>
        </div>
        <h1 className="page-title">{place.field}</h1>
        {list(inField, 'field', 'lookup.fieldList')}
      </section>
    );
  }

  return (
    <section className="lookup" data-testid="lookup.home">
      <div className="lookup__bar">
        <button type="button" className="btn btn--secondary" onClick={onBack} data-testid="lookup.back">
          ← {t('citizen.lookup.back')}
        </button>
        <h1 className="page-title lookup__title">{t('citizen.lookup.title')}</h1>
      </div>
      <div className="lookup__columns">
        <div className="lookup__search">
          <label className="lookup__label" htmlFor="lookup-query">
            {t('citizen.lookup.searchLabel')}
          </label>
          <input
            id="lookup-query"
            className="lookup__input"
            type="search"
            autoComplete="off"
            spellCheck={false}
            value={query}
            maxLength={120}
            placeholder={t('citizen.lookup.searchPlaceholder')}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="lookup.query"
          />
          <OnScreenKeyboard value={query} onChange={setQuery} mode="telex" testId="lookup.keyboard" />
        </div>
        <div className="lookup__results" data-query={hits?.query ?? ''} data-testid="lookup.resultsPane">
          {hits !== null ? (
            <>
              <h2>{t('citizen.lookup.resultsTitle')}</h2>
              {hits.list.length === 0 ? (
                <p className="notice notice--warn" data-testid="lookup.noResults">
                  {t('citizen.lookup.noResults')}
                </p>
              ) : (
                list(hits.list, 'start', 'lookup.results')
              )}
            </>
          ) : (
            <>
              <h2>{t('citizen.lookup.browseTitle')}</h2>
              <ul className="field-grid" data-testid="lookup.fields">
                {fields.map((f) => (
                  <li key={f.field}>
                    <button
                      type="button"
                      className="field-tile"
                      onClick={() => setPlace({ kind: 'field', field: f.field })}
                      data-testid="lookup.fieldTile"
                      data-field={f.field}
                    >
                      <span className="field-tile__name">{f.field}</span>
                      <span className="field-tile__count">{t('citizen.lookup.fieldCount', { count: f.count })}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>
    </section>
  );
});

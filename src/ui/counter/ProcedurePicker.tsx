import { memo, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogSearchHit } from '../../app/catalogSearch';
import type { DossierDesk } from '../../app/dossierTypes';
import { inPersonChannel } from '../../domain/dossierAppointment';
import type { Procedure } from '../../shared/catalog';

export interface ProcedurePickerProps {
  readonly desk: DossierDesk;
  readonly onPick: (procedure: Procedure) => void;
  readonly autoFocus?: boolean;
}

const LIMIT = 8;

/**
 * Type-ahead over the catalog: no diacritics needed, a code works, results as you type. ↑/↓ move,
 * Enter picks, Escape clears. A combobox (ARIA 1.2) so screen readers announce the active option.
 */
export const ProcedurePicker = memo(function ProcedurePicker({ desk, onPick, autoFocus }: ProcedurePickerProps) {
  const { t } = useTranslation();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<readonly CatalogSearchHit[]>([]);
  const [active, setActive] = useState(0);
  const [searched, setSearched] = useState('');
  // 'loading' until the catalog answered once; 'failed' when it could not be loaded (a web kiosk
  // taken offline before its service worker cached the shipped catalog, a broken install).
  const [catalog, setCatalog] = useState<'loading' | 'ready' | 'failed'>('loading');
  const [attempt, setAttempt] = useState(0);
  const seq = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);

  useEffect(() => {
    const mine = ++seq.current;
    const q = query.trim();
    if (q === '') {
      setHits([]);
      setSearched('');
    }
    // Asked even for an empty query: the catalog loads when the desk opens, while the machine is
    // most likely online, not at the officer's first keystroke.
    desk.searchProcedures(q === '' ? 'a' : q, q === '' ? 1 : LIMIT).then(
      (found) => {
        if (mine !== seq.current) return;
        setCatalog('ready');
        if (q === '') return;
        setHits(found);
        setActive(0);
        setSearched(q);
      },
      () => {
        if (mine !== seq.current) return;
        setCatalog('failed');
        setHits([]);
        setSearched('');
      },
    );
  }, [desk, query, attempt]);

  const pick = (hit: CatalogSearchHit | undefined): void => {
    if (!hit) return;
    onPick(hit.procedure);
    setQuery('');
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((i) => Math.min(i + 1, hits.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      pick(hits[active]);
    } else if (e.key === 'Escape') {
      setQuery('');
    }
  };

  const open = hits.length > 0;
  return (
    <div className="picker" data-testid="desk.procedurePicker" data-catalog={catalog}>
      <input
        ref={input}
        id="desk-procedure-search"
        className="picker__input"
        type="search"
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open ? `${listId}-${active}` : undefined}
        aria-label={t('desk.procedure.search')}
        placeholder={t('desk.procedure.placeholder')}
        autoComplete="off"
        spellCheck={false}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKey}
        data-testid="desk.procedureSearch"
      />
      {catalog === 'failed' && (
        <div className="notice notice--error picker__unavailable" role="alert" data-testid="desk.catalogUnavailable">
          {t('desk.procedure.unavailable')}{' '}
          <button type="button" className="btn btn--small" onClick={() => setAttempt((n) => n + 1)} data-testid="desk.catalogRetry">
            {t('desk.procedure.retry')}
          </button>
        </div>
      )}
      {searched !== '' && hits.length === 0 && (
        <p className="picker__empty" data-testid="desk.procedureNone">
          {t('desk.procedure.none', { query: searched })}
        </p>
      )}
      <ul id={listId} role="listbox" className="picker__list" hidden={!open} aria-label={t('desk.procedure.results')}>
        {hits.map((hit, i) => {
          const time = desk.processingTime(hit.procedure)?.text ?? inPersonChannel(hit.procedure)?.timeText ?? '';
          return (
            // The keyboard works in the combobox's input (arrows, Enter: aria-activedescendant); an option only takes clicks.
            // eslint-disable-next-line jsx-a11y-x/click-events-have-key-events
            <li
              key={hit.procedure.code}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className="picker__option"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(hit)}
              data-testid="desk.procedureOption"
              data-code={hit.procedure.code}
            >
              <span className="picker__name">{hit.procedure.name}</span>
              <span className="picker__meta">
                <span className="picker__code">{hit.procedure.code}</span> · {hit.procedure.field}
                {time !== '' && <> · {time}</>}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
});

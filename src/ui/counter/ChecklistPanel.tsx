import { memo, useState, type FormEvent, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReuseCandidate } from '../../app/dossierTypes';
import type { ChecklistItem, ChecklistSection } from '../../domain/checklist';
import { DocumentCard } from './DocumentCard';
import { DocumentNotes } from './DocumentNotes';
import { EMPTY_DOCUMENT, type DocumentState, type ExtraDocument } from './draft';

export interface ChecklistPanelProps {
  readonly items: readonly ChecklistItem[];
  readonly selectedCases: readonly string[];
  readonly onToggleCase: (sectionId: string) => void;
  readonly docs: ReadonlyMap<string, DocumentState>;
  readonly onDocChange: (documentId: string, next: DocumentState) => void;
  readonly suggestions: ReadonlyMap<string, ReuseCandidate>;
  readonly scannerReady: boolean | null;
  readonly extras: readonly ExtraDocument[];
  readonly onAddExtra: (name: string) => void;
  readonly onRemoveExtra: (documentId: string) => void;
  /** Papers to show (xuất trình) the officer has seen; checked only, never collected. */
  readonly shown: ReadonlySet<string>;
  readonly onToggleShown: (documentId: string) => void;
}

/**
 * "Thành phần hồ sơ": the main list, the alternative cases as toggles (only a selected case's papers
 * become required), the papers the citizen only shows, and extra papers the catalog does not list.
 */
export const ChecklistPanel = memo(function ChecklistPanel(props: ChecklistPanelProps) {
  const { items, selectedCases, onToggleCase, docs, onDocChange, suggestions, scannerReady, extras, onAddExtra, onRemoveExtra, shown, onToggleShown } = props;
  const { t } = useTranslation();
  const [extraName, setExtraName] = useState('');

  const sections: { section: ChecklistSection; items: ChecklistItem[] }[] = [];
  for (const item of items) {
    const last = sections[sections.length - 1];
    if (last?.section.id === item.section.id) last.items.push(item);
    else sections.push({ section: item.section, items: [item] });
  }
  let n = 0;
  const card = (item: ChecklistItem): ReactElement => {
    n += 1;
    const id = item.document.id;
    return (
      <DocumentCard
        key={id}
        number={String(n)}
        documentId={id}
        name={item.document.name}
        notes={item.document.notes ?? null}
        originals={item.document.originals}
        copies={item.document.copies}
        required={item.required}
        state={docs.get(id) ?? EMPTY_DOCUMENT}
        onChange={onDocChange}
        suggestion={suggestions.get(id)}
        scannerReady={scannerReady}
      />
    );
  };

  const addExtra = (e: FormEvent): void => {
    e.preventDefault();
    const name = extraName.trim();
    if (name === '') return;
    onAddExtra(name);
    setExtraName('');
  };

  return (
    <section className="panel desk-panel" aria-labelledby="desk-checklist-h" data-testid="desk.checklist">
      <h2 id="desk-checklist-h">{t('desk.checklist.heading')}</h2>
      <p className="panel__lead">{t('desk.checklist.lead')}</p>
      {items.length === 0 && <p data-testid="desk.checklistEmpty">{t('desk.checklist.empty')}</p>}
      {sections.map(({ section, items: sectionItems }) => {
        if (section.kind === 'submit')
          return (
            <div key={section.id} className="checklist__section" data-testid="desk.section" data-kind="submit">
              <h3>{t('desk.checklist.submit')}</h3>
              <ol className="docs">{sectionItems.map(card)}</ol>
            </div>
          );
        if (section.kind === 'case') {
          const on = selectedCases.includes(section.id);
          return (
            <div
              key={section.id}
              className={`checklist__section checklist__case ${on ? 'is-on' : ''}`}
              data-testid="desk.section"
              data-kind="case"
              data-section-id={section.id}
            >
              <button type="button" className="toggle toggle--case" aria-pressed={on} onClick={() => onToggleCase(section.id)} data-testid="desk.case">
                <span className="toggle__box" aria-hidden="true">
                  {on ? '✓' : ''}
                </span>
                <span>
                  <span className="toggle__label">{section.title}</span>
                  <span className="toggle__hint">{on ? t('desk.checklist.caseOn') : t('desk.checklist.caseOff')}</span>
                </span>
              </button>
              <ol className="docs">{sectionItems.map(card)}</ol>
            </div>
          );
        }
        if (section.kind === 'lookup')
          return (
            <div key={section.id} className="checklist__section" data-testid="desk.section" data-kind="lookup">
              <h3>{t('desk.checklist.lookup')}</h3>
              <p className="panel__lead">{t('desk.checklist.lookupLead')}</p>
              <ul className="shown">
                {sectionItems.map((item) => (
                  <li key={item.document.id} data-testid="desk.lookedUp">
                    <DocumentNotes name={item.document.name} notes={item.document.notes ?? null} />
                  </li>
                ))}
              </ul>
            </div>
          );
        return (
          <div key={section.id} className="checklist__section" data-testid="desk.section" data-kind="show">
            <h3>{t('desk.checklist.show')}</h3>
            <p className="panel__lead">{t('desk.checklist.showLead')}</p>
            <ul className="shown">
              {sectionItems.map((item) => (
                <li key={item.document.id}>
                  <label className="check">
                    <input type="checkbox" checked={shown.has(item.document.id)} onChange={() => onToggleShown(item.document.id)} data-testid="desk.shown" />
                    <span>{item.document.name}</span>
                  </label>
                </li>
              ))}
            </ul>
          </div>
        );
      })}

      <div className="checklist__section" data-testid="desk.extras">
        <h3>{t('desk.checklist.extras')}</h3>
        {extras.length > 0 && (
          <ol className="docs">
            {extras.map((extra) => {
              n += 1;
              return (
                <DocumentCard
                  key={extra.documentId}
                  number={String(n)}
                  documentId={extra.documentId}
                  name={extra.name}
                  notes={null}
                  originals={0}
                  copies={1}
                  required={false}
                  state={docs.get(extra.documentId) ?? EMPTY_DOCUMENT}
                  onChange={onDocChange}
                  suggestion={undefined}
                  scannerReady={scannerReady}
                  onRemove={() => onRemoveExtra(extra.documentId)}
                />
              );
            })}
          </ol>
        )}
        <form className="extra-form" onSubmit={addExtra}>
          <label htmlFor="desk-extra">{t('desk.checklist.extraName')}</label>
          <input
            id="desk-extra"
            value={extraName}
            maxLength={300}
            autoComplete="off"
            onChange={(e) => setExtraName(e.target.value)}
            data-testid="desk.extraName"
          />
          <button type="submit" className="btn btn--secondary btn--small" data-testid="desk.addExtra">
            {t('desk.checklist.addExtra')}
          </button>
        </form>
      </div>
    </section>
  );
});

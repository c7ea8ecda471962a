import { memo, useState, type FormEvent, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReuseCandidate } from '../../app/dossierTypes';
import type { ChecklistItem, ChecklistView, SituationGroupView } from '../../domain/checklist';
import { DocumentCard } from './DocumentCard';
import { DocumentNotes } from './DocumentNotes';
import { EMPTY_DOCUMENT, situationFieldId, type DocumentState, type ExtraDocument } from './draft';

export interface ChecklistPanelProps {
  readonly view: ChecklistView;
  readonly onToggleSituation: (groupId: string, situationId: string) => void;
  /** A required question left unanswered is marked (after a save attempt). */
  readonly showErrors: boolean;
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
  /** A paper's capture started or ended (DocumentCard's `onCapturing`). */
  readonly onCapturing: (documentId: string, capturing: boolean) => void;
}

const SituationGroup = memo(function SituationGroup({
  group,
  onToggle,
  showError,
}: {
  readonly group: SituationGroupView;
  readonly onToggle: (groupId: string, situationId: string) => void;
  readonly showError: boolean;
}) {
  const { t } = useTranslation();
  const id = situationFieldId(group.id);
  const error = showError && group.unanswered;
  const one = group.pick === 'one';
  return (
    <fieldset
      className={`situations ${error ? 'situations--error' : ''}`}
      data-testid="desk.situationGroup"
      data-group-id={group.id}
      data-required={group.required}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend className="situations__legend">
        {group.label}
        {group.required && <span className="tag tag--required">{t('form.checklist.situationsRequired')}</span>}
        <span className="situations__pick">{one ? t('form.checklist.pickOne') : t('form.checklist.pickAny')}</span>
      </legend>
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid="desk.situationError">
          {t('form.field.situation', { question: group.label })}
        </p>
      )}
      <div className="situations__options" role={one ? 'radiogroup' : 'group'} aria-label={group.label}>
        {group.situations.map((s, i) => (
          <button
            key={s.id}
            id={i === 0 ? id : undefined}
            type="button"
            role={one ? 'radio' : 'checkbox'}
            aria-checked={s.selected}
            className="situation"
            onClick={() => onToggle(group.id, s.id)}
            data-testid="desk.situation"
            data-situation-id={s.id}
          >
            <span className={`situation__box ${one ? 'situation__box--radio' : ''}`} aria-hidden="true">
              {s.selected ? (one ? '●' : '✓') : ''}
            </span>
            <span className="situation__label">{s.label}</span>
            <span className="situation__count">{t('form.checklist.papers', { count: s.documents })}</span>
          </button>
        ))}
      </div>
    </fieldset>
  );
});

/**
 * "Thành phần hồ sơ": the situation questions first (what the officer ticks decides what is
 * required), then the papers to hand in (always required, of a ticked situation, one of a group),
 * papers handed in if the citizen has one, papers only shown, information, and extra papers the
 * catalog does not list. Papers of situations not ticked are not listed.
 */
export const ChecklistPanel = memo(function ChecklistPanel(props: ChecklistPanelProps) {
  const {
    view,
    onToggleSituation,
    showErrors,
    docs,
    onDocChange,
    suggestions,
    scannerReady,
    extras,
    onAddExtra,
    onRemoveExtra,
    shown,
    onToggleShown,
    onCapturing,
  } = props;
  const { t } = useTranslation();
  const [extraName, setExtraName] = useState('');

  const handIn = view.items.filter((i) => i.need === 'required' || i.need === 'situation' || i.need === 'alternative');
  const optional = view.items.filter((i) => i.need === 'optional');
  const show = view.items.filter((i) => i.need === 'show');
  const info = view.items.filter((i) => i.need === 'info');

  let n = 0;
  const card = (item: ChecklistItem): ReactElement => {
    n += 1;
    const id = item.document.id;
    const tag =
      item.alternative !== null
        ? t('form.checklist.alternativeBadge')
        : item.need === 'situation'
          ? `${t('desk.doc.required')} · ${item.situations.join(', ')}`
          : item.need === 'optional'
            ? t('form.checklist.optional')
            : undefined;
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
        tag={tag}
        state={docs.get(id) ?? EMPTY_DOCUMENT}
        onChange={onDocChange}
        suggestion={suggestions.get(id)}
        scannerReady={scannerReady}
        onCapturing={onCapturing}
      />
    );
  };
  // Papers of one alternative group under one heading, in catalog order of the group's first paper.
  const handInList: ReactElement[] = [];
  const seen = new Set<string>();
  for (const item of handIn) {
    const group = item.alternative;
    if (group === null) handInList.push(card(item));
    else if (!seen.has(group.id)) {
      seen.add(group.id);
      handInList.push(
        <li key={`alt-${group.id}`} className="docs__group" data-testid="desk.alternative" data-alternative-id={group.id}>
          <p className="docs__group-title">{t('form.checklist.alternative', { label: group.label })}</p>
          <ol className="docs">{handIn.filter((i) => i.alternative?.id === group.id).map(card)}</ol>
        </li>,
      );
    }
  }

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
      {view.groups.map((g) => (
        <SituationGroup key={g.id} group={g} onToggle={onToggleSituation} showError={showErrors} />
      ))}
      {view.items.length === 0 && view.groups.length === 0 && <p data-testid="desk.checklistEmpty">{t('desk.checklist.empty')}</p>}
      {handInList.length > 0 && (
        <div className="checklist__section" data-testid="desk.section" data-kind="submit">
          <h3>{t('desk.checklist.submit')}</h3>
          <ol className="docs">{handInList}</ol>
        </div>
      )}
      {view.hidden > 0 && (
        <p className="checklist__hidden" data-testid="desk.hiddenPapers">
          {t('form.checklist.hidden', { count: view.hidden })}
        </p>
      )}
      {optional.length > 0 && (
        <div className="checklist__section" data-testid="desk.section" data-kind="optional">
          <h3>{t('form.checklist.optional')}</h3>
          <ol className="docs">{optional.map(card)}</ol>
        </div>
      )}
      {show.length > 0 && (
        <div className="checklist__section" data-testid="desk.section" data-kind="show">
          <h3>{t('desk.checklist.show')}</h3>
          <p className="panel__lead">{t('desk.checklist.showLead')}</p>
          <ul className="shown">
            {show.map((item) => (
              <li key={item.document.id}>
                <label className="check">
                  <input type="checkbox" checked={shown.has(item.document.id)} onChange={() => onToggleShown(item.document.id)} data-testid="desk.shown" />
                  <span>{item.document.name}</span>
                </label>
              </li>
            ))}
          </ul>
        </div>
      )}
      {info.length > 0 && (
        <div className="checklist__section" data-testid="desk.section" data-kind="lookup">
          <h3>{t('form.checklist.info')}</h3>
          <p className="panel__lead">{t('form.checklist.infoLead')}</p>
          <ul className="shown">
            {info.map((item) => (
              <li key={item.document.id} data-testid="desk.lookedUp">
                <DocumentNotes name={item.document.name} notes={item.document.notes ?? null} />
              </li>
            ))}
          </ul>
        </div>
      )}

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
                  onCapturing={onCapturing}
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

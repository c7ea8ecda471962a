import { memo } from 'react';
import { useTranslation } from 'react-i18next';

export interface DocumentNotesProps {
  readonly name: string;
  /** The catalog's full text when it says more than the name; null when the name is all of it. */
  readonly notes: string | null;
}

/** A document's short name, with the catalog's full text one tap away (closed by default). */
export const DocumentNotes = memo(function DocumentNotes({ name, notes }: DocumentNotesProps) {
  const { t } = useTranslation();
  if (notes === null) return <p className="doc__name">{name}</p>;
  return (
    <details className="doc__notes" data-testid="desk.docNotes">
      <summary>
        <span className="doc__name">{name}</span> <span className="doc__more">{t('desk.doc.notes')}</span>
      </summary>
      <p>{notes}</p>
    </details>
  );
});

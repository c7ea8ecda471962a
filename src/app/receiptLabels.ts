import type { ProcessingUnit } from '../domain/dossierAppointment';
import type { ReceiptLabels } from '../print/ReceiptPrintData';
import { vi as processingTimeVi } from './i18n/parts/processingTime';
import type { Catalog } from './i18n/vi';

/**
 * The receipt's printed labels from the Vietnamese catalog (receipts always print in Vietnamese).
 * `place` fills "Hà Nội, ngày …"; `unit` picks "N ngày làm việc" / "N ngày" / "N giờ".
 */
export function receiptLabelsFrom(r: Catalog['print']['receipt'], place: string, unit: ProcessingUnit): ReceiptLabels {
  const { copy1, copy2, processingWorkingDays, processingDays, processingHours, placeDate, ...rest } = r;
  return {
    ...rest,
    placeDate: placeDate.replace('{{place}}', place),
    copies: [copy1, copy2],
    processingDays: unit === 'working-day' ? processingWorkingDays : unit === 'day' ? processingDays : processingHours,
    // Its own message part; printed in Vietnamese like every receipt label.
    processingSet: processingTimeVi.print.receipt.processingSet,
  };
}

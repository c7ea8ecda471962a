import { vi } from '../../src/app/i18n/vi';
import { receiptLabelsFrom } from '../../src/app/receiptLabels';
import type { ReceiptLabels } from '../../src/print/ReceiptPrintData';

/** The receipt's Vietnamese labels as the kiosk prints them (from the vi catalog); for tests and the bench. */
export const RECEIPT_LABELS_VI: ReceiptLabels = receiptLabelsFrom(vi.print.receipt, 'Hà Nội', 'working-day');

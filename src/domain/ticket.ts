/** A queue ticket as the kiosk records it. Carries no personal data. */
export type TicketStatus = 'issued' | 'called' | 'serving' | 'served' | 'no-show' | 'cancelled' | 'transferred';
export type PrintStatus = 'pending' | 'printed' | 'failed';

export interface Ticket {
  /** UUIDv7. */
  readonly id: string;
  readonly branchCode: string;
  readonly deviceId: string;
  readonly kioskSlot: number;
  /** Local day key, "YYYY-MM-DD". */
  readonly day: string;
  readonly groupPrefix: string;
  /** This kiosk's sequence for (day, group), from 1. */
  readonly localSeq: number;
  readonly numeric: number;
  readonly number: string;
  readonly priority: boolean;
  readonly status: TicketStatus;
  readonly issuedAt: number;
  readonly printStatus: PrintStatus;
  /** When the server confirmed it (kiosk clock); absent or null while only local. */
  readonly syncedAt?: number | null;
}

/** Statuses in which a ticket is still waiting to be called. */
export const WAITING_STATUSES: readonly TicketStatus[] = ['issued'];

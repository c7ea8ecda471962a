/**
 * Everything printed on a queue ticket. No personal data: a ticket identifies a place in a queue,
 * never a person.
 */
export interface TicketPrintData {
  readonly branchName: string;
  /** Service-group name in Vietnamese, with diacritics. */
  readonly serviceName: string;
  /** Full ticket number including prefix, e.g. "A1015". */
  readonly number: string;
  readonly priority: boolean;
  /** Epoch ms when the ticket was issued. */
  readonly issuedAt: number;
  /** Branch offset from UTC in minutes, used to print local date and time (Vietnam: 420). */
  readonly utcOffsetMinutes: number;
  /** Tickets of the same group waiting ahead, as known to this kiosk. */
  readonly waitingAhead: number;
  /** Text encoded in the QR code (a URL to follow the queue). */
  readonly qrText: string;
  /** Printed labels, already translated (tickets are printed in Vietnamese). */
  readonly labels: TicketLabels;
}

export interface TicketLabels {
  readonly ticketTitle: string; // "PHIẾU THỨ TỰ"
  readonly priority: string; // "ƯU TIÊN"
  readonly waitingAhead: string; // "Số người chờ trước bạn: {{count}}" already formatted
  /** "Thời gian chờ dự kiến: khoảng 10–20 phút" already formatted; null (or absent): nothing about the wait is printed. */
  readonly waitEstimate?: string | null;
  readonly issuedAt: string; // "Thời gian lấy số"
  readonly scanToFollow: string; // "Quét mã để theo dõi lượt của bạn"
  readonly keepTicket: string; // "Vui lòng giữ phiếu và chờ gọi số"
}

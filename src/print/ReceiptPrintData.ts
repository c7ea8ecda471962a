/**
 * Everything printed on the dossier receipt ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", DOMAIN.md).
 * Unlike a queue ticket this carries personal data: the caller passes the ID number already masked
 * (`001*******45`), and the renderer writes personal data into the page content only, never into the
 * PDF metadata.
 */
export interface ReceiptPrintData {
  /** Agency the receiving unit belongs to, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI". */
  readonly agencyName: string;
  /** Receiving unit (branch / counter), printed in the body. */
  readonly receivingUnitName: string;
  /** Dossier code, e.g. "000.00.21.H26-261123-0042" (DOMAIN.md "Dossier code"). */
  readonly dossierCode: string;
  readonly applicant: ReceiptApplicant;
  readonly procedure: { readonly name: string; readonly code: string };
  /** Documents received, in the order printed; the renderer numbers them. */
  readonly documents: readonly ReceiptDocument[];
  /** Number of dossier sets received. */
  readonly sets: number;
  /** Legal processing time (in the unit `labels.processingDays` names); null when the catalog gives none. */
  readonly processingDays: number | null;
  /**
   * The processing time the receiving officer set (it replaces `processingDays` in item 3, with the
   * officer's reason); null or absent: the catalog's.
   */
  readonly processingSet?: {
    readonly kind: 'working-days' | 'working-hours' | 'date';
    readonly value: number | string;
    readonly reason: string;
  } | null;
  /** Epoch ms when the dossier was received; also the date in the header and the PDF dates. */
  readonly receivedAt: number;
  /**
   * When the result is due. `needsConfirmation` when the kiosk cannot compute it (e.g. beyond the
   * holiday table, DOMAIN.md "Appointment date"): the officer announces the date instead.
   */
  readonly appointment: { readonly kind: 'date'; readonly at: number; readonly provisional?: boolean } | { readonly kind: 'needsConfirmation' };
  /** Required documents not received (the officer accepted the dossier anyway, with `incompleteReason`). */
  readonly missing?: readonly { readonly name: string }[];
  readonly incompleteReason?: string | null;
  /** Branch offset from UTC in minutes, used for every printed date and time (Vietnam: 420). */
  readonly utcOffsetMinutes: number;
  /** Where the result is collected; `detail` (counter name, postal address) may be empty. */
  readonly resultDelivery: { readonly method: 'counter' | 'post'; readonly detail: string };
  /** Receiving officer's name, printed under the officer's signature (may be empty: room is left to sign). */
  readonly officerName: string;
  /**
   * The counter's reception register ("Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …"); null for a
   * dossier received before the register existed (then the line is left out).
   */
  readonly register: { readonly book: string; readonly serial: number } | null;
  /** Short look-up secret ("mã tra cứu"): status look-up needs dossier code + secret. */
  /**
   * null on a reprint after the first print: the kiosk no longer keeps the secret, so the QR carries
   * the code only and the line says the secret is on the first receipt.
   */
  readonly lookupSecret: string | null;
  /** The QR encodes `${lookupBaseUrl}?code=<dossierCode>&s=<lookupSecret>` (URI-encoded). */
  readonly lookupBaseUrl: string;
  /** Printed labels, already translated (receipts are printed in Vietnamese). */
  readonly labels: ReceiptLabels;
}

export interface ReceiptApplicant {
  readonly name: string;
  /** Already masked by the caller; printed as given. */
  readonly idNumberMasked: string;
  readonly address: string;
  readonly phone: string;
  readonly email: string;
}

export interface ReceiptDocument {
  readonly name: string;
  readonly originals: number;
  readonly copies: number;
}

/**
 * Templates use `{{dd}}`, `{{MM}}`, `{{yyyy}}`, `{{HH}}`, `{{mm}}` (local date and time) and
 * `{{count}}`, `{{page}}`, `{{pages}}`, `{{book}}`, `{{serial}}`; the renderer fills them. Field labels carry no colon.
 */
export interface ReceiptLabels {
  readonly department: string; // "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
  readonly nation: string; // "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
  readonly motto: string; // "Độc lập - Tự do - Hạnh phúc"
  readonly placeDate: string; // "Hà Nội, ngày {{dd}} tháng {{MM}} năm {{yyyy}}"
  readonly title: string; // "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
  readonly dossierCode: string; // "Mã hồ sơ"
  readonly copies: readonly [string, string]; // ["Liên 1: Lưu hồ sơ", "Liên 2: Giao người nộp"]
  readonly continued: string; // "(tiếp theo)"
  readonly pageOf: string; // "Trang {{page}}/{{pages}}"
  readonly receivingUnit: string; // "Bộ phận tiếp nhận"
  readonly applicantName: string; // "Tiếp nhận hồ sơ của ông/bà"
  readonly idNumber: string; // "Số định danh cá nhân/CCCD"
  readonly address: string; // "Địa chỉ"
  readonly phone: string; // "Số điện thoại"
  readonly email: string; // "Thư điện tử"
  readonly procedure: string; // "Nội dung yêu cầu giải quyết"
  readonly procedureCode: string; // "Mã thủ tục"
  readonly documents: string; // "Thành phần hồ sơ"
  readonly documentNo: string; // "STT"
  readonly documentName: string; // "Tên giấy tờ"
  readonly originals: string; // "Bản chính"
  readonly copiesCount: string; // "Bản sao"
  readonly sets: string; // "Số lượng hồ sơ"
  readonly setsValue: string; // "{{count}} bộ"
  readonly processingTime: string; // "Thời gian giải quyết hồ sơ theo quy định"
  readonly processingDays: string; // "{{count}} ngày làm việc"
  readonly receivedAt: string; // "Thời gian nhận hồ sơ"
  readonly appointment: string; // "Thời gian trả kết quả giải quyết hồ sơ"
  readonly dateTime: string; // "{{HH}} giờ {{mm}} phút, ngày {{dd}} tháng {{MM}} năm {{yyyy}}"
  readonly appointmentNeedsConfirmation: string; // "Cán bộ tiếp nhận sẽ thông báo ngày hẹn"
  readonly appointmentProvisional: string; // "(dự kiến: lịch nghỉ lễ chưa được công bố chính thức)"
  readonly processingUnknown: string; // "Theo quy định của thủ tục"
  /** Item 3 when the officer set the time: "{{count}} ngày làm việc", "{{count}} giờ làm việc", the date case, "(do cán bộ tiếp nhận xác định: {{reason}})". */
  readonly processingSet: { readonly workingDays: string; readonly workingHours: string; readonly date: string; readonly by: string };
  readonly missingDocuments: string; // "Giấy tờ còn thiếu"
  readonly incompleteReason: string; // "Lý do tiếp nhận hồ sơ chưa đủ thành phần"
  readonly resultDelivery: string; // "Đăng ký nhận kết quả tại"
  readonly deliveryCounter: string; // "Tại Bộ phận tiếp nhận và trả kết quả"
  readonly deliveryPost: string; // "Qua dịch vụ bưu chính công ích"
  readonly applicantSignature: string; // "NGƯỜI NỘP HỒ SƠ"
  readonly signatureHint: string; // "(Ký và ghi rõ họ tên)"
  readonly officerSignature: string; // "NGƯỜI TIẾP NHẬN HỒ SƠ"
  readonly register: string; // "Vào Sổ theo dõi hồ sơ, Quyển số: {{book}}, Số thứ tự: {{serial}}"
  readonly copiesNote: string; // "Ghi chú: Giấy tiếp nhận … được lập thành 02 liên; …"
  readonly lookupCode: string; // "Mã tra cứu"
  readonly lookupCodeOnFirstReceipt: string; // "xem bản in đầu"
}

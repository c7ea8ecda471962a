/**
 * Everything printed on the citizen's take-home checklist (80 mm): a procedure's papers grouped as
 * the kiosk shows them. No personal data: nothing the citizen typed is printed.
 */
export interface ChecklistPrintData {
  readonly branchName: string;
  readonly procedureName: string;
  readonly procedureCode: string;
  /** "Quầy A – Hộ tịch, chứng thực", or null when no service group receives the procedure. */
  readonly serviceLine: string | null;
  /** Facts under the name ("Thời hạn giải quyết: 5 ngày làm việc"), already worded. */
  readonly facts: readonly string[];
  readonly sections: readonly ChecklistPrintSection[];
  /** Epoch ms of printing (the document date). */
  readonly printedAt: number;
  readonly utcOffsetMinutes: number;
  readonly labels: ChecklistLabels;
}

export interface ChecklistPrintSection {
  /** "Luôn mang theo", "Nếu: Nộp hồ sơ theo ủy quyền", … */
  readonly title: string;
  /** One line per paper, with its count ("Tờ khai … (1 bản chính)"); each gets a box to tick. */
  readonly papers: readonly string[];
}

export interface ChecklistLabels {
  readonly title: string; // "DANH SÁCH GIẤY TỜ CẦN MANG"
  readonly code: string; // "Mã thủ tục"
  readonly printedAt: string; // "In lúc"
  readonly footer: string; // "Danh sách để tham khảo; …"
}

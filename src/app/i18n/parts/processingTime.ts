/**
 * Messages of the processing time the officer sets at the counter (src/ui/counter/ProcessingTimeControl.tsx)
 * and of its lines on the receipt (`print.receipt.processingSet`, always printed in Vietnamese).
 */
export const vi = {
  processingTime: {
    legend: 'Thời hạn giải quyết do cán bộ xác định',
    missing: 'Danh mục chưa có thời hạn giải quyết (có đơn vị) cho thủ tục này. Nhập thời hạn để giấy hẹn in được ngày trả kết quả.',
    override: 'Đổi thời hạn',
    useCatalog: 'Dùng thời hạn theo danh mục',
    kind: 'Tính theo',
    kinds: {
      'working-days': 'Ngày làm việc',
      'working-hours': 'Giờ làm việc (trả trong ngày)',
      date: 'Ngày cố định',
    },
    value: {
      'working-days': 'Số ngày làm việc',
      'working-hours': 'Số giờ làm việc',
      date: 'Ngày hẹn trả (ngày/tháng/năm)',
    },
    datePlaceholder: 'ví dụ 03/09/2026',
    reason: 'Lý do (bắt buộc; không ghi thông tin cá nhân)',
    reasonPlaceholder: 'Theo quy định tại quầy',
    reasonPreset: {
      counter: 'Theo quy định tại quầy',
      agency: 'Theo hướng dẫn của cơ quan giải quyết',
      sameDay: 'Thủ tục giải quyết trong ngày',
    },
    valueRequired: 'Nhập thời hạn: số ngày, số giờ hoặc ngày hẹn trả.',
    result: 'Hẹn trả kết quả: {{text}}',
    hint: 'Tab để chuyển ô, Enter để áp dụng. Ngày viết theo ngày/tháng/năm.',
  },
  desk: {
    submit: {
      check: {
        processing: 'Thời hạn giải quyết do cán bộ nhập chưa hợp lệ: sửa ở mục “Thời hạn giải quyết do cán bộ xác định”.',
      },
    },
  },
  print: {
    receipt: {
      processingSet: {
        workingDays: '{{count}} ngày làm việc',
        workingHours: '{{count}} giờ làm việc',
        date: 'Theo ngày hẹn trả kết quả tại mục 5',
        by: '(do cán bộ tiếp nhận xác định: {{reason}})',
      },
    },
  },
  errors: {
    processing: {
      'reason-required': 'Ghi lý do cho thời hạn giải quyết (ví dụ: “Theo quy định tại quầy”).',
      'reason-too-long': 'Lý do dài quá {{max}} ký tự: ghi ngắn gọn hơn.',
      'days-invalid': 'Số ngày làm việc phải là số nguyên từ {{min}} đến {{max}}.',
      'hours-invalid': 'Số giờ làm việc phải là số nguyên từ {{min}} đến {{max}}.',
      'date-invalid': 'Ngày hẹn không đúng: viết theo ngày/tháng/năm, ví dụ 03/09/2026.',
      'date-past': 'Ngày {{date}} đã qua: chọn một ngày làm việc sau hôm nay.',
      'date-today': 'Ngày {{date}} là hôm nay: trả trong ngày thì chọn “Giờ làm việc”, hoặc chọn một ngày sau hôm nay.',
      'date-weekend': 'Ngày {{date}} là thứ Bảy hoặc Chủ nhật (ngày nghỉ): chọn một ngày làm việc.',
      'date-holiday': 'Ngày {{date}} là ngày nghỉ ({{name}}): chọn một ngày làm việc khác.',
      'date-too-far': 'Ngày {{date}} cách hôm nay hơn một năm: kiểm tra lại năm.',
      'beyond-calendar': 'Lịch làm việc năm {{year}} chưa được Trung tâm công bố nên chưa tính được theo ngày hoặc giờ làm việc: chọn “Ngày cố định”.',
      'no-reception': 'Chi nhánh chưa được cấu hình tiếp nhận hồ sơ (giờ làm việc) nên chưa tính được ngày hẹn. Báo kỹ thuật viên.',
    },
    dossier: {
      'processing-invalid':
        'Thời hạn giải quyết do cán bộ nhập không còn hợp lệ tại thời điểm lưu (ví dụ đã sang ngày mới). Sửa thời hạn ở mục Thủ tục rồi lưu lại.',
    },
  },
};

export const en: typeof vi = {
  processingTime: {
    legend: 'Processing time set by the officer',
    missing: 'The catalog gives no processing time (with a unit) for this procedure. Enter one so the receipt can print a result date.',
    override: 'Change the time',
    useCatalog: 'Use the catalog’s time',
    kind: 'Counted in',
    kinds: {
      'working-days': 'Working days',
      'working-hours': 'Working hours (same day)',
      date: 'Fixed date',
    },
    value: {
      'working-days': 'Working days',
      'working-hours': 'Working hours',
      date: 'Result date (dd/mm/yyyy)',
    },
    datePlaceholder: 'e.g. 03/09/2026',
    reason: 'Reason (required; no personal data)',
    reasonPlaceholder: 'Theo quy định tại quầy',
    reasonPreset: {
      counter: 'Theo quy định tại quầy',
      agency: 'Theo hướng dẫn của cơ quan giải quyết',
      sameDay: 'Thủ tục giải quyết trong ngày',
    },
    valueRequired: 'Enter the time: a number of days, of hours, or the result date.',
    result: 'Result due: {{text}}',
    hint: 'Tab moves between fields, Enter applies. Dates as day/month/year.',
  },
  desk: {
    submit: {
      check: {
        processing: 'The processing time entered by the officer is not valid: correct it under “Processing time set by the officer”.',
      },
    },
  },
  print: {
    receipt: {
      processingSet: {
        workingDays: '{{count}} working days',
        workingHours: '{{count}} working hours',
        date: 'On the result date in item 5',
        by: '(set by the receiving officer: {{reason}})',
      },
    },
  },
  errors: {
    processing: {
      'reason-required': 'Give a reason for the processing time (e.g. “Theo quy định tại quầy”).',
      'reason-too-long': 'The reason is longer than {{max}} characters: shorten it.',
      'days-invalid': 'Working days must be a whole number from {{min}} to {{max}}.',
      'hours-invalid': 'Working hours must be a whole number from {{min}} to {{max}}.',
      'date-invalid': 'The date is not valid: write it day/month/year, e.g. 03/09/2026.',
      'date-past': '{{date}} has passed: choose a working day after today.',
      'date-today': '{{date}} is today: for a same-day result choose “Working hours”, or choose a day after today.',
      'date-weekend': '{{date}} is a Saturday or Sunday (day off): choose a working day.',
      'date-holiday': '{{date}} is a day off ({{name}}): choose another working day.',
      'date-too-far': '{{date}} is more than a year from today: check the year.',
      'beyond-calendar': 'The centre has not published the {{year}} working calendar, so working days or hours cannot be counted: choose “Fixed date”.',
      'no-reception': 'This branch has no dossier reception settings (working hours), so no date can be computed. Call a technician.',
    },
    dossier: {
      'processing-invalid':
        'The processing time entered by the officer is no longer valid at the time of saving (e.g. the day has changed). Correct it under Procedure and save again.',
    },
  },
};

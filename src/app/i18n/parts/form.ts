/** Messages of the reception form's layout, field checks, situations and error summary (src/ui/counter). */
export const vi = {
  errors: {
    dossier: {
      'situation-missing': 'Chưa chọn trường hợp của hồ sơ. Chọn trường hợp áp dụng trong phần “Thành phần hồ sơ” rồi lưu lại.',
    },
  },
  form: {
    summary: {
      title: 'Chưa lưu được hồ sơ – còn {{count}} mục cần sửa:',
      hint: 'Chọn một mục để chuyển tới ô cần sửa.',
    },
    field: {
      'id-required': 'Chưa có số định danh. Quét mã QR trên thẻ căn cước hoặc nhập 12 chữ số in trên thẻ.',
      'id-digits': 'Số định danh phải có 12 chữ số (CMND cũ: 9 chữ số); ô này đang có {{count}} chữ số. Đối chiếu lại với thẻ.',
      'id-format': 'Số giấy tờ không hợp lệ. Nhập 12 chữ số của thẻ căn cước, hoặc số hộ chiếu (chữ và số, 6–20 ký tự).',
      'name-required': 'Chưa có họ tên người nộp. Nhập họ tên đầy đủ, có dấu, như trên giấy tờ.',
      'date-format': 'Ngày sinh chưa đúng dạng. Nhập ngày/tháng/năm, ví dụ 15/08/1995.',
      'date-invalid': 'Ngày sinh không có thật (ví dụ 31/02). Kiểm tra lại ngày và tháng trên giấy tờ.',
      'date-future': 'Ngày sinh ở sau ngày hôm nay. Kiểm tra lại năm sinh.',
      'date-too-old': 'Năm sinh trước 1900. Kiểm tra lại năm sinh.',
      'phone-format': 'Số điện thoại chưa đúng. Nhập 10 chữ số bắt đầu bằng 0 (ví dụ 0912345678), hoặc số quốc tế bắt đầu bằng +.',
      'email-format': 'Thư điện tử chưa đúng dạng. Nhập dạng ten@mien.vn (ví dụ hang.nguyen@gmail.com), hoặc để trống.',
      procedure: 'Chưa chọn thủ tục. Gõ tên hoặc mã thủ tục rồi chọn trong danh sách.',
      situation: 'Chưa chọn trường hợp: “{{question}}”. Chọn trường hợp áp dụng để biết giấy tờ cần nộp.',
      reason: 'Còn thiếu {{count}} giấy tờ bắt buộc. Bổ sung giấy tờ, hoặc ghi lý do vẫn tiếp nhận.',
    },
    checklist: {
      situationsRequired: 'Bắt buộc chọn',
      pickOne: 'Chọn một',
      pickAny: 'Chọn các trường hợp áp dụng',
      papers: '{{count}} giấy tờ',
      hidden: '{{count}} giấy tờ của các trường hợp chưa chọn không hiện.',
      optional: 'Nộp nếu có',
      alternative: 'Một trong: {{label}}',
      alternativeBadge: 'Một trong nhóm',
      situationBadge: 'Theo trường hợp',
      info: 'Thông tin tham khảo (không thu giấy tờ)',
      infoLead: 'Cơ quan tự tra cứu, hoặc chỉ dùng khi nộp trực tuyến; không thu, không in trên giấy tiếp nhận.',
    },
    list: {
      idAndTime: '{{id}} · nhận lúc {{time}}',
    },
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  errors: {
    dossier: {
      'situation-missing': 'No situation chosen for the dossier. Choose the situation that applies under “Documents”, then save again.',
    },
  },
  form: {
    summary: {
      title: 'The dossier was not saved – {{count}} item(s) to fix:',
      hint: 'Choose an item to go to the field.',
    },
    field: {
      'id-required': 'No ID number. Scan the QR code on the ID card or type the 12 digits printed on it.',
      'id-digits': 'An ID number has 12 digits (old ID card: 9); this field has {{count}}. Check it against the card.',
      'id-format': 'Invalid document number. Type the 12 digits of the ID card, or a passport number (6–20 letters and digits).',
      'name-required': "No applicant name. Type the full name, with diacritics, as on the citizen's papers.",
      'date-format': 'The birth date is not in the right form. Type day/month/year, e.g. 15/08/1995.',
      'date-invalid': 'This birth date does not exist (e.g. 31/02). Check the day and month on the papers.',
      'date-future': 'The birth date is after today. Check the year.',
      'date-too-old': 'The birth year is before 1900. Check the year.',
      'phone-format': 'Invalid phone number. Type 10 digits starting with 0 (e.g. 0912345678), or an international number starting with +.',
      'email-format': 'The e-mail address is not valid. Type it as name@domain.vn (e.g. hang.nguyen@gmail.com), or leave it empty.',
      procedure: 'No procedure chosen. Type its name or code and pick it from the list.',
      situation: 'No situation chosen: “{{question}}”. Choose the one that applies to see the papers needed.',
      reason: '{{count}} required paper(s) missing. Add them, or type why the dossier is received anyway.',
    },
    checklist: {
      situationsRequired: 'Required',
      pickOne: 'Choose one',
      pickAny: 'Choose all that apply',
      papers: '{{count}} paper(s)',
      hidden: '{{count}} paper(s) of situations not chosen are not shown.',
      optional: 'If the citizen has one',
      alternative: 'One of: {{label}}',
      alternativeBadge: 'One of a group',
      situationBadge: 'For this situation',
      info: 'For information (not collected)',
      infoLead: 'Looked up by the office, or used only online; not collected, not printed on the receipt.',
    },
    list: {
      idAndTime: '{{id}} · received {{time}}',
    },
  },
};

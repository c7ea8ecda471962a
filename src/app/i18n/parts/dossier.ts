/** Messages of dossier reception (src/app/dossierDesk.ts, and the centre's answers about dossiers). */
export const vi = {
  errors: {
    receipt: {
      first: 'Đã in giấy tiếp nhận hồ sơ (nhật ký in).',
      reprint: 'Đã in lại giấy tiếp nhận hồ sơ (nhật ký in).',
    },
    blob: {
      failed:
        'Một tệp quét không gửi được (máy chủ từ chối hoặc tệp trên máy bị hỏng); các hồ sơ khác vẫn được gửi. Kiểm tra hồ sơ có tệp này và quét lại giấy tờ nếu cần.',
    },
    dossier: {
      'applicant-invalid': 'Thông tin người nộp chưa đầy đủ hoặc chưa đúng (họ tên, số định danh…). Kiểm tra lại các ô được đánh dấu rồi lưu lại.',
      'catalog-unavailable': 'Chưa tải được danh mục thủ tục trên máy này. Khởi động lại ứng dụng; nếu vẫn lỗi, báo kỹ thuật viên.',
      'document-empty': 'Có giấy tờ chưa có trang nào. Quét hoặc chụp giấy tờ đó, hoặc bỏ nó khỏi hồ sơ.',
      'pages-pending': 'Trang vừa quét hoặc chụp vẫn đang được xử lý. Chờ trang hiện trên màn hình rồi bấm lưu lại.',
      'document-too-large': 'Một giấy tờ quá lớn (trên 200 MB). Quét lại ở chế độ đen trắng hoặc tách thành nhiều giấy tờ.',
      invalid: 'Hồ sơ có thông tin không hợp lệ nên chưa được lưu. Kiểm tra lại; nếu vẫn lỗi, báo kỹ thuật viên.',
      'missing-documents': 'Hồ sơ còn thiếu giấy tờ bắt buộc. Bổ sung giấy tờ, hoặc ghi lý do tiếp nhận hồ sơ chưa đủ thành phần.',
      'no-reception': 'Chi nhánh chưa được cấu hình tiếp nhận hồ sơ (mã đơn vị, giờ làm việc). Báo kỹ thuật viên hoặc Trung tâm.',
      'not-found': 'Không tìm thấy hồ sơ này trên máy. Có thể hồ sơ đã được xóa sau khi đồng bộ; tra cứu trên hệ thống của Trung tâm.',
      'reuse-not-allowed': 'Giấy tờ dùng lại không phải của người nộp này (có thể vừa đổi người nộp). Bỏ chọn “Dùng lại” và quét giấy tờ của người nộp.',
      'procedure-unknown': 'Thủ tục này không còn trong danh mục. Chọn lại thủ tục.',
      'slot-out-of-range': 'Vị trí của máy vượt quá số máy được cấp dải số hồ sơ của chi nhánh. Báo kỹ thuật viên chỉnh “Vị trí kiosk”.',
      'slot-not-enrolled':
        'Mã hồ sơ được cấp theo một “Vị trí kiosk” khác với vị trí máy đã đăng ký với trung tâm; trung tâm vẫn nhận hồ sơ và đánh dấu để kiểm tra. Báo kỹ thuật viên đặt lại đúng vị trí, hoặc đăng ký lại máy với vị trí mới bằng mã trung tâm cấp cho máy.',
      'code-taken':
        'Trung tâm đã có một hồ sơ khác cùng mã (có thể hai máy đang dùng cùng “Vị trí kiosk”). Báo kỹ thuật viên; liên hệ công dân để cấp lại giấy tiếp nhận.',
      'id-taken': 'Trung tâm đã nhận hồ sơ này với một mã khác. Báo kỹ thuật viên kiểm tra.',
      'wrong-unit': 'Mã hồ sơ không thuộc đơn vị tiếp nhận của chi nhánh. Báo kỹ thuật viên kiểm tra cấu hình chi nhánh.',
      'number-out-of-range': 'Số thứ tự của mã hồ sơ nằm ngoài dải được cấp. Báo kỹ thuật viên kiểm tra “Vị trí kiosk”.',
      'date-mismatch': 'Ngày trong mã hồ sơ không khớp thời điểm tiếp nhận. Kiểm tra đồng hồ của máy và báo kỹ thuật viên.',
    },
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  errors: {
    receipt: {
      first: 'A dossier receipt was printed (print log).',
      reprint: 'A dossier receipt was reprinted (print log).',
    },
    blob: {
      failed:
        'A scan could not be sent (refused by the server, or damaged on this machine); other records still go. Check the dossier with this scan and rescan the paper if needed.',
    },
    dossier: {
      'applicant-invalid': 'The applicant’s details are incomplete or wrong (name, ID number…). Check the marked fields and save again.',
      'catalog-unavailable': 'The procedure catalog could not be loaded on this machine. Restart the app; if it persists, call a technician.',
      'document-empty': 'A document has no pages. Scan or photograph it, or remove it from the dossier.',
      'pages-pending': 'A page just scanned or photographed is still being processed. Wait until it shows on screen, then save again.',
      'document-too-large': 'A document is too large (over 200 MB). Scan it again in black and white or split it.',
      invalid: 'The dossier has invalid data and was not saved. Check it; if it persists, call a technician.',
      'missing-documents': 'Required documents are missing. Add them, or record why the incomplete dossier is accepted.',
      'no-reception': 'This branch is not set up to receive dossiers (unit code, working hours). Call a technician or the centre.',
      'not-found': 'This dossier is not on this machine. It may have been removed after syncing; look it up in the centre’s system.',
      'reuse-not-allowed':
        'The reused paper does not belong to this applicant (the applicant may have changed). Untick “Reuse” and scan this applicant’s paper.',
      'procedure-unknown': 'This procedure is no longer in the catalog. Choose the procedure again.',
      'slot-out-of-range': 'This machine’s slot is beyond the branch’s dossier number slots. Ask a technician to fix the “kiosk slot”.',
      'slot-not-enrolled':
        'The dossier code was numbered under another “kiosk slot” than the one this machine is enrolled with; the centre still takes the dossier and flags it for checking. Ask a technician to set the enrolled slot back, or to enrol the machine again with the new slot using a code the centre issues for it.',
      'code-taken':
        'The centre already has another dossier with this code (two machines may share a “kiosk slot”). Call a technician; contact the citizen to reissue the receipt.',
      'id-taken': 'The centre received this dossier under another code. Ask a technician to check.',
      'wrong-unit': 'The dossier code does not belong to this branch’s receiving unit. Ask a technician to check the branch settings.',
      'number-out-of-range': 'The dossier number is outside this machine’s range. Ask a technician to check the “kiosk slot”.',
      'date-mismatch': 'The date in the dossier code does not match when it was received. Check this machine’s clock and call a technician.',
    },
  },
};

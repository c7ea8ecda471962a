/** Messages of this feature (merged into the catalog by ../index.ts). */
export const vi = {
  errors: {
    scan: {
      'no-scanner': 'Không tìm thấy máy quét nào. Kiểm tra máy quét đã bật và cắm cáp chưa, rồi thử lại; nếu vẫn lỗi, báo kỹ thuật viên.',
      'device-not-found': 'Không mở được máy quét đã chọn. Kiểm tra máy quét đã bật và cắm cáp, hoặc chọn lại máy quét trong phần kỹ thuật.',
      busy: 'Máy quét đang quét một trang khác. Vui lòng đợi trang đó xong rồi quét tiếp.',
      timeout: 'Máy quét không trả kết quả kịp thời. Kiểm tra giấy trong máy quét rồi quét lại trang này.',
      cancelled: 'Việc quét trang đã bị dừng. Bấm quét lại nếu vẫn cần trang này.',
      failed: 'Máy quét báo lỗi khi quét. Kiểm tra giấy, nắp máy quét rồi thử lại; nếu vẫn lỗi, báo kỹ thuật viên.',
      'no-sane': 'Máy này chưa cài phần mềm máy quét. Vui lòng báo kỹ thuật viên cài gói sane-utils và trình điều khiển máy quét.',
      unsupported: 'Máy này chưa dùng được máy quét tài liệu. Vui lòng chụp bằng camera hoặc chọn tệp để thêm trang.',
      'file-type': 'Tệp này không phải PDF, JPEG hoặc PNG. Vui lòng chọn tệp PDF hoặc ảnh JPEG/PNG.',
      'file-too-large': 'Tệp quá lớn để đưa vào hồ sơ. Vui lòng chọn tệp nhỏ hơn hoặc quét lại giấy tờ.',
      'pdf-encrypted': 'Tệp PDF này có mật khẩu nên không mở được. Vui lòng dùng bản không đặt mật khẩu hoặc quét giấy tờ gốc.',
      'file-unreadable': 'Không đọc được tệp này (tệp có thể bị hỏng). Vui lòng chọn tệp khác hoặc quét giấy tờ gốc.',
      'image-failed': 'Không xử lý được ảnh của trang này. Vui lòng chụp hoặc quét lại trang.',
      'camera-not-ready': 'Camera chưa sẵn sàng. Đợi hình hiện lên màn hình rồi bấm chụp lại.',
      'no-pages': 'Giấy tờ này chưa có trang nào. Vui lòng quét, chụp hoặc chọn tệp trước khi lưu.',
    },
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  errors: {
    scan: {
      'no-scanner': 'No scanner was found. Check that the scanner is on and plugged in, then try again; if it still fails, call the technician.',
      'device-not-found': 'The chosen scanner could not be opened. Check that it is on and plugged in, or choose the scanner again in the technician view.',
      busy: 'The scanner is still scanning another page. Wait for it to finish, then scan the next one.',
      timeout: 'The scanner did not answer in time. Check the paper in the scanner, then scan this page again.',
      cancelled: 'The scan was stopped. Scan again if you still need this page.',
      failed: 'The scanner reported an error. Check the paper and the scanner lid, then try again; if it still fails, call the technician.',
      'no-sane': 'The scanner software is not installed on this machine. Ask the technician to install the sane-utils package and the scanner driver.',
      unsupported: 'Document scanners cannot be used on this machine yet. Take a photo with the camera or choose a file instead.',
      'file-type': 'This file is not a PDF, JPEG or PNG. Choose a PDF file or a JPEG/PNG image.',
      'file-too-large': 'This file is too large for a dossier. Choose a smaller file or scan the paper instead.',
      'pdf-encrypted': 'This PDF is password-protected and cannot be opened. Use a copy without a password or scan the original paper.',
      'file-unreadable': 'This file could not be read (it may be damaged). Choose another file or scan the original paper.',
      'image-failed': 'The image of this page could not be processed. Take or scan the page again.',
      'camera-not-ready': 'The camera is not ready yet. Wait until the picture shows on screen, then take the photo again.',
      'no-pages': 'This document has no pages yet. Scan, photograph or choose a file before saving.',
    },
  },
};

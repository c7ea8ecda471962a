/** Messages of this feature (merged into the catalog by ../index.ts): QR codes from the camera and USB scanners. */
export const vi = {
  errors: {
    qr: {
      'camera-denied': 'Ứng dụng chưa được phép dùng camera. Hãy cho phép camera trong cài đặt của máy (hoặc nhờ kỹ thuật viên), rồi thử lại.',
      'no-camera': 'Không tìm thấy camera. Kiểm tra dây cắm camera rồi thử lại, hoặc dùng máy quét mã.',
      'camera-busy': 'Camera đang được một ứng dụng khác dùng. Đóng ứng dụng đó (hoặc rút ra cắm lại camera) rồi thử lại.',
      'camera-failed': 'Không mở được camera. Thử lại; nếu vẫn lỗi, dùng máy quét mã và báo kỹ thuật viên.',
      'engine-unavailable': 'Bộ đọc mã QR không khởi động được. Khởi động lại ứng dụng; nếu vẫn lỗi, báo kỹ thuật viên.',
      'wedge-garbled':
        'Máy quét mã làm mất dấu tiếng Việt nên thông tin đọc được bị sai. Hãy quét thẻ bằng camera, hoặc nhờ kỹ thuật viên chuyển máy quét sang chế độ Unicode/UTF-8.',
    },
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  errors: {
    qr: {
      'camera-denied': 'The app is not allowed to use the camera. Allow the camera in this computer’s settings (or ask a technician), then try again.',
      'no-camera': 'No camera was found. Check the camera cable and try again, or use the code scanner.',
      'camera-busy': 'Another application is using the camera. Close it (or unplug and replug the camera), then try again.',
      'camera-failed': 'The camera could not be opened. Try again; if it still fails, use the code scanner and tell a technician.',
      'engine-unavailable': 'The QR code reader could not start. Restart the app; if it still fails, tell a technician.',
      'wedge-garbled':
        'The code scanner lost the Vietnamese accents, so what it read is wrong. Scan the card with the camera, or ask a technician to switch the scanner to its Unicode/UTF-8 mode.',
    },
  },
};

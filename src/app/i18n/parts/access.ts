/**
 * Messages of the citizen kiosk's help for everyone (merged into the catalog by ../index.ts): the
 * larger-text and high-contrast switches, "Đọc to", "Gọi nhân viên" and the attract screen shown
 * when nobody is at the kiosk.
 */
export const vi = {
  access: {
    label: 'Hỗ trợ người dùng',
    largeText: 'Chữ lớn',
    highContrast: 'Tương phản cao',
    readAloud: 'Đọc to',
    reading: 'Đang đọc…',
    readFailed: 'Máy chưa đọc được. Vui lòng hỏi nhân viên hướng dẫn.',
    callStaff: 'Gọi nhân viên',
    callingStaff: 'Đang báo nhân viên…',
    staffCalled: 'Đã báo nhân viên. Vui lòng chờ tại máy, nhân viên sẽ đến ngay.',
    staffCallFailed: 'Chưa báo được nhân viên. Vui lòng đến quầy hướng dẫn, hoặc thử lại.',
  },
  attract: {
    title: 'Xin chào! Chạm vào màn hình để bắt đầu',
    lead: 'Tại máy này bạn có thể:',
    ticket: 'Lấy số thứ tự',
    ticketHint: 'Chọn dịch vụ, phiếu in ngay',
    lookup: 'Tra cứu thủ tục',
    lookupHint: 'Giấy tờ cần mang, thời hạn, lệ phí',
    follow: 'Theo dõi hồ sơ',
    followHint: 'Quét mã QR trên giấy tiếp nhận',
    rating: 'Đánh giá dịch vụ',
    ratingHint: 'Quét mã QR trên phiếu số thứ tự',
    touch: 'Chạm để bắt đầu',
  },
} as const;

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export const en: Widen<typeof vi> = {
  access: {
    label: 'Help for everyone',
    largeText: 'Larger text',
    highContrast: 'High contrast',
    readAloud: 'Read aloud',
    reading: 'Reading…',
    readFailed: 'This kiosk cannot read aloud now. Please ask at the information desk.',
    callStaff: 'Call staff',
    callingStaff: 'Calling staff…',
    staffCalled: 'Staff have been told. Please wait at the kiosk; someone will come.',
    staffCallFailed: 'Staff could not be told. Please go to the information desk, or try again.',
  },
  attract: {
    title: 'Hello! Touch the screen to start',
    lead: 'At this kiosk you can:',
    ticket: 'Take a queue number',
    ticketHint: 'Choose a service; the ticket prints at once',
    lookup: 'Look up a procedure',
    lookupHint: 'Papers to bring, time, fee',
    follow: 'Follow a dossier',
    followHint: 'Scan the QR on your receipt',
    rating: 'Rate the service',
    ratingHint: 'Scan the QR on your ticket',
    touch: 'Touch to start',
  },
};

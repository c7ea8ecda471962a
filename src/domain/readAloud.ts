import { PAUSE, ticketNumberWords, type CallWord } from './callPhrase';

/**
 * What the citizen kiosk's "Đọc to" (read aloud) says on each screen, in Vietnamese, for people who
 * cannot read the screen (EN 301 549 asks self-service machines to speak without the user bringing
 * assistive technology). Each screen is one short guide: where things are and what to touch, in the
 * words of the buttons. A ticket's number is read the way the display board reads it.
 *
 * One word list serves both voice engines, as for the board's calls (callPhrase.ts): the texts
 * joined are what the OS voice speaks, the clips what the clip engine plays. READ_ALOUD_PHRASES is
 * every screen clip there is (scripts/voice/makeClips.ts renders them into assets/voice/vi-screens);
 * the ticket's letters and digits are the board's clips.
 */
export const READ_ALOUD_PHRASES: Readonly<Record<string, string>> = {
  'screen-home':
    'Đây là máy lấy số thứ tự. Chạm vào ô dịch vụ bạn cần, phiếu sẽ được in ngay. Nếu bạn thuộc diện ưu tiên, chạm nút Tôi thuộc diện ưu tiên trước. Phía dưới là tra cứu thủ tục, theo dõi hồ sơ và đánh giá dịch vụ. Cần giúp, chạm nút Gọi nhân viên ở cuối màn hình.',
  'screen-lookup': 'Tra cứu thủ tục. Chọn một lĩnh vực, hoặc gõ tên thủ tục trên bàn phím, không cần gõ dấu.',
  'screen-procedure':
    'Màn hình này ghi giấy tờ cần mang, thời hạn giải quyết và lệ phí của thủ tục. Chạm nút In danh sách giấy tờ để mang về, hoặc nút Lấy số cho thủ tục này.',
  'screen-follow': 'Theo dõi hồ sơ. Đưa mã QR trên giấy tiếp nhận vào trước camera, hoặc gõ mã hồ sơ và mã tra cứu trên bàn phím.',
  'screen-rating': 'Đánh giá dịch vụ. Đưa mã QR trên phiếu số thứ tự vào trước camera, hoặc gõ số trên phiếu, rồi chọn mức độ hài lòng.',
  'ticket-yours': 'Số thứ tự của bạn là',
  'ticket-wait': 'Vui lòng nhận phiếu ở khe máy in, và chờ được gọi số.',
};

/** The citizen screens that can be read aloud. */
export type ReadableScreen = { readonly kind: 'home' | 'lookup' | 'procedure' | 'follow' | 'rating' } | { readonly kind: 'ticket'; readonly number: string };

const phrase = (clip: string): CallWord => {
  const text = READ_ALOUD_PHRASES[clip];
  if (text === undefined) throw new Error(`no read-aloud clip ${clip}`);
  return { clip, text };
};

/** The words said for a screen: a guide, or "your number is A 0 1 5, …" on the ticket screen. */
export function readAloudWords(screen: ReadableScreen): CallWord[] {
  if (screen.kind === 'ticket') return [phrase('ticket-yours'), ...ticketNumberWords(screen.number), { clip: PAUSE, text: '.' }, phrase('ticket-wait')];
  return [phrase(`screen-${screen.kind}`)];
}

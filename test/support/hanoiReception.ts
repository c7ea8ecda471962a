import seed2025 from '../../assets/calendar/2025.json';
import seed2026 from '../../assets/calendar/2026.json';
import seed2027 from '../../assets/calendar/2027.json';
import type { DossierReception } from '../../src/shared/branchConfig';
import { CalendarYear } from '../../src/shared/calendar';

/** Hà Nội's offset from UTC, minutes. */
export const VN = 420;
/** Epoch ms of a Hà Nội wall-clock time (UTC+7). */
export const vn = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h - 7, mi);

/** The shipped 2025–2027 calendars. */
export const calendar = [CalendarYear.parse(seed2025), CalendarYear.parse(seed2026), CalendarYear.parse(seed2027)];

/** The seeded branch's reception: two opening periods, a 16:30 cut-off. */
export const reception: DossierReception = {
  unitCode: '000.21.01.H26',
  agencyName: 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI',
  receivingUnitName: 'Bộ phận tiếp nhận và trả kết quả',
  placeName: 'Hà Nội',
  numbering: { blockSize: 1000, slots: 4, digits: 4 },
  workingHours: [
    { start: '08:00', end: '12:00' },
    { start: '13:30', end: '17:30' },
  ],
  cutoff: '16:30',
  lookupBaseUrl: 'https://dichvucong.hanoi.gov.vn/tra-cuu',
  reuseValidityDays: 365,
};

/** The appointment rules' context for that branch. */
export const hanoiContext = { reception, utcOffsetMinutes: VN, calendar };

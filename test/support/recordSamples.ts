import { randomUUID } from 'node:crypto';
import type { ArgsOf, MutationName } from '../../src/shared/records';

/** 2026-11-24 09:00 in Hanoi: the day the samples are of. */
const AT = Date.UTC(2026, 10, 24, 2, 0, 0);

/**
 * One valid record of every type in the registry (src/shared/records), the `n`-th of a series: ids
 * are fresh, numbers and codes follow `n` (1–999), so a series never clashes with itself. Typed by
 * the registry: a new record type does not compile until it has a sample here, and then the
 * registry-driven tests (test/integration/recordTypes.test.ts) give it exactly-once, rejection and
 * fuzzing without another line.
 */
export const RECORD_SAMPLES: { readonly [N in MutationName]: (n: number, branchCode: string) => ArgsOf<N> } = {
  'ticket.issue@1': (n, branchCode) => ({
    id: randomUUID(),
    branchCode,
    kioskSlot: 0,
    day: '2026-11-24',
    groupPrefix: 'A',
    number: `A${String(n).padStart(4, '0')}`,
    numeric: n,
    priority: n % 3 === 0,
    issuedAt: AT + n * 1000,
  }),
  'rating.submit@1': (n, branchCode) => ({
    id: randomUUID(),
    branchCode,
    ticketId: null,
    dossierCode: null,
    counter: `Q${n % 10}`,
    level: n % 2 === 0 ? 'satisfied' : 'very-satisfied',
    reasons: [],
    comment: '',
    questionnaireId: null,
    questionnaireVersion: null,
    submittedAt: AT + n * 1000,
  }),
  'dossier.submit@1': (n, branchCode) => ({
    id: randomUUID(),
    code: `000.00.21.H26-261124-${String(n).padStart(4, '0')}`,
    branchCode,
    slot: 0,
    receivedAt: AT + n * 1000,
    procedure: { code: '1.001612', name: 'Đăng ký khai sinh', processingTime: 5, unit: 'working-day' },
    applicant: {
      idNumber: '001090012345',
      fullName: 'Nguyễn Văn An',
      dateOfBirth: '1990-02-01',
      gender: 'male',
      address: 'Số 1 phố Tràng Tiền, Hà Nội',
      phone: '0912345678',
      email: '',
      fromCard: true,
    },
    documents: [{ documentId: 'to-khai', name: 'Tờ khai', originals: 1, copies: 0, sha256: 'ab'.repeat(32), size: 10, pages: 1, reusedFrom: null }],
    missing: [],
    incompleteReason: null,
    sets: 1,
    appointment: { kind: 'date', at: AT + 7 * 86_400_000, date: '2026-12-01', provisional: false },
    resultDelivery: { method: 'counter', detail: '' },
    lookupSecret: 'K7P4X9QM',
    officerName: 'Cán bộ tiếp nhận',
    officerId: 'CB0001',
    register: { book: '01/2026', serial: n },
  }),
  'audit.event@1': (n, branchCode) => ({
    id: randomUUID(),
    branchCode,
    action: 'receipt.print',
    dossierCode: `000.00.21.H26-261124-${String(n).padStart(4, '0')}`,
    relatedCode: null,
    documents: 0,
    at: AT + n * 1000,
    staffId: 'CB0001',
  }),
  // A walk-in needs no ticket, so a sample stands alone (the queue tests cover actions on tickets).
  'queue.action@1': (n, branchCode) => ({
    id: randomUUID(),
    branchCode,
    day: '2026-11-24',
    counter: (n % 9) + 1,
    kind: 'walk-in',
    how: null,
    groups: [],
    ticketNumber: null,
    toGroup: null,
    toCounter: null,
    dossierCodes: [],
    staffId: 'CB0001',
    at: AT + n * 1000,
    offline: false,
  }),
  'staff.call@1': (n, branchCode) => ({
    id: randomUUID(),
    branchCode,
    day: '2026-11-24',
    screen: (['home', 'lookup', 'procedure', 'follow', 'rating', 'ticket'] as const)[n % 6]!,
    kioskSlot: n % 4,
    calledAt: AT + n * 1000,
  }),
};

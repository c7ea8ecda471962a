import { describe, expect, it } from 'vitest';
import { DOSSIER_STATUSES } from '../shared/published';
import type { LookupRequest } from '../shared/sync';
import { TransportError, type LookupAnswer } from '../sync/Transport';
import { createDossierFollow, followStatusKey } from './dossierFollow';
import { catalogFor } from './i18n';
import { ticketQrText } from './KioskApp';
import { parseTicketQr } from '../domain/followQr';

const CODE = '000.00.21.H26-261203-0042';
const FOUND = { code: CODE, status: 'ready', statusAt: 0, appointmentDate: '2026-12-10', note: '' };

function follow(answer: LookupAnswer | Error | 'offline' | 'not-enrolled', asked: LookupRequest[] = []) {
  return createDossierFollow({
    sync: {
      lookupServer: () =>
        typeof answer === 'string'
          ? answer
          : async (request: LookupRequest) => {
              asked.push(request);
              if (answer instanceof Error) throw answer;
              return answer;
            },
    },
  });
}

describe('dossier follow', () => {
  it('asks with the normalised keys and gives the status', async () => {
    const asked: LookupRequest[] = [];
    expect(await follow({ kind: 'found', status: FOUND }, asked).lookup(CODE.toLowerCase(), 'r7tq 4wxn')).toEqual({ kind: 'found', status: FOUND });
    expect(asked).toEqual([{ code: CODE, secret: 'R7TQ4WXN' }]);
  });
  it('malformed keys never leave the machine', async () => {
    const asked: LookupRequest[] = [];
    expect(await follow({ kind: 'found', status: FOUND }, asked).lookup('12345', 'R7TQ4WXN')).toEqual({ kind: 'malformed', problem: 'code-malformed' });
    expect(asked).toEqual([]);
  });
  it('wrong secret, limit, offline, no answer, not enrolled each come back as their own outcome', async () => {
    expect(await follow({ kind: 'not-found' }).lookup(CODE, 'R7TQ4WXN')).toEqual({ kind: 'not-found' });
    expect(await follow({ kind: 'limited', retryAfterSeconds: 8 }).lookup(CODE, 'R7TQ4WXN')).toEqual({ kind: 'limited', waitSeconds: 8 });
    expect(await follow('offline').lookup(CODE, 'R7TQ4WXN')).toEqual({ kind: 'offline' });
    expect(await follow('not-enrolled').lookup(CODE, 'R7TQ4WXN')).toEqual({ kind: 'not-enrolled' });
    const cut = new TransportError('network', { code: 'net.unreachable', detail: '' });
    expect(await follow(cut).lookup(CODE, 'R7TQ4WXN')).toEqual({ kind: 'offline' });
    const odd = new TransportError('protocol', { code: 'sync.bad-answer', detail: '' });
    expect(await follow(odd).lookup(CODE, 'R7TQ4WXN')).toEqual({ kind: 'failed', code: 'sync.bad-answer' });
  });
});

describe('status wording', () => {
  type Tree = { [k: string]: string | Tree };
  const at = (tree: Tree, path: string): unknown => path.split('.').reduce<unknown>((n, k) => (n as Tree | undefined)?.[k], tree);
  it.each(['vi', 'en'] as const)('every status the centre can answer has a title and what to do next (%s)', (locale) => {
    const catalog = catalogFor(locale);
    for (const status of [...DOSSIER_STATUSES, 'something-new']) {
      const key = followStatusKey(status);
      expect(at(catalog, `${key}.title`), `${key}.title`).toMatch(/\S/);
      expect(at(catalog, `${key}.next`), `${key}.next`).toMatch(/\S/);
    }
    expect(followStatusKey('something-new')).toBe('follow.status.unknown');
  });
  it('speaks plainly in Vietnamese', () => {
    const vi = catalogFor('vi');
    expect(at(vi, 'follow.status.supplement-requested.title')).toBe('Cần bổ sung giấy tờ');
    expect(at(vi, 'follow.status.ready.next')).toContain('mang theo giấy tiếp nhận');
    expect(at(vi, 'follow.offline')).toBe('Máy đang mất kết nối – chưa tra cứu được; hãy thử lại sau hoặc hỏi quầy hướng dẫn.');
  });
});

describe('the ticket QR', () => {
  it('carries the ticket id, and a rating point reads it back', () => {
    const id = '0193a6f2-7c4e-7b1a-9f00-123456789abc';
    const text = ticketQrText({ branchCode: 'CN01', ticketQrBaseUrl: 'https://dichvucong.hanoi.gov.vn/hang-doi' }, { id, day: '2026-12-03', number: 'A015' });
    expect(text).toBe(`https://dichvucong.hanoi.gov.vn/hang-doi?b=CN01&d=2026-12-03&n=A015&t=${id}`);
    expect(parseTicketQr(text)).toEqual({ branchCode: 'CN01', day: '2026-12-03', number: 'A015', ticketId: id });
  });
});

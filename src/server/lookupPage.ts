import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { LOOKUP_PATH } from './lookup';

/**
 * The citizen's dossier look-up as a plain web page served by the centre (and by a branch hub):
 * `GET /tra-cuu`. The receipt's QR points here when the branch's `reception.lookupBaseUrl` is
 * `https://<centre>/tra-cuu`: `?code=…&s=…` fills the form and looks the dossier up at once, so a
 * citizen follows a dossier from a phone at home.
 *
 * - One small HTML document (a few KB): inline style and script, no framework, no font, no image;
 *   the answer comes from the same `POST /v1/lookup` as the kiosk's, so the look-up limits, the
 *   audit log and the "unknown and wrong secret look the same" rule apply unchanged.
 * - The secret in the address: the script removes `code` and `s` from the address bar before it asks
 *   (nothing left in the history or a shared screenshot); the page sends no Referer; the request log
 *   masks the query (logRequestUrl below). It is never stored by the page.
 * - A strict Content-Security-Policy: only this script and style (by hash), requests to this origin
 *   only, no framing.
 */
export const LOOKUP_PAGE_PATH = '/tra-cuu';

/** Dossier statuses as a citizen reads them: what it means and what to do. Keys: DOSSIER_STATUSES. */
const STATUS_TEXT: Readonly<Record<string, readonly [string, string]>> = {
  received: ['Đã tiếp nhận', 'Hồ sơ đã được tiếp nhận và đang chờ chuyển đến cơ quan giải quyết.'],
  processing: ['Đang giải quyết', 'Hồ sơ đang được cơ quan có thẩm quyền giải quyết. Bạn chưa cần làm gì thêm.'],
  'supplement-requested': ['Cần bổ sung giấy tờ', 'Hồ sơ cần bổ sung. Vui lòng mang giấy tiếp nhận và giấy tờ được yêu cầu đến nơi đã nộp hồ sơ.'],
  ready: ['Đã có kết quả', 'Mời bạn đến nhận kết quả, mang theo giấy tiếp nhận và căn cước.'],
  returned: ['Đã trả kết quả', 'Kết quả đã được trả.'],
  rejected: ['Không được giải quyết', 'Lý do ở phần ghi chú. Bạn có thể hỏi thêm tại nơi đã nộp hồ sơ.'],
  withdrawn: ['Đã rút hồ sơ', 'Hồ sơ đã được rút theo yêu cầu của bạn.'],
};

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f3f5f8}
header{background:#a31d24;color:#fff;padding:14px 18px}
header h1{margin:0;font-size:19px;line-height:1.3}
header p{margin:2px 0 0;font-size:14px;opacity:.9}
main{max-width:560px;margin:0 auto;padding:16px}
form,section{background:#fff;border-radius:10px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:16px}
label{display:block;font-weight:600;margin:0 0 4px}
.hint{display:block;font-weight:400;color:#555;font-size:14px}
input{width:100%;font:inherit;font-size:19px;padding:12px;border:2px solid #8a94a3;border-radius:8px;margin-bottom:14px;letter-spacing:.02em}
input:focus{outline:3px solid #f2b705;outline-offset:1px;border-color:#1b1f24}
#out:focus{outline:2px solid #c9ced6}
button{width:100%;font:inherit;font-weight:700;font-size:19px;padding:14px;border:0;border-radius:8px;background:#a31d24;color:#fff;min-height:52px}
button[disabled]{opacity:.6}
.status{font-size:24px;font-weight:700;margin:4px 0 6px}
.status.ok{color:#146c2e}.status.warn{color:#8a5300}.status.bad{color:#a31d24}
dl{margin:12px 0 0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px}
dt{color:#555}dd{margin:0;font-weight:600;word-break:break-word}
.error{border-left:6px solid #a31d24}
.muted{color:#555;font-size:14px}
`;

/** The page's script (plain JavaScript, run in the citizen's browser as it is). */
const CLIENT_SCRIPT = readFileSync(new URL('./lookupPage.client.js', import.meta.url), 'utf8');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page and its headers, built once (nothing in it depends on the request). */
export function buildLookupPage(): { html: string; headers: Record<string, string> } {
  const script = `${CLIENT_SCRIPT}\npageScript(${JSON.stringify(LOOKUP_PATH)}, ${JSON.stringify(STATUS_TEXT)});`;
  const title = 'Tra cứu hồ sơ – Trung tâm Phục vụ hành chính công Hà Nội';
  const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>Tra cứu tình trạng hồ sơ</h1><p>Trung tâm Phục vụ hành chính công thành phố Hà Nội</p></header>
<main><form id="f" novalidate>
<label for="code">Mã hồ sơ <span class="hint">In ở đầu giấy tiếp nhận, ví dụ 000.00.21.H26-261124-0001</span></label>
<input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" inputmode="text" maxlength="40" required>
<label for="secret">Mã tra cứu <span class="hint">8 chữ và số in cạnh mã QR</span></label>
<input id="secret" name="secret" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20" required>
<button id="go" type="submit">Tra cứu</button></form>
<section id="out" tabindex="-1" aria-live="polite" hidden></section>
<p class="muted">Trang này không lưu mã của bạn. Chỉ người có giấy tiếp nhận mới xem được tình trạng hồ sơ.</p>
<noscript><p>Trang tra cứu cần bật JavaScript trong trình duyệt.</p></noscript></main>
<script>${script}</script></body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': `default-src 'none'; script-src ${cspHash(script)}; style-src ${cspHash(STYLE)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
  };
}

export function registerLookupPage(app: FastifyInstance): void {
  const page = buildLookupPage();
  app.get(LOOKUP_PAGE_PATH, async (_request, reply) => reply.code(200).headers(page.headers).send(page.html));
}

/**
 * A request's URL as the request log writes it: the query string of the look-up page (which carries
 * the receipt's secret) masked; any other URL as it came.
 */
export function logRequestUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const path = url.slice(0, q);
  return path === LOOKUP_PAGE_PATH || path === `${LOOKUP_PAGE_PATH}/` ? `${path}?…` : url;
}

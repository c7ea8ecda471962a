import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/**
 * The branch's day as a plain page for staff: `GET /thong-ke[?branch=CN01&day=YYYY-MM-DD]`, served by
 * the centre and by a branch hub. The page itself holds no figures and needs no credential; the
 * figures come from GET /v1/admin/queue-figures with the admin token the staff member types into
 * the page, sent as an `Authorization` header. On the centre the page also shows the branch's hub
 * as last heard (GET /v1/admin/hubs, same token): "Máy chủ chi nhánh".
 *
 * - The token is never in the address (no history, no proxy or request log, no Referer): a password
 *   field, read when the form is sent, never stored by the page. Branch and day may be in the address.
 * - One small HTML document, inline style and script allowed by hash only (strict
 *   Content-Security-Policy: requests to this origin only, no framing, no form posting elsewhere);
 *   the answer is drawn with textContent, never as HTML.
 */
export const QUEUE_FIGURES_PAGE_PATH = '/thong-ke';
export const QUEUE_FIGURES_PATH = '/v1/admin/queue-figures';
/** The centre's list of branch hubs (hubReports.ts), drawn under the day's figures when the server has it. */
export const HUBS_PATH = '/v1/admin/hubs';

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1f24;background:#f3f5f8}
header{background:#a31d24;color:#fff;padding:12px 18px}
header h1{margin:0;font-size:19px}
main{max-width:1100px;margin:0 auto;padding:16px}
form,section,#out>p{background:#fff;border-radius:8px;padding:14px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:0 0 14px}
form{display:flex;flex-wrap:wrap;gap:10px;align-items:end}
label{display:flex;flex-direction:column;font-weight:600;gap:4px}
input{font:inherit;padding:8px;border:2px solid #8a94a3;border-radius:6px}
input:focus{outline:3px solid #f2b705;outline-offset:1px}
button{font:inherit;font-weight:700;padding:10px 18px;border:0;border-radius:6px;background:#a31d24;color:#fff}
button[disabled]{opacity:.6}
h2{font-size:16px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d5d9e0;padding:5px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#eef1f5}
tr.total td{font-weight:600}
.error{border-left:6px solid #a31d24}
.muted{color:#555}
`;

const CLIENT_SCRIPT = readFileSync(new URL('./queueFiguresPage.client.js', import.meta.url), 'utf8');
const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export function buildQueueFiguresPage(): { html: string; headers: Record<string, string> } {
  const script = `${CLIENT_SCRIPT}\npageScript(${JSON.stringify(QUEUE_FIGURES_PATH)}, ${JSON.stringify(HUBS_PATH)});`;
  const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex"><title>Thống kê ngày – hàng đợi</title><style>${STYLE}</style></head>
<body><header><h1>Thống kê ngày tại quầy: chờ, phục vụ, vắng mặt</h1></header>
<main><form id="f" novalidate autocomplete="off">
<label for="branch">Chi nhánh<input id="branch" name="branch" maxlength="10" size="8" required></label>
<label for="day">Ngày<input id="day" name="day" type="date" required></label>
<label for="token">Mã quản trị<input id="token" name="token" type="password" autocomplete="off" size="34" required></label>
<button id="go" type="submit">Xem</button></form>
<div id="out" aria-live="polite" hidden></div>
<noscript><p>Trang cần bật JavaScript.</p></noscript></main>
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

export function registerQueueFiguresPage(app: FastifyInstance): void {
  const page = buildQueueFiguresPage();
  app.get(QUEUE_FIGURES_PAGE_PATH, async (_request, reply) => reply.code(200).headers(page.headers).send(page.html));
}

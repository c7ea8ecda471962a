// The citizen look-up page's script (src/server/lookupPage.ts inlines it, with a CSP hash): plain
// JavaScript for any phone browser, no build step. `pageScript(lookupPath, statusText)` wires the form
// to POST /v1/lookup and, given ?code=…&s=… (the receipt's QR), removes them from the address bar and
// looks the dossier up at once.
/* global document, fetch, URLSearchParams, location, history */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by the inline script lookupPage.ts writes after it
function pageScript(lookupPath, statusText) {
  const form = document.getElementById('f');
  const codeInput = document.getElementById('code');
  const secretInput = document.getElementById('secret');
  const button = document.getElementById('go');
  const out = document.getElementById('out');
  const dateOf = (ms) =>
    new Intl.DateTimeFormat('vi-VN', {
      timeZone: 'Asia/Ho_Chi_Minh',
      hour: '2-digit',
      minute: '2-digit',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
    }).format(new Date(ms));
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const show = (parts, error) => {
    out.replaceChildren(...parts);
    out.className = error ? 'error' : '';
    out.hidden = false;
    out.focus();
  };
  const fail = (text) => show([el('p', text)], true);
  async function ask() {
    const code = codeInput.value.trim().toUpperCase();
    const secret = secretInput.value;
    if (code === '' || secret.trim() === '') {
      fail('Hãy nhập cả mã hồ sơ và mã tra cứu in trên giấy tiếp nhận.');
      return;
    }
    button.disabled = true;
    button.textContent = 'Đang tra cứu…';
    try {
      const res = await fetch(lookupPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, secret }),
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
      if (res.status === 200) {
        const a = await res.json();
        const [label, meaning] = statusText[a.status] ?? [a.status, ''];
        const tone = a.status === 'ready' || a.status === 'returned' ? 'ok' : a.status === 'supplement-requested' || a.status === 'rejected' ? 'bad' : 'warn';
        const dl = document.createElement('dl');
        const row = (k, v) => dl.append(el('dt', k), el('dd', v));
        row('Mã hồ sơ', a.code);
        row('Cập nhật lúc', dateOf(a.statusAt));
        if (a.appointmentDate) row('Ngày hẹn trả', a.appointmentDate.split('-').reverse().join('/'));
        if (a.note) row('Ghi chú', a.note);
        const status = el('p', label, `status ${tone}`);
        status.setAttribute('data-status', a.status);
        show([el('p', 'Tình trạng hồ sơ', 'muted'), status, el('p', meaning), dl], false);
      } else if (res.status === 404) {
        fail('Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này. Hãy kiểm tra lại hai mã trên giấy tiếp nhận.');
      } else if (res.status === 429) {
        const wait = Number(res.headers.get('retry-after') ?? '60');
        fail(`Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ${wait >= 120 ? `${Math.ceil(wait / 60)} phút` : `${wait} giây`}.`);
      } else if (res.status === 400) {
        fail('Mã chưa đúng dạng. Mã hồ sơ có dạng 000.00.21.H26-261124-0001; mã tra cứu gồm 8 chữ và số in trên giấy tiếp nhận.');
      } else {
        fail('Máy chủ đang bận. Vui lòng thử lại sau ít phút.');
      }
    } catch {
      fail('Không kết nối được máy chủ. Hãy kiểm tra kết nối mạng rồi thử lại.');
    } finally {
      button.disabled = false;
      button.textContent = 'Tra cứu';
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ask();
  });
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  const secret = q.get('s');
  if (code !== null || secret !== null) {
    // Out of the address bar and the history before anything else happens.
    history.replaceState(null, '', location.pathname);
    codeInput.value = code ?? '';
    secretInput.value = secret ?? '';
    if (code && secret) void ask();
  }
}

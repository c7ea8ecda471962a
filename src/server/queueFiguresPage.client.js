// The staff page of a branch's day (src/server/queueFiguresPage.ts inlines it, with a CSP hash):
// plain JavaScript, no build step. `pageScript(figuresPath, hubsPath)` sends the form's admin token
// as an Authorization header to GET /v1/admin/queue-figures and draws the answer as tables; on the
// centre, the branch's hub from GET /v1/admin/hubs below them (a hub's own page has no such list and
// shows none). The token lives in the password field only: never in the address, never stored.
/* global document, fetch, URLSearchParams, location */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by the inline script queueFiguresPage.ts writes after it
function pageScript(figuresPath, hubsPath) {
  const form = document.getElementById('f');
  const branchInput = document.getElementById('branch');
  const dayInput = document.getElementById('day');
  const tokenInput = document.getElementById('token');
  const button = document.getElementById('go');
  const out = document.getElementById('out');
  const params = new URLSearchParams(location.search);
  if (params.get('branch')) branchInput.value = params.get('branch');
  dayInput.value = params.get('day') || new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());

  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  };
  const minutes = (s) => (s === null ? '—' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);
  const pct = (share) => (share === null ? '—' : `${(share * 100).toFixed(1)} %`);
  const table = (title, head, rows) => {
    const section = el('section');
    section.append(el('h2', title));
    const t = el('table');
    const tr = el('tr');
    for (const h of head) tr.append(el('th', h));
    t.append(tr);
    for (const r of rows) {
      const row = el('tr');
      for (const c of r) row.append(el('td', String(c)));
      if (r[0] === 'Tất cả') row.className = 'total';
      t.append(row);
    }
    if (rows.length === 0) {
      const empty = el('tr');
      empty.append(el('td', 'Không có dữ liệu'));
      t.append(empty);
    }
    section.append(t);
    return section;
  };
  const bytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${Math.round(n / 1024)} kB` : `${(n / 1048576).toFixed(1)} MB`);
  const age = (ms) => (ms === null ? '—' : ms < 60000 ? 'dưới 1 phút' : ms < 3600000 ? `${Math.round(ms / 60000)} phút` : `${(ms / 3600000).toFixed(1)} giờ`);
  const clockTime = (ms) =>
    ms === null
      ? 'Chưa liên lạc'
      : new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ms));
  // The branch's hub as the centre last heard it; nothing when this server keeps no such list.
  const hubSection = async (token, branch) => {
    try {
      const res = await fetch(`${hubsPath}?${new URLSearchParams({ branch })}`, {
        headers: { authorization: `Bearer ${token}` },
        cache: 'no-store',
        credentials: 'omit',
      });
      const body = res.ok ? await res.json() : null;
      if (!body || !Array.isArray(body.hubs) || body.hubs.length === 0) return [];
      const rows = body.hubs.map((h) => {
        const r = h.report;
        return [
          h.hubDeviceId.slice(0, 8),
          clockTime(h.lastHeardAt),
          h.silent ? 'Mất liên lạc' : 'Đang liên lạc',
          r ? `${r.unrelayedRecords} bản ghi (${bytes(r.unrelayedBytes)})` : '—',
          r ? age(r.oldestUnrelayedAgeMs) : '—',
          r ? `${r.unrelayedScans} (${bytes(r.unrelayedScanBytes)})` : '—',
          r ? r.stalledJournals.length : '—',
          r ? r.appVersion : '—',
        ];
      });
      return [
        table(
          'Máy chủ chi nhánh',
          ['Máy chủ', 'Lần liên lạc cuối', 'Trạng thái', 'Chưa gửi lên trung tâm', 'Bản ghi chờ lâu nhất', 'Bản chụp chưa gửi', 'Nhật ký bị dừng', 'Phiên bản'],
          rows,
        ),
        el('p', `Số liệu theo lần liên lạc cuối; mất liên lạc khi quá ${Math.round(body.silentAfterMs / 60000)} phút trung tâm không nhận được tin.`, 'muted'),
      ];
    } catch {
      return [];
    }
  };
  const show = (parts, error) => {
    out.replaceChildren(...parts);
    out.className = error ? 'error' : '';
    out.hidden = false;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) return show([el('p', 'Nhập mã quản trị (admin token).')], true);
    button.disabled = true;
    try {
      const q = new URLSearchParams({ branch: branchInput.value.trim().toUpperCase(), day: dayInput.value });
      const res = await fetch(`${figuresPath}?${q}`, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store', credentials: 'omit' });
      const body = await res.json().catch(() => null);
      if (res.status === 401 || res.status === 403) return show([el('p', 'Mã quản trị không đúng hoặc đã bị thu hồi.')], true);
      if (!res.ok || !body) return show([el('p', `Không đọc được số liệu (${res.status}${body && body.code ? `, ${body.code}` : ''}).`)], true);
      const f = body;
      const groupRow = (g) => [
        g.group === '*' ? 'Tất cả' : g.group,
        g.issued,
        g.called,
        g.neverCalled,
        `${minutes(g.wait.medianS)} / ${minutes(g.wait.p90S)}`,
        `${minutes(g.service.medianS)} / ${minutes(g.service.p90S)}`,
        g.served,
        `${pct(g.withinTarget.share)} (${g.withinTarget.within}/${g.withinTarget.of})`,
        `${pct(g.noShowRate)} (${g.noShows})`,
      ];
      const deskRow = (key, d) => [key, d.calls, d.recalls, d.served, minutes(d.service.medianS), d.noShows, d.transfers, d.walkIns];
      const deskHead = (first) => [first, 'Gọi', 'Gọi lại', 'Đã phục vụ', 'Phục vụ (trung vị)', 'Vắng mặt', 'Chuyển', 'Không số'];
      show([
        el('p', `Chi nhánh ${f.branch}, ngày ${f.day}. Thời gian chờ mục tiêu: ${f.targetWaitMinutes} phút. Thời gian dạng phút:giây.`, 'muted'),
        table(
          'Theo nhóm dịch vụ',
          ['Nhóm', 'Số phát', 'Đã gọi', 'Chưa gọi', 'Chờ (trung vị / p90)', 'Phục vụ (trung vị / p90)', 'Đã phục vụ', 'Trong mục tiêu', 'Vắng mặt'],
          [...f.byGroup.map(groupRow), groupRow(f.total)],
        ),
        table(
          'Theo quầy',
          deskHead('Quầy'),
          f.byCounter.map((c) => deskRow(c.counter, c)),
        ),
        table(
          'Theo cán bộ',
          deskHead('Cán bộ'),
          f.byOfficer.map((o) => deskRow(o.staffId, o)),
        ),
        el('p', `Chưa tính: ${f.notCounted.pending} thao tác chờ số, ${f.notCounted.conflict} thao tác xung đột.`, 'muted'),
        ...(await hubSection(token, f.branch)),
      ]);
    } catch {
      show([el('p', 'Không kết nối được máy chủ.')], true);
    } finally {
      button.disabled = false;
    }
  });
}

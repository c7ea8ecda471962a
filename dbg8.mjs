import { chromium } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { startKioskPreview } from '/work/main/scripts/kioskPreview.mjs';
const chunk = readdirSync('dist/assets').find(f => /^ticketPdf-.*\.js$/.test(f));
const fonts = readdirSync('dist/assets').filter(f => f.endsWith('.ttf'));
const p = await startKioskPreview({port:0});
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
const page = await b.newPage();
await page.goto(p.url); await page.getByTestId('citizen.home').waitFor();
const r = await page.evaluate(async ({chunk, fonts}) => {
  const m = await import('/assets/' + chunk);
  const get = async (n) => new Uint8Array(await (await fetch('/assets/' + n)).arrayBuffer());
  const regular = await get(fonts.find(f => f.includes('Regular'))); const bold = await get(fonts.find(f => f.includes('Bold')));
  const r = m.createTicketPdfRenderer({regular, bold});
  const times = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    await r.render({branchName:'Trung tâm Phục vụ hành chính công Thành phố Hà Nội – Chi nhánh số 1', serviceName:'Hộ tịch, chứng thực', number:'A'+String(i).padStart(4,'0'), priority:false, issuedAt: Date.now(), utcOffsetMinutes:420, waitingAhead:i, qrText:'https://dichvucong.hanoi.gov.vn/hang-doi?b=CN01&d=2026-11-24&n=A'+i, labels:{ticketTitle:'PHIẾU THỨ TỰ',priority:'ƯU TIÊN',waitingAhead:'Số người chờ trước bạn: '+i,issuedAt:'Thời gian lấy số',scanToFollow:'Quét mã để theo dõi lượt của bạn',keepTicket:'Vui lòng giữ phiếu và chờ gọi số'}});
    times.push(Math.round(performance.now() - t0));
  }
  return times;
}, {chunk, fonts});
console.log(JSON.stringify(r));
await b.close(); await p.close();

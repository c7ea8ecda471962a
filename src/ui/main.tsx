import i18next from 'i18next';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initReactI18next } from 'react-i18next';
import { isDisplayRole } from '../app/boardApp';
import { bootstrapKiosk } from '../app/bootstrap';
import { initI18n } from '../app/i18n';
import { registerServiceWorker } from '../app/serviceWorker';
import { App } from './App';
import { KioskContext } from './KioskContext';
import './design/theme.css';
import './design/access.css';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
const root = createRoot(rootElement);

async function main(): Promise<void> {
  await initI18n('vi', [initReactI18next]);
  // The display board is its own small app: no enrolment, no kiosk database, no status bar.
  if (isDisplayRole(location.search)) {
    const { startBoard } = await import('./board/startBoard');
    await startBoard(root);
    return;
  }
  const app = await bootstrapKiosk();
  if (app.device.locale !== 'vi') await i18next.changeLanguage(app.device.locale);
  let updateReady = false;
  const render = (): void =>
    root.render(
      <StrictMode>
        <KioskContext.Provider value={app}>
          <App updateReady={updateReady} />
        </KioskContext.Provider>
      </StrictMode>,
    );
  registerServiceWorker(app.activity, () => {
    updateReady = true;
    render();
  });
  render();
}

main().catch((e: unknown) => {
  console.error('kiosk start failed', e);
  const message = document.createElement('div');
  message.className = 'center-screen';
  message.setAttribute('data-testid', 'app.start-failed');
  // i18n may be what failed: this one message is kept in both languages in index.html.
  message.textContent = document.documentElement.dataset.startFailed ?? 'Không khởi động được máy. Vui lòng báo kỹ thuật viên.';
  rootElement.replaceChildren(message);
});

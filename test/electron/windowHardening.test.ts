import { describe, expect, it, vi } from 'vitest';
import type { Session, WebContents } from 'electron';
import {
  buildWindowOptions,
  decideNavigation,
  decidePermission,
  hardenSession,
  hardenWebContents,
  isAppOrigin,
  safeOrigin,
} from '../../electron/windowHardening';

describe('isAppOrigin', () => {
  it.each(['app://kiosk', 'app://kiosk/', 'app://kiosk/index.html?x=1#y', 'APP://KIOSK/route'])('accepts %s', (u) => {
    expect(isAppOrigin(u)).toBe(true);
  });
  it.each([
    'app://kiosk.evil',
    'app://evil/kiosk',
    'app://kiosk:1/',
    'app://a@kiosk/',
    'app://a:b@kiosk/',
    'https://kiosk/',
    'http://localhost:5173/',
    'file:///index.html',
    'devtools://devtools/',
    'about:blank',
    'javascript:alert(1)',
    'data:text/html,x',
    '',
    'null',
    null,
    undefined,
  ])('refuses %s', (u) => {
    expect(isAppOrigin(u)).toBe(false);
  });
});

describe('decideNavigation', () => {
  it('allows in-app navigation only', () => {
    expect(decideNavigation('app://kiosk/tickets')).toBe('allow');
    expect(decideNavigation('https://example.invalid/')).toBe('deny');
    expect(decideNavigation('file:///etc/passwd')).toBe('deny');
    expect(decideNavigation('app://other/')).toBe('deny');
  });
});

describe('decidePermission', () => {
  it('grants the camera to the app origin', () => {
    expect(decidePermission('media', 'app://kiosk/', { mediaTypes: ['video'], securityOrigin: 'app://kiosk/' })).toBe(true);
    expect(decidePermission('media', 'app://kiosk', { mediaType: 'video' })).toBe(true);
    expect(decidePermission('media', 'app://kiosk/scan')).toBe(true);
  });
  it('refuses the microphone and unknown media', () => {
    expect(decidePermission('media', 'app://kiosk/', { mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(decidePermission('media', 'app://kiosk/', { mediaTypes: ['audio'] })).toBe(false);
    expect(decidePermission('media', 'app://kiosk/', { mediaTypes: [] })).toBe(false);
    expect(decidePermission('media', 'app://kiosk', { mediaType: 'audio' })).toBe(false);
    expect(decidePermission('media', 'app://kiosk', { mediaType: 'unknown' })).toBe(false);
  });
  it('refuses the camera to any other origin', () => {
    expect(decidePermission('media', 'https://example.invalid/', { mediaTypes: ['video'] })).toBe(false);
    expect(decidePermission('media', 'app://kiosk/', { mediaTypes: ['video'], securityOrigin: 'https://evil/' })).toBe(false);
    expect(decidePermission('media', '', {})).toBe(false);
  });
  it.each(['geolocation', 'notifications', 'clipboard-read', 'display-capture', 'openExternal', 'midiSysex', 'hid', 'serial', 'usb', 'fileSystem', 'unknown'])(
    'denies %s even to the app',
    (permission) => {
      expect(decidePermission(permission, 'app://kiosk/', {})).toBe(false);
    },
  );
});

describe('buildWindowOptions', () => {
  it('locks the window down in production', () => {
    const o = buildWindowOptions({ packaged: true, env: {}, preloadPath: '/app/dist-electron/preload.cjs' });
    expect(o.kiosk).toBe(true);
    expect(o.fullscreen).toBe(true);
    expect(o.webPreferences).toMatchObject({
      preload: '/app/dist-electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      devTools: false,
      webviewTag: false,
    });
  });
  it('KIOSK_WINDOWED=1 gives a normal window for development, still hardened', () => {
    const o = buildWindowOptions({ packaged: false, env: { KIOSK_WINDOWED: '1' }, preloadPath: '/p.cjs' });
    expect(o.kiosk).toBe(false);
    expect(o.fullscreen).toBe(false);
    expect(o.webPreferences).toMatchObject({ devTools: true, contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(buildWindowOptions({ packaged: false, env: { KIOSK_WINDOWED: 'yes' }, preloadPath: '/p.cjs' }).kiosk).toBe(true);
  });
});

describe('hardenWebContents / hardenSession wiring', () => {
  it('cancels foreign navigations, webviews and pop-ups', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, fn: (event: { preventDefault(): void }, url?: string) => void) => listeners.set(name, fn),
      setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => {
        openHandler = fn;
      },
    } as unknown as WebContents;
    const log = vi.fn();
    hardenWebContents(contents, log);

    const away = { preventDefault: vi.fn() };
    listeners.get('will-navigate')?.(away, 'https://example.invalid/?name=Nguyen');
    expect(away.preventDefault).toHaveBeenCalled();
    expect(log.mock.calls.flat().join(' ')).not.toContain('Nguyen');

    const inside = { preventDefault: vi.fn() };
    listeners.get('will-navigate')?.(inside, 'app://kiosk/tickets');
    expect(inside.preventDefault).not.toHaveBeenCalled();

    const redirect = { preventDefault: vi.fn() };
    listeners.get('will-redirect')?.(redirect, 'http://127.0.0.1/');
    expect(redirect.preventDefault).toHaveBeenCalled();

    const subframe = { preventDefault: vi.fn(), url: 'https://example.invalid/' };
    listeners.get('will-frame-navigate')?.(subframe);
    expect(subframe.preventDefault).toHaveBeenCalled();
    const ownSubframe = { preventDefault: vi.fn(), url: 'app://kiosk/print' };
    listeners.get('will-frame-navigate')?.(ownSubframe);
    expect(ownSubframe.preventDefault).not.toHaveBeenCalled();

    const webview = { preventDefault: vi.fn() };
    listeners.get('will-attach-webview')?.(webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    expect(openHandler?.({ url: 'app://kiosk/' })).toEqual({ action: 'deny' });
  });

  it('installs permission handlers that follow decidePermission', () => {
    let request: ((wc: unknown, p: string, cb: (g: boolean) => void, d: object) => void) | undefined;
    let check: ((wc: unknown, p: string, origin: string, d: object) => boolean) | undefined;
    let device: (() => boolean) | undefined;
    const session = {
      setPermissionRequestHandler: (fn: typeof request) => {
        request = fn;
      },
      setPermissionCheckHandler: (fn: typeof check) => {
        check = fn;
      },
      setDevicePermissionHandler: (fn: typeof device) => {
        device = fn;
      },
    } as unknown as Session;
    hardenSession(session);

    const cb = vi.fn();
    request?.(null, 'media', cb, { requestingUrl: 'app://kiosk/scan', mediaTypes: ['video'], isMainFrame: true });
    request?.(null, 'media', cb, { requestingUrl: 'https://evil/', mediaTypes: ['video'], isMainFrame: true });
    request?.(null, 'geolocation', cb, { requestingUrl: 'app://kiosk/', isMainFrame: true });
    expect(cb.mock.calls).toEqual([[true], [false], [false]]);
    expect(check?.(null, 'media', 'app://kiosk', { mediaType: 'video', isMainFrame: true })).toBe(true);
    expect(check?.(null, 'media', 'app://kiosk', { mediaType: 'audio', isMainFrame: true })).toBe(false);
    expect(check?.(null, 'usb', 'app://kiosk', { isMainFrame: true })).toBe(false);
    expect(device?.()).toBe(false);
  });

  it('safeOrigin keeps only scheme and host', () => {
    expect(safeOrigin('https://x.example/path?cccd=001')).toBe('https://x.example');
    expect(safeOrigin('%%%')).toBe('(unparsable URL)');
  });
});

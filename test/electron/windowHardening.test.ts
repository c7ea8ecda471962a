import { describe, expect, it, vi } from 'vitest';
import type { Session, WebContents } from 'electron';
import {
  buildWindowOptions,
  contentSecurityPolicy,
  decideKeyInput,
  decideNavigation,
  decidePermission,
  hardenKeyboard,
  hardenSession,
  hardenWebContents,
  isAppOrigin,
  safeOrigin,
  serverOrigin,
} from '../../electron/windowHardening';

describe('contentSecurityPolicy (connect-src narrowed to the configured server)', () => {
  const connectSrc = (csp: string) => csp.split('; ').find((d) => d.startsWith('connect-src'));
  it('lets the page reach its own files and the configured server only', () => {
    const csp = contentSecurityPolicy(['https://trungtam.hanoi.gov.vn/api/']);
    expect(connectSrc(csp)).toBe("connect-src 'self' blob: https://trungtam.hanoi.gov.vn");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'none'");
  });
  it('before enrolment, no server at all; never a scheme, credentials or a non-http URL', () => {
    expect(connectSrc(contentSecurityPolicy([null]))).toBe("connect-src 'self' blob:");
    for (const bad of ['javascript:alert(1)', 'file:///etc', 'https://user:pw@x.vn', 'not a url', 'https:'])
      expect(connectSrc(contentSecurityPolicy([bad])), bad).toBe("connect-src 'self' blob:");
    expect(serverOrigin('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080');
  });
  it('allows local servers only when asked (unpackaged development builds)', () => {
    expect(connectSrc(contentSecurityPolicy([], true))).toContain('http://localhost:*');
    expect(connectSrc(contentSecurityPolicy([]))).not.toContain('localhost');
  });
});

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

describe('decideKeyInput (kiosk mode swallows the browser shortcuts, never what a scanner types)', () => {
  const key = (k: string, mods: Partial<{ control: boolean; meta: boolean; alt: boolean; shift: boolean }> = {}, type = 'keyDown') => ({
    type,
    key: k,
    control: false,
    meta: false,
    alt: false,
    shift: false,
    ...mods,
  });

  it.each([
    ['Ctrl+W', key('w', { control: true })],
    ['Ctrl+Q', key('q', { control: true })],
    ['Ctrl+R', key('r', { control: true })],
    ['Ctrl+Shift+R', key('R', { control: true, shift: true })],
    ['Cmd+R', key('r', { meta: true })],
    ['Ctrl+N', key('n', { control: true })],
    ['Ctrl+P', key('p', { control: true })],
    ['Ctrl+S', key('s', { control: true })],
    ['Ctrl+U', key('u', { control: true })],
    ['Ctrl++', key('+', { control: true, shift: true })],
    ['Ctrl+=', key('=', { control: true })],
    ['Ctrl+-', key('-', { control: true })],
    ['Ctrl+0', key('0', { control: true })],
    ['Ctrl+Shift+I', key('I', { control: true, shift: true })],
    ['Ctrl+Shift+C', key('C', { control: true, shift: true })],
    ['F5', key('F5')],
    ['F11', key('F11')],
    ['F12', key('F12')],
    ['Alt+F4', key('F4', { alt: true })],
    ['Alt+Left', key('ArrowLeft', { alt: true })],
    ['BrowserBack', key('BrowserBack')],
  ])('denies %s in kiosk mode', (_name, input) => {
    expect(decideKeyInput(input, false)).toBe('deny');
    expect(decideKeyInput(input, true)).toBe('allow');
  });

  it('lets through every key a barcode scanner or a counter officer sends', () => {
    // A scanner types the code's characters and Enter (sometimes Tab), at speed.
    for (const c of '000.00.21.H26-261124-0042 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ăâđêôơưáàảãạ') {
      expect(decideKeyInput(key(c, { shift: c !== c.toLowerCase() }), false)).toBe('allow');
    }
    for (const k of [
      'Enter',
      'Tab',
      'Backspace',
      'Delete',
      'Escape',
      'ArrowLeft',
      'ArrowDown',
      'Home',
      'End',
      'F1',
      'F2',
      'F3',
      'F4',
      'F6',
      'F8',
      'F9',
      'F10',
    ]) {
      expect(decideKeyInput(key(k), false)).toBe('allow');
    }
    // Editing shortcuts and the counter's Ctrl+Enter (submit).
    for (const k of ['a', 'c', 'v', 'x', 'z', 'y', 'Enter']) expect(decideKeyInput(key(k, { control: true }), false)).toBe('allow');
    // AltGr characters (Ctrl+Alt on Windows) that produce printable text, and key-up events.
    expect(decideKeyInput(key('@', { control: true, alt: true }), false)).toBe('allow');
    expect(decideKeyInput(key('w', { control: true }, 'keyUp'), false)).toBe('allow');
  });

  it('hardenKeyboard swallows a denied shortcut, logs only its name, and pins zoom at 100 %', () => {
    const listeners = new Map<string, (...args: unknown[]) => void>();
    const contents = {
      on: vi.fn((event: string, l: (...args: unknown[]) => void) => listeners.set(event, l)),
      setVisualZoomLevelLimits: vi.fn(async () => {}),
      setZoomLevel: vi.fn(),
    };
    const log = vi.fn();
    hardenKeyboard(contents as never, false, log);
    const prevent = vi.fn();
    listeners.get('before-input-event')!({ preventDefault: prevent }, key('r', { control: true }));
    expect(prevent).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('blocked shortcut Ctrl+r');
    const typed = vi.fn();
    listeners.get('before-input-event')!({ preventDefault: typed }, key('7'));
    expect(typed).not.toHaveBeenCalled();
    expect(contents.setVisualZoomLevelLimits).toHaveBeenCalledWith(1, 1);
    listeners.get('zoom-changed')!();
    expect(contents.setZoomLevel).toHaveBeenCalledWith(0);
    // Windowed (development): nothing is installed.
    const dev = { on: vi.fn(), setVisualZoomLevelLimits: vi.fn(async () => {}), setZoomLevel: vi.fn() };
    hardenKeyboard(dev as never, true);
    expect(dev.on).not.toHaveBeenCalled();
  });
});

describe('packaging fuses (electron-builder.yml)', () => {
  it('turns off running as Node, NODE_OPTIONS and --inspect, and turns on cookie encryption and asar integrity', async () => {
    const { readFile } = await import('node:fs/promises');
    const yml = await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    const block = /^electronFuses:\n((?: {2}.*\n)+)/m.exec(yml)?.[1] ?? '';
    const fuses = Object.fromEntries([...block.matchAll(/^ {2}(\w+): (true|false)$/gm)].map((m) => [m[1], m[2] === 'true']));
    expect(fuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });
});

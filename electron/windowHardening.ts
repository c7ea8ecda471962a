import type { BrowserWindowConstructorOptions, PermissionCheckHandlerHandlerDetails, Session, WebContents } from 'electron';
import { APP_HOST, APP_SCHEME } from './appProtocol';

/**
 * Every security decision about the kiosk window, in one file (STYLE habit 9).
 *
 * Guarantees:
 * - The renderer runs with context isolation, the Chromium sandbox, no Node integration and web
 *   security on; only the preload bridge reaches main.
 * - The window never leaves `app://kiosk`: navigations and redirects elsewhere are cancelled,
 *   window.open is denied, <webview> is never attached.
 * - The only permission ever granted is camera access ('media' without audio) for `app://kiosk`
 *   (QR codes on appointment slips); everything else, including device pickers, is denied.
 * - In kiosk mode the browser's own shortcuts do nothing (close, quit, reload, new window, print,
 *   save, view source, devtools, zoom, back/forward): a citizen cannot leave or break the screen,
 *   and a USB barcode scanner, which types into the window, cannot trigger one by accident. Text
 *   keys, Enter, Tab, arrows, Escape and the other function keys still reach the app. There is no
 *   application menu (main.ts), and zoom stays at 100 %.
 *
 * Only `import type` from 'electron' here: the decisions are pure and the wiring functions act on
 * the objects they are given, so tests import this file without the Electron binary.
 */

/** Whether a URL or an origin string ("app://kiosk") belongs to the kiosk's own origin. */
export function isAppOrigin(urlOrOrigin: string | null | undefined): boolean {
  if (typeof urlOrOrigin !== 'string' || urlOrOrigin === '') return false;
  let url: URL;
  try {
    url = new URL(urlOrOrigin);
  } catch {
    return false;
  }
  // `host` (not `hostname`) so that a port is refused; user-info would be a spoofing attempt.
  return url.protocol === `${APP_SCHEME}:` && url.host.toLowerCase() === APP_HOST && url.username === '' && url.password === '';
}

export type Decision = 'allow' | 'deny';

export function decideNavigation(url: string): Decision {
  return isAppOrigin(url) ? 'allow' : 'deny';
}

/** The subset of Electron's request/check details the permission decision reads. */
export interface PermissionDetails {
  readonly mediaTypes?: readonly string[] | undefined;
  readonly mediaType?: string | undefined;
  readonly requestingUrl?: string | undefined;
  readonly securityOrigin?: string | undefined;
  readonly isMainFrame?: boolean | undefined;
}

export function decidePermission(permission: string, requestingOrigin: string, details: PermissionDetails = {}): boolean {
  if (permission !== 'media') return false;
  if (!isAppOrigin(requestingOrigin)) return false;
  if (details.securityOrigin !== undefined && !isAppOrigin(details.securityOrigin)) return false;
  // Camera only: a request that includes the microphone is refused as a whole.
  if (details.mediaTypes !== undefined && (details.mediaTypes.length === 0 || details.mediaTypes.some((t) => t !== 'video'))) {
    return false;
  }
  if (details.mediaType !== undefined && details.mediaType !== 'video') return false;
  return true;
}

export interface WindowEnv {
  /** app.isPackaged */
  readonly packaged: boolean;
  /** `KIOSK_WINDOWED=1` turns kiosk/fullscreen off for development. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of dist-electron/preload.cjs. */
  readonly preloadPath: string;
}

export function isWindowed(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.KIOSK_WINDOWED === '1';
}

export function buildWindowOptions({ packaged, env, preloadPath }: WindowEnv): BrowserWindowConstructorOptions {
  const windowed = isWindowed(env);
  return {
    kiosk: !windowed,
    fullscreen: !windowed,
    width: 1080,
    height: 1920,
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    show: false,
    title: 'HPASC Kiosk',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !packaged,
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  };
}

/**
 * Content-Security-Policy header sent with every HTML page of app://kiosk. The renderer's own
 * <meta> CSP (src/ui/index.html) allows connections to any https: server (the web build cannot
 * know its centre in advance); browsers enforce the intersection of both policies, so this header
 * narrows `connect-src` to the one server this kiosk is configured for — a script injected into the
 * page cannot send data anywhere else — and adds what a <meta> policy cannot say.
 *
 * `serverUrls`: the configured server (none before enrolment: the page then talks to no server at
 * all; enrolment goes through main, see enrolProxy.ts). `allowLoopback`: development only.
 * Invalid URLs are left out, never widened to a scheme.
 */
export function contentSecurityPolicy(serverUrls: readonly (string | null)[], allowLoopback = false): string {
  const origins = new Set<string>();
  for (const url of serverUrls) {
    const origin = serverOrigin(url);
    if (origin) origins.add(origin);
  }
  if (allowLoopback) for (const o of ['http://localhost:*', 'http://127.0.0.1:*']) origins.add(o);
  return [`connect-src 'self' blob: ${[...origins].join(' ')}`.trim(), "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"].join('; ');
}

/** The origin of an http(s) server URL, or null (anything else: no connection allowed). */
export function serverOrigin(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    if (u.username || u.password) return null;
    return u.origin;
  } catch {
    return null;
  }
}

/** The fields of Electron's `Input` (before-input-event) the keyboard decision reads. */
export interface KeyInput {
  readonly type: string;
  readonly key: string;
  readonly control: boolean;
  readonly meta: boolean;
  readonly alt: boolean;
  readonly shift: boolean;
}

/** With Ctrl (or ⌘): close, quit, reload, new window/tab, open, save, print, view source, downloads. */
const BLOCKED_WITH_CTRL = new Set(['w', 'q', 'r', 'n', 't', 'o', 's', 'p', 'u', 'j']);
/** With Ctrl (or ⌘): zoom in, out and reset. */
const ZOOM_KEYS = new Set(['+', '=', '-', '_', '0', 'add', 'subtract']);
/** Alone or with any modifier: reload, full screen, devtools, caret browsing, browser navigation. */
const BLOCKED_KEYS = new Set(['f5', 'f7', 'f11', 'f12', 'browserback', 'browserforward', 'browserrefresh', 'browserhome', 'browsersearch', 'close']);

/**
 * Whether a key press reaches the page. Everything is allowed in windowed (development) mode. In
 * kiosk mode, the shortcuts above are swallowed; Ctrl+A/C/V/X/Z/Y (editing) and every key a barcode
 * scanner or a foot pedal sends (characters, Enter, Tab, F1–F4, F6, F8–F10) go through.
 */
export function decideKeyInput(input: KeyInput, windowed: boolean): Decision {
  if (windowed) return 'allow';
  if (input.type !== 'keyDown' && input.type !== 'rawKeyDown') return 'allow';
  const key = input.key.toLowerCase();
  if (BLOCKED_KEYS.has(key)) return 'deny';
  const ctrl = input.control || input.meta;
  if (ctrl && (BLOCKED_WITH_CTRL.has(key) || ZOOM_KEYS.has(key))) return 'deny';
  // Devtools and inspector: Ctrl+Shift+I/J/C.
  if (ctrl && input.shift && (key === 'i' || key === 'c')) return 'deny';
  // Alt+F4 (close), Alt+←/→ and Alt+Home (history).
  if (input.alt && (key === 'f4' || key === 'arrowleft' || key === 'arrowright' || key === 'home')) return 'deny';
  return 'allow';
}

/** The part of WebContents the keyboard guard uses (so tests can pass a fake). */
export interface KeyboardContents {
  on(event: 'before-input-event', listener: (event: { preventDefault(): void }, input: KeyInput) => void): unknown;
  on(event: 'zoom-changed', listener: () => void): unknown;
  setVisualZoomLevelLimits(min: number, max: number): Promise<void>;
  setZoomLevel(level: number): void;
}

/** Swallows the browser's shortcuts and keeps zoom at 100 % (pinch and Ctrl+wheel included) in kiosk mode. */
export function hardenKeyboard(contents: KeyboardContents, windowed: boolean, log: HardeningLog = () => {}): void {
  if (windowed) return;
  contents.on('before-input-event', (event, input) => {
    if (decideKeyInput(input, windowed) === 'deny') {
      event.preventDefault();
      // The key's name only: never what was typed before or after it.
      log(`blocked shortcut ${describeShortcut(input)}`);
    }
  });
  void contents.setVisualZoomLevelLimits(1, 1).catch(() => {});
  contents.on('zoom-changed', () => contents.setZoomLevel(0));
}

function describeShortcut(input: KeyInput): string {
  return [input.control ? 'Ctrl' : '', input.meta ? 'Meta' : '', input.alt ? 'Alt' : '', input.shift ? 'Shift' : '', input.key].filter(Boolean).join('+');
}

export type HardeningLog = (message: string) => void;

/** Cancels navigations away from the app, denies pop-ups and webviews. Call for every WebContents. */
export function hardenWebContents(contents: WebContents, log: HardeningLog = () => {}): void {
  const guardNavigation = (event: { preventDefault(): void }, url: string): void => {
    if (decideNavigation(url) === 'deny') {
      event.preventDefault();
      // Log only the origin: a full URL could carry a query with personal data.
      log(`blocked navigation to ${safeOrigin(url)}`);
    }
  };
  contents.on('will-navigate', (event, url) => guardNavigation(event, url));
  contents.on('will-redirect', (event, url) => guardNavigation(event, url));
  // will-navigate covers only the main frame; subframes (an iframe) navigate through this one.
  contents.on('will-frame-navigate', (details) => guardNavigation(details, details.url));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log(`denied window.open to ${safeOrigin(url)}`);
    return { action: 'deny' };
  });
}

/** Installs the permission policy on a session (the default session the window uses). */
export function hardenSession(session: Session, log: HardeningLog = () => {}): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const origin = details.requestingUrl;
    const granted = decidePermission(permission, origin, details);
    if (!granted) log(`denied permission ${permission} for ${safeOrigin(origin)}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details: PermissionCheckHandlerHandlerDetails) =>
    decidePermission(permission, requestingOrigin, details),
  );
  // USB, HID and serial pickers: never.
  session.setDevicePermissionHandler(() => false);
}

export function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unparsable URL)';
  }
}

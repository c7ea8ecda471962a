import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, contentTypeFor, resolveAppRequest, type FileExists } from '../../electron/appProtocol';

const root = path.resolve('/srv/kiosk/dist');
const files = new Set(
  ['index.html', 'assets/index-abc123.js', 'assets/style.css', 'zxing_reader.wasm', 'fonts/BeVietnamPro.ttf'].map((f) => path.join(root, f)),
);
const exists: FileExists = (p) => files.has(p);
const resolve = (url: string) => resolveAppRequest(root, url, exists);

describe('resolveAppRequest', () => {
  it('keeps the permanent origin', () => {
    expect(APP_ORIGIN).toBe('app://kiosk');
  });

  it.each([
    ['app://kiosk/', 'index.html'],
    ['app://kiosk', 'index.html'],
    ['app://kiosk/index.html', 'index.html'],
    ['app://kiosk/assets/index-abc123.js', 'assets/index-abc123.js'],
    ['app://kiosk/assets/style.css?v=2#x', 'assets/style.css'],
    ['app://kiosk/fonts/Be%56ietnamPro.ttf', 'fonts/BeVietnamPro.ttf'],
    ['APP://KIOSK/zxing_reader.wasm', 'zxing_reader.wasm'],
  ])('serves %s', (url, file) => {
    expect(resolve(url)).toMatchObject({ kind: 'file', path: path.join(root, file), spaFallback: false });
  });

  it.each(['app://kiosk/tickets', 'app://kiosk/tickets/new/', 'app://kiosk/dossier/42?step=scan'])('falls back to index.html for the SPA route %s', (url) => {
    expect(resolve(url)).toEqual({
      kind: 'file',
      path: path.join(root, 'index.html'),
      contentType: 'text/html; charset=utf-8',
      spaFallback: true,
    });
  });

  it.each(['app://kiosk/assets/missing.js', 'app://kiosk/missing.wasm', 'app://kiosk/favicon.ico'])(
    'answers 404, not index.html, for the missing asset %s',
    (url) => {
      expect(resolve(url)).toMatchObject({ kind: 'refused', status: 404 });
    },
  );

  it.each([
    'app://kiosk/../etc/passwd',
    'app://kiosk/assets/../../etc/passwd',
    'app://kiosk/./index.html',
    'app://kiosk/%2e%2e/etc/passwd',
    'app://kiosk/%2E%2E/%2E%2E/etc/passwd',
    'app://kiosk/.%2e/etc/passwd',
    'app://kiosk/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'app://kiosk/..%2fetc%2fpasswd',
    'app://kiosk/%2fetc%2fpasswd',
    'app://kiosk/..%5c..%5cwindows%5cwin.ini',
    'app://kiosk/..\\..\\etc\\passwd',
    'app://kiosk/assets\\..\\..\\secret',
    'app://kiosk/index.html%00.js',
    'app://kiosk/index.html\u0000',
    'app://kiosk//etc/passwd',
    'app://kiosk/C:/Windows/win.ini',
    'app://kiosk/c%3A%5Cwindows',
    'app://kiosk/%E0%A4%A',
  ])('refuses the escape attempt %s', (url) => {
    const r = resolve(url);
    expect(r.kind).toBe('refused');
    if (r.kind === 'refused') expect([400, 403]).toContain(r.status);
  });

  it.each([
    'app://evil/index.html',
    'app://kiosk.evil.example/index.html',
    'app://kiosk:8080/index.html',
    'app://user@kiosk/index.html',
    'https://kiosk/index.html',
    'file:///srv/kiosk/dist/index.html',
    'not a url',
  ])('refuses %s (other scheme, host, port or user-info)', (url) => {
    expect(resolve(url)).toMatchObject({ kind: 'refused' });
  });

  it('never returns a path outside the root, whatever the input', () => {
    const inputs = ['..', '%2e%2e', '.%2E', 'a/..', '%252e%252e', '....', '..;', '~', '%7e'];
    for (const a of inputs) {
      for (const b of inputs) {
        const r = resolve(`app://kiosk/${a}/${b}/x`);
        if (r.kind === 'file') {
          const rel = path.relative(root, r.path);
          expect(rel.startsWith('..') || path.isAbsolute(rel)).toBe(false);
        }
      }
    }
  });

  it('works against a real folder with the default file check', async () => {
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-app-'));
    try {
      await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html>');
      await fs.mkdir(path.join(dir, 'assets'));
      await fs.writeFile(path.join(dir, 'assets', 'a.js'), '');
      expect(resolveAppRequest(dir, 'app://kiosk/assets/a.js')).toMatchObject({ kind: 'file', spaFallback: false });
      expect(resolveAppRequest(dir, 'app://kiosk/assets')).toMatchObject({ kind: 'file', spaFallback: true });
      expect(resolveAppRequest(dir, 'app://kiosk/assets/b.js')).toMatchObject({ kind: 'refused', status: 404 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['a.html', 'text/html; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['a.mjs', 'text/javascript; charset=utf-8'],
    ['a.css', 'text/css; charset=utf-8'],
    ['a.json', 'application/json; charset=utf-8'],
    ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['a.svg', 'image/svg+xml'],
    ['a.PNG', 'image/png'],
    ['a.ttf', 'font/ttf'],
    ['a.woff2', 'font/woff2'],
    ['a.wasm', 'application/wasm'],
    ['favicon.ico', 'image/x-icon'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['a.js.map', 'application/json; charset=utf-8'],
    ['a.unknown', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});

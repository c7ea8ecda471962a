import fs from 'node:fs';
import path from 'node:path';

/**
 * The `app://kiosk` protocol: how the built renderer (dist/) is served to the kiosk window.
 *
 * Guarantees (pure, no Electron import, unit-tested in test/electron/appProtocol.test.ts):
 * - Only `app://kiosk/...` is answered; any other scheme, host, port or user-info is refused.
 * - No request can name a file outside rootDir: `..` and `.` segments (raw or percent-encoded),
 *   encoded slashes, backslashes, NUL bytes, drive letters and empty segments are refused before
 *   any path is built, and the built path is checked again with path.relative (no realpath: the
 *   check is lexical and does not follow symlinks, dist/ contains none).
 * - A missing path that does not name a static asset is answered with index.html (SPA routes);
 *   a missing asset (a name with a known static-file extension) is a 404, never index.html, so a broken script tag
 *   fails loudly instead of parsing HTML as JavaScript.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
/**
 * PERMANENT. IndexedDB, localStorage, the service-worker cache and every permission are keyed by
 * the page origin. Changing the scheme or host (or moving to file://, http://localhost, a port...)
 * orphans every kiosk's unsynced tickets and dossiers. This value must never change.
 */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}` as const;
export const APP_START_URL = `${APP_ORIGIN}/`;
export const SPA_INDEX = 'index.html';

export type AppRequestResolution =
  | { readonly kind: 'file'; readonly path: string; readonly contentType: string; readonly spaFallback: boolean }
  | { readonly kind: 'refused'; readonly status: 400 | 403 | 404 | 405; readonly reason: string };

/** Whether a resolved path is an existing regular file. Injected so tests can use a fake tree. */
export type FileExists = (absolutePath: string) => boolean;

export const defaultFileExists: FileExists = (p) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  // WebAssembly.instantiateStreaming (zxing-wasm) requires exactly this type.
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const OTHER_ASSET_EXTENSIONS = new Set(['.jpg', '.jpeg', '.gif', '.webp', '.woff', '.otf', '.pdf', '.xml', '.y4m']);

/** A name with a static-file extension: missing ones are 404s, never the SPA page. */
export function isAssetName(name: string): boolean {
  const ext = path.extname(name).toLowerCase();
  return ext in CONTENT_TYPES || OTHER_ASSET_EXTENSIONS.has(ext);
}

export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

function refused(status: 400 | 403 | 404 | 405, reason: string): AppRequestResolution {
  return { kind: 'refused', status, reason };
}

/** The raw path part of the URL string, before any URL parser normalises `..` away. */
function rawPathOf(requestUrl: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*([^?#]*)/i.exec(requestUrl);
  return m ? (m[1] ?? '') : null;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Maps an `app://kiosk/...` request URL to a file under rootDir, or to a refusal.
 * `rootDir` must be absolute (main passes path.join(__dirname, '..', 'dist')).
 */
export function resolveAppRequest(rootDir: string, requestUrl: string, fileExists: FileExists = defaultFileExists): AppRequestResolution {
  if (requestUrl.includes('\0')) return refused(400, 'NUL byte in URL');
  if (requestUrl.includes('\\')) return refused(400, 'backslash in URL');

  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return refused(400, 'malformed URL');
  }
  if (url.protocol !== `${APP_SCHEME}:`) return refused(403, 'wrong scheme');
  if (url.host.toLowerCase() !== APP_HOST || url.username !== '' || url.password !== '') return refused(403, 'wrong host');

  // Judge the path as sent: the URL parser would silently collapse `/a/../..`, hiding an attack.
  const rawPath = rawPathOf(requestUrl);
  if (rawPath === null) return refused(400, 'malformed URL');
  const encodedSegments = rawPath === '' || rawPath === '/' ? [] : rawPath.replace(/^\//, '').split('/');

  const segments: string[] = [];
  for (const [i, encoded] of encodedSegments.entries()) {
    const isLast = i === encodedSegments.length - 1;
    if (encoded === '') {
      // A trailing slash ("/route/") is harmless; "//" inside a path is not something we emit.
      if (isLast) continue;
      return refused(400, 'empty path segment');
    }
    const segment = decodeSegment(encoded);
    if (segment === null) return refused(400, 'malformed percent-encoding');
    if (segment === '.' || segment === '..') return refused(403, 'dot segment');
    if (/[/\\\0]/.test(segment)) return refused(403, 'encoded separator or NUL in path segment');
    if (/^[a-z]:/i.test(segment) || segment.includes(':')) return refused(403, 'drive letter or colon in path');
    segments.push(segment);
  }

  const root = path.resolve(rootDir);
  const candidate = segments.length === 0 ? path.join(root, SPA_INDEX) : path.resolve(root, ...segments);
  const rel = path.relative(root, candidate);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return refused(403, 'path escapes the app root');

  if (fileExists(candidate)) {
    return { kind: 'file', path: candidate, contentType: contentTypeFor(candidate), spaFallback: false };
  }
  const last = segments[segments.length - 1] ?? '';
  if (isAssetName(last)) return refused(404, 'asset not found');
  const index = path.join(root, SPA_INDEX);
  return { kind: 'file', path: index, contentType: contentTypeFor(index), spaFallback: true };
}
